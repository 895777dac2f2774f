"""Zensical: the runbookgen site on an engine that runs no MkDocs plugins.

``run.py`` builds the site (the core renders every page, ``stage.py`` lays them out as
stub pages for Zensical), ``extension.py`` places the rendered pages while Zensical
renders. Listing this package in ``markdown_extensions`` loads that extension, so a plain
``zensical build`` of a runbookgen site stops with an error instead of dropping pages.
"""

from __future__ import annotations

from typing import Any


def makeExtension(**kwargs: Any) -> Any:
    """Python-Markdown entry point: ``markdown_extensions: [runbookgen.engines.zensical]``."""
    from runbookgen.engines.zensical.extension import RunbookgenExtension

    return RunbookgenExtension(**kwargs)
