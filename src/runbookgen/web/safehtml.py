"""Markdown from run files → HTML that cannot carry markup or script into the site.

Run records are edited by anyone who can open a pull request, so their text is
untrusted. Rendering goes through markdown-it-py with raw HTML *disabled* (so ``<script>``
and ``<img onerror=…>`` come out as visible, escaped text) and with a link allowlist: a
URL survives only if it is relative or uses ``http``, ``https`` or ``mailto``. That drops
``javascript:``, ``vbscript:`` and ``data:`` — including entity-encoded and
percent-encoded spellings, because markdown-it decodes entities before validating and
anything with a colon before the first ``/?#`` that is not an allowed scheme is refused.
Plain strings (front matter values) go through :func:`text`, i.e. ``markupsafe.escape``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

from markupsafe import escape

from runbookgen.text import strip_markup

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Characters that can make inline Markdown produce markup; text without them is escaped only.
_MARKDOWN_CHARS = re.compile(r"[*_`\[\]<>!&\\~]|https?:|www\.")
_SCHEME = re.compile(r"^([^/?#]*?):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
# markdown-it-py renders prose at about 0.5 µs a byte but text dense with markup
# characters ("[[[[…", "*a*a*a…", "&#&#…") at 5-30 µs a byte: linear, yet a crafted 200 KB
# line would cost seconds per page (benchmarks/bench_pathological.py). A text with more
# markup characters than this is shown as escaped text instead; no real runbook text
# comes near it (the seed runbook has about 600 in all).
MAX_MARKUP = 10_000
_MARKUP = "[*_`<&~!\\|"

_md_instance: Any = None


def safe_url(url: str) -> bool:
    """Whether a (decoded) link target may appear in an ``href``/``src``."""
    cleaned = _CONTROL.sub("", html.unescape(url))  # belt and braces: markdown-it decoded already
    m = _SCHEME.match(cleaned)
    if m is None:
        return True  # relative: path, query or fragment
    return m.group(1).lower() in ALLOWED_SCHEMES


def _md() -> Any:
    global _md_instance
    if _md_instance is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.validateLink = safe_url  # type: ignore[method-assign]
        _md_instance = md
    return _md_instance


# The characters markupsafe escapes; most values (names, times, ids) have none of them.
_SPECIAL = re.compile(r"[&<>'\"]")


def text(value: object) -> str:
    """A plain value (front matter, file names) as escaped HTML text.

    Returns ``str``, not ``Markup``: ``"<p>" + Markup(...)`` would escape the literal.
    A value with nothing to escape is returned as it is (a page calls this thousands of
    times; ``escape`` builds a ``Markup`` object each time).
    """
    s = "" if value is None else str(value)
    return str(escape(s)) if _SPECIAL.search(s) else s


@lru_cache(maxsize=8192)
def inline(source: str) -> str:
    """Inline Markdown (item text, titles) → safe HTML. Cached: runs repeat the template's text."""
    if not _MARKDOWN_CHARS.search(source) or _too_much_markup(source):
        return str(escape(source))
    return str(_md().renderInline(source).strip())


@lru_cache(maxsize=2048)
def block(source: str) -> str:
    """Block Markdown (notes, prose, tables) → safe HTML."""
    if _too_much_markup(source):
        return "<p>" + str(escape(source)).replace("\n", "<br>\n") + "</p>\n"
    return str(_md().render(source))


def _too_much_markup(source: str) -> bool:
    """More markup characters than :data:`MAX_MARKUP` (counted at C speed)."""
    return len(source) > MAX_MARKUP and sum(source.count(c) for c in _MARKUP) > MAX_MARKUP


def plain(source: str) -> str:
    """Inline Markdown reduced to its words, for titles and attributes (never markup)."""
    return strip_markup(source)


def title_text(value: str) -> str:
    """Text safe to hand to a theme as a page title.

    Themes insert titles unescaped (MkDocs' Jinja environment has no autoescape, and
    ``striptags`` decodes entities), so markup characters are dropped, not escaped.
    """
    return re.sub(r"[<>&\"'`]", "", value).strip()
