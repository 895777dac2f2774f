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

import os
from collections.abc import Iterator, Sequence
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
            where, line = _template_frame(exc.__traceback__, template.filename or name)
            message = exc.message if isinstance(exc, jinja2.TemplateSyntaxError) else str(exc)
            raise RunbookgenError(f"template error: {message}", where, line) from None

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


def _template_frame(tb: TracebackType | None, default: str) -> tuple[str, int | None]:
    """The innermost traceback frame inside a template file (Jinja maps its lines)."""
    where, line = default, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html"):
            where, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return where, line
