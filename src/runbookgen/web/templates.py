"""The page templates: a standalone Jinja2 environment with autoescaping, and the search path
that lets a user replace any template with a file of the same name.

The templates are in ``web/templates/`` (pages at the top, ``partials/`` for the pieces,
like Material's). An engine adapter passes extra directories first — the MkDocs plugin
passes ``<theme custom_dir>/runbookgen`` — so ``overrides/runbookgen/partials/run-header.html``
replaces ours. Autoescaping is on: every value from a run file or from git is escaped
unless it went through :mod:`runbookgen.web.safehtml` (the ``inline``/``block`` filters),
which returns safe markup.

A mistake in a user's template is a :class:`runbookgen.errors.RunbookgenError` naming the
template file and line, not a traceback.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from markupsafe import Markup

from runbookgen.errors import RunbookgenError
from runbookgen.web import checklist, formats, links, safehtml

PACKAGED = Path(__file__).resolve().parent / "templates"


def _inline(value: object) -> Markup:
    return Markup(safehtml.inline(str(value)))


def _block(value: object) -> Markup:
    return Markup(safehtml.block(str(value)))


def _path(value: object) -> Markup:
    """A file path that may wrap after its slashes (never inside a name)."""
    return Markup(safehtml.text(value).replace("/", "/<wbr>"))


class Later:
    """Markup made when a template first prints or tests it (once): a run page's checklist
    and charts, which :meth:`Templates.render_parts` may render long after the summary."""

    __slots__ = ("_html", "_make")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make: Callable[[], str] | None = make
        self._html = ""

    def __html__(self) -> str:
        if self._make is not None:
            self._html, self._make = self._make(), None
        return self._html

    __str__ = __html__

    def __bool__(self) -> bool:
        return bool(self.__html__())


class Templates:
    """The page templates, looked up in ``search_path`` first, then in the package."""

    def __init__(self, search_path: Sequence[str | os.PathLike[str]] = ()) -> None:
        self.search_path = [Path(p) for p in search_path]
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(p) for p in self.search_path]
        loaders.append(jinja2.FileSystemLoader(PACKAGED))
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            cache_size=-1,
        )
        env.filters.update(
            inline=_inline,
            block=_block,
            path=_path,
            plain=safehtml.plain,
            minutes=formats.fmt_minutes,
            estimate=formats.fmt_estimate,
            time=lambda dt: Markup(formats.time_html(dt)),
            datetime=formats.fmt_time,
            anchor=checklist.anchor_id,
            item_anchor=checklist.item_anchor,
            status_label=formats.status_label,
            iso_time=lambda iso: formats.fmt_time(datetime.fromisoformat(iso)),
        )
        env.globals.update(
            plural=formats.plural,
            kind_chip=lambda kind: Markup(checklist.kind_chip(kind)),
            wait_text=checklist.wait_text,
            success_text=formats.success_text,
            median_text=formats.median_text,
            branch_url=lambda github, branch: links.github_ref_url(github, "tree", branch),
        )
        self.env = env
        self._packaged: dict[str, bool] = {}

    def compile_all(self) -> None:
        """Compile every template now (before forking: the workers inherit them)."""
        for name in self.env.list_templates(extensions=["html"]):
            self.get(name)

    def packaged(self, name: str) -> bool:
        """Whether ``name`` is the packaged template (no user file of that name replaces it)."""
        hit = self._packaged.get(name)
        if hit is None:
            hit = self._packaged[name] = not any((d / name).is_file() for d in self.search_path)
        return hit

    def get(self, name: str) -> jinja2.Template:
        """A compiled template (compiled once; callers compile before forking workers)."""
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise RunbookgenError(
                f"template error: {exc.message}", exc.filename or name, exc.lineno
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise RunbookgenError(f"template not found: {exc.name}") from None

    def render(self, name: str, /, **context: Any) -> str:
        """Render the template ``name``; a failing user template names its file and line."""
        template = self.get(name)
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            raise _template_error(exc, template.filename or name) from None

    def render_parts(self, name: str, split: str, /, **context: Any) -> tuple[str, Iterator[str]]:
        """:meth:`render` in two parts: the output up to and including ``split`` (all of it
        when the template never prints ``split``), and the rest, made only as it is read.

        The site build renders run pages this way: the summary while the run files are read,
        the rest (checklist, timeline) in a worker while MkDocs writes pages on one core
        (see web/workers.py). Values the rest prints may be :class:`Later` markup."""
        template = self.get(name)
        fallback = template.filename or name
        chunks = self._guarded(template.generate(context), fallback)
        head: list[str] = []
        for chunk in chunks:
            at = chunk.find(split)
            if at < 0:
                head.append(chunk)
                continue
            at += len(split)
            head.append(chunk[:at])
            if at < len(chunk):
                chunks = itertools.chain((chunk[at:],), chunks)
            break
        return "".join(head), chunks

    @staticmethod
    def _guarded(chunks: Iterator[str], fallback: str) -> Iterator[str]:
        try:
            yield from chunks
        except jinja2.TemplateError as exc:
            raise _template_error(exc, fallback) from None

    def overridden(self) -> list[tuple[str, int, int]]:
        """Every user template file (path, mtime, size): part of a ``serve`` cache key."""
        out = []
        for d in self.search_path:
            for p in sorted(_files(d)):
                try:
                    st = p.stat()
                except OSError:
                    continue
                out.append((str(p), st.st_mtime_ns, st.st_size))
        return out


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (p for p in root.rglob("*.html") if p.is_file())


def _template_error(exc: jinja2.TemplateError, default: str) -> RunbookgenError:
    """A failing template as one error naming the template file and line."""
    where, line = _template_frame(exc.__traceback__, default)
    message = exc.message if isinstance(exc, jinja2.TemplateSyntaxError) else str(exc)
    return RunbookgenError(f"template error: {message}", where, line)


def _template_frame(tb: TracebackType | None, default: str) -> tuple[str, int | None]:
    """The innermost traceback frame inside a template file (Jinja maps its lines)."""
    where, line = default, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            where, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return where, line
