"""The MkDocs adapter (``plugin``) and the CSS/JS it ships; pages themselves come from
:mod:`runbookgen.pages`, which does not import MkDocs."""
