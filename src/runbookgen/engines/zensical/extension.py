"""The Python-Markdown extension that puts the core's pages into Zensical's pages.

Zensical runs no MkDocs plugins, but it renders every page with Python-Markdown and the
extensions listed in ``markdown_extensions``. ``runbookgen build --engine zensical``
writes each runbookgen page as a stub whose body is one marker line
(``<!-- runbookgen:place <digest> -->``) and registers the page's HTML, rendered by the
core, under that digest (:func:`activate`). This extension swaps the marker for the HTML
through Python-Markdown's ``htmlStash``, so the checklists are never parsed as Markdown
(which would flatten GitHub's nesting, and cost far more time), and hands Zensical the
page's table of contents.

The preprocessor runs after Python-Markdown's whitespace normaliser (priority 30): that
step strips the control characters the stash placeholder is made of, and the page would
come out empty.

Listed in ``mkdocs.yml`` (``markdown_extensions: [runbookgen.engines.zensical]``) it
also guards against a plain ``zensical build``, which ignores the ``runbookgen`` plugin
and would silently publish a site without run, history and home pages: under Zensical,
without a runbookgen build in the same process, it stops the build with an error that
says what to run. Under MkDocs and ProperDocs it does nothing (the plugin does the work).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

MARKER = re.compile(r"<!-- runbookgen:place ([0-9a-f]{32}) -->")
#: Zensical registers its rendering context under this name in every Markdown instance
ZENSICAL_CONTEXT = "rendering_context"
PLAIN_BUILD_ERROR = (
    "runbookgen: this site's runbook, run, history and home pages are made by "
    "'runbookgen build --engine zensical' (or 'runbookgen serve --engine zensical'); "
    "a plain 'zensical build' runs no MkDocs plugins and would publish the site without them"
)


@dataclass(frozen=True)
class Placement:
    """One page's body as the core rendered it, and its table of contents."""

    html: str
    toc: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def toc_tokens(tokens: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The core's TOC entries (level, id, name, children) in the full shape of
    Python-Markdown's ``toc_tokens``, which Zensical reads (names carry no markup)."""
    return [
        {
            "level": t["level"],
            "id": t["id"],
            "name": t["name"],
            "html": t["name"],
            "data-toc-label": "",
            "children": toc_tokens(t.get("children", ())),
        }
        for t in tokens
    ]


class _Registry:
    """The pages of the runbookgen build running in this process (none: a plain build)."""

    def __init__(self) -> None:
        self.pages: dict[str, Placement] | None = None
        self.on_page: Callable[[], None] | None = None


REGISTRY = _Registry()


def activate(pages: dict[str, Placement], on_page: Callable[[], None] | None = None) -> None:
    """Make ``pages`` (digest → placement) available to Zensical's renders in this process."""
    REGISTRY.pages = pages
    REGISTRY.on_page = on_page


def deactivate() -> None:
    REGISTRY.pages = None
    REGISTRY.on_page = None


class PlainBuildError(RuntimeError):
    """A runbookgen site rendered by Zensical without ``runbookgen build``."""


class _PageToc:
    """The placed page's headings, from :class:`_Place` to :class:`_Toc` (one per
    ``Markdown`` instance, i.e. per page)."""

    def __init__(self) -> None:
        self.toc: Sequence[Mapping[str, Any]] | None = None


#: the attribute Python-Markdown's ``toc`` extension sets on its ``Markdown`` instance,
#: which Zensical reads for the page's table of contents
TOC_ATTRIBUTE = "toc_tokens"


class _Place(Preprocessor):
    def __init__(self, md: Markdown, found: _PageToc) -> None:
        super().__init__(md)
        self.found = found

    def run(self, lines: list[str]) -> list[str]:
        pages = REGISTRY.pages
        if pages is None:
            raise PlainBuildError(PLAIN_BUILD_ERROR)
        out: list[str] = []
        for line in lines:
            m = MARKER.fullmatch(line.strip())
            if m is None:
                out.append(line)
                continue
            placement = pages.get(m[1])
            if placement is None:  # a stub left from an earlier build: never show the marker
                raise PlainBuildError(f"runbookgen: no page for marker {m[1]}; rebuild with runbookgen")
            self.found.toc = placement.toc
            out.extend(("", self.md.htmlStash.store(placement.html), ""))
            if REGISTRY.on_page is not None:
                REGISTRY.on_page()
        return out


class _Toc(Postprocessor):
    """After the ``toc`` extension: the page's contents are the core's headings."""

    def __init__(self, md: Markdown, found: _PageToc) -> None:
        super().__init__(md)
        self.found = found

    def run(self, text: str) -> str:
        toc = self.found.toc  # kept: Zensical may convert again and read the TOC then
        if toc is not None:
            setattr(self.md, TOC_ATTRIBUTE, toc_tokens(toc))
        return text


class RunbookgenExtension(Extension):
    """Places the core's pages in Zensical's render; a no-op under MkDocs/ProperDocs."""

    def extendMarkdown(self, md: Markdown) -> None:
        if ZENSICAL_CONTEXT not in md.preprocessors:
            return  # MkDocs or ProperDocs: the runbookgen plugin renders the pages
        found = _PageToc()
        md.preprocessors.register(_Place(md, found), "runbookgen", 25)
        md.postprocessors.register(_Toc(md, found), "runbookgen_toc", 0)


def makeExtension(**kwargs: Any) -> RunbookgenExtension:
    return RunbookgenExtension(**kwargs)
