"""``runbookgen check``: a small set of rules with stable codes over run records."""
