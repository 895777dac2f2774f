"""Markdown → model: a checklist read exactly as GitHub renders it.

Everything else reads :class:`runbookgen.model.Runbook`, never Markdown tokens. The
package, by job (markdown-it-py style, one job per module):

* ``tokens.py``      the markdown-it instance and its cmark-gfm adjustments
* ``grammar.py``     THE task line (box, text, skip/N-A, fields): read and written here only
* ``fields.py``      fill-in fields, choices, ``**Label**: value`` lines, estimates
* ``frontmatter.py`` splitting and parsing YAML front matter, with its limits
* ``kinds.py``       section kinds: front matter overrides and inference
* ``taskindex.py``   which list items GitHub draws a checkbox for
* ``builder.py``     tokens → model (:func:`load`, :func:`loads`)
* ``reuse.py``       one parse per run structure: runs of one template derived from it
* ``source.py``      a file's text (UTF-8, BOM) or one error line
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "decode",
    "label_pattern",
    "load",
    "loads",
    "parse_estimate",
    "parse_fields",
    "parse_front_matter",
    "read_text",
    "split_front_matter",
]

if TYPE_CHECKING:
    from runbookgen.markdown.builder import load, loads
    from runbookgen.markdown.fields import label_pattern, parse_estimate, parse_fields
    from runbookgen.markdown.frontmatter import parse_front_matter, split_front_matter
    from runbookgen.markdown.source import decode, read_text

#: where each public name lives; imported on first use, so a command that needs one small
#: module (``new-run`` reads ``fields.py`` and ``grammar.py``) does not load markdown-it
_HOMES = {
    "load": "builder",
    "loads": "builder",
    "label_pattern": "fields",
    "parse_estimate": "fields",
    "parse_fields": "fields",
    "parse_front_matter": "frontmatter",
    "split_front_matter": "frontmatter",
    "decode": "source",
    "read_text": "source",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'runbookgen.markdown' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f"runbookgen.markdown.{home}"), name)
    globals()[name] = value
    return value
