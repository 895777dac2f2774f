"""Adapters from site engines (MkDocs, ProperDocs, Zensical) to :mod:`runbookgen.web`."""
