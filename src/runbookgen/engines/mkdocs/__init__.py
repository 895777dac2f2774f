"""The MkDocs (and ProperDocs) plugin ``runbookgen``."""
