"""The site's pages, rendered from the model with no site-engine import (engines wrap them)."""
