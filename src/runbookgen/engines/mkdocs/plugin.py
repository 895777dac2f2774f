"""MkDocs plugin ``runbookgen``: a thin adapter from MkDocs events to :mod:`runbookgen.web`.

What it does, event by event:

- ``on_config``: finds the project (the directory of ``mkdocs.yml``), adds the CSS/JS.
- page templates: ``<theme custom_dir>/runbookgen/`` is searched before the packaged ones,
  so a user's file of the same name replaces one (see ``web/templates.py``).
- ``on_files``: reads every run record (outside ``docs_dir``) and, unless ``history: false``,
  the git history (while worker processes parse the run files), and adds one generated
  page per run, *not in the navigation* (a nav holding every run is copied into every
  page and makes builds quadratic); adds the history page and, when missing, the home page.
- ``on_page_markdown``: for runbook templates and generated pages, hands Python-Markdown
  an empty document (it would flatten GitHub's nesting, and skipping it is faster).
- ``on_page_content``: swaps in the HTML rendered by the core, and sets the page's TOC.
- ``on_post_build``: writes badge SVGs and shields.io endpoint JSON.
- ``on_serve``: watches ``runs/`` (``docs_dir`` is watched by MkDocs already).

Broken run files become pages that show the error and log a warning, so
``mkdocs build --strict`` fails while a normal build still publishes everything else.
"""

from __future__ import annotations

import logging
import posixpath
import secrets
from collections.abc import Callable
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any, cast

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from runbookgen.engines.logsafe import guard
from runbookgen.engines.mkdocs.config import RunbookgenConfig
from runbookgen.engines.siteconfig import HOME_MARKER, site_options
from runbookgen.errors import RunbookgenError
from runbookgen.text import for_terminal
from runbookgen.web.checklist import toc_tokens
from runbookgen.web.links import Links
from runbookgen.web.safehtml import plain, title_text
from runbookgen.web.site import Site, default_workers
from runbookgen.web.views import history as history_view
from runbookgen.web.views import home as home_view
from runbookgen.web.views import runbook as runbook_view

log = logging.getLogger("mkdocs.plugins.runbookgen")


def _notice_logger() -> logging.Logger:
    """Warnings that must not fail ``--strict`` (MkDocs counts the ``mkdocs`` logger only)."""
    logger = logging.getLogger("runbookgen.engines.mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return logger


notice = _notice_logger()

ASSETS = ("runbookgen.css", "runbookgen.js")
ASSET_DIR = "assets/runbookgen"

ProgressHook = Callable[[str, int, int], None]


class RunbookgenPlugin(BasePlugin[RunbookgenConfig]):
    """Runbook, run, home and history pages plus badges, from ``content/`` and ``runs/``."""

    supports_multiple_instances = False
    #: set by ``runbookgen build`` to report progress: hook(phase, done, total)
    progress_hook: ProgressHook | None = None

    def __init__(self) -> None:
        self.site: Site | None = None
        self.project: Any = None
        self.pages: dict[str, str] = {}  # src_uri -> "run" | "runbook" | "history" | "home"
        self.runs: dict[str, Any] = {}  # src_uri -> RunEntry
        self._rendered = 0
        self._deferred: dict[str, Any] = {}  # src_uri -> RunEntry whose details are due
        self._failed: RunbookgenError | None = None  # a run page's rest could not be rendered
        self._marker = ""
        self._cache: dict[Any, Any] = {}
        self._pending: Any = None  # history being read since on_config
        self._history_parts: list[Any] = []  # the history pages (views/history.py)
        self._tocs: dict[int, tuple[list[dict[str, Any]], Any]] = {}  # see _toc

    # Keeping on_startup defined keeps one plugin instance across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        # MkDocs' own messages name files and links from pull requests: escaped like ours
        for name in ("mkdocs", "properdocs"):
            guard(logging.getLogger(name))

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        from runbookgen.engines.siteconfig import project_for

        self.project = project_for(
            Path(config.config_file_path or "mkdocs.yml"), Path(config.docs_dir), self.config
        )
        try:  # before anything is touched: MkDocs empties site_dir right after on_config
            self.project.check_layout()
            self.project.check_site_dir(config.site_dir)
        except RunbookgenError as exc:
            raise PluginError(for_terminal(str(exc))) from None
        config.extra_css.insert(0, f"{ASSET_DIR}/runbookgen.css")
        config.extra_javascript.append(f"{ASSET_DIR}/runbookgen.js")
        self._pending = self._start_history() if self.config.history else None
        return config

    def _start_history(self) -> Any:
        """Start reading git history now: git runs while MkDocs loads the theme and finds
        the files, on a core that is idle then (``on_files`` collects the result)."""
        from runbookgen.history import cache_wanted, start_history

        serve = getattr(self, "command", "build") == "serve"
        # The on-disk cache pays off across serve rebuilds, local re-builds and CI builds that
        # restore the previous build's cache (then only newer commits are read from git); in
        # a fresh checkout without it, writing one would only cost time.
        return start_history(self.project, use_cache=serve or cache_wanted(Path(self.project.root)))

    # ------------------------------------------------------------------ files
    @event_priority(-50)  # late: after other plugins added their files
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        opts = site_options(
            self.config,
            self.project,
            site_name=config.site_name,
            repo_url=config.repo_url,
            edit_uri=config.edit_uri,
            directory_urls=config.use_directory_urls,
            template_dirs=_template_dirs(config),
        )
        hook = type(self).progress_hook
        # Worker processes only for one-off builds: `serve` runs a server thread, and
        # forking a threaded process is unsafe.
        workers = (
            1 if getattr(self, "command", "build") != "build" else (self.config.workers or default_workers())
        )
        # `serve` keeps parsed runs between rebuilds; a one-off build needs no cache.
        cache = self._cache if getattr(self, "command", "build") == "serve" else None
        # A function: with worker processes, history is read while they parse the run files.
        git_history = self._history if self.config.history else None
        if self.site is not None:
            self.site.close()
        try:
            self.site = site = Site.load(
                self.project,
                opts,
                workers=workers,
                cache=cache,
                on_progress=(lambda n, t: hook("runs", n, t)) if hook else None,
                git_history=git_history,
                # With history, the workers render the rest of each run page (checklist with
                # ticks, timeline) while MkDocs writes pages on one core, newest run first
                # (site.runs order, as the run pages are added below). Without history
                # there is too little left to render for that to pay (performance.md).
                later=git_history is not None,
            )
        except RunbookgenError as exc:
            raise PluginError(f"runbookgen: {for_terminal(str(exc))}") from None
        # Nothing MkDocs would read or copy may resolve outside the repository, be a FIFO or
        # device, or (Markdown) exceed the size limit; a runbook that fails to parse is an
        # error too: MkDocs would render it raw, its HTML and script intact.
        docs = config.docs_dir
        problems = self.project.publish_refusals(
            path for f in files if f.generated_by is None and f.src_dir == docs and (path := f.abs_src_path)
        )
        problems += [f"runbook template {err}" for err in site.template_errors]
        if problems:
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise PluginError(for_terminal("; ".join(problems[:5]) + more))
        for message in site.warnings:  # runs on branches, pull requests: shown less, not wrong
            notice.warning("runbookgen: %s", for_terminal(message))
        self.pages, self.runs, self._rendered, self._deferred, self._tocs = {}, {}, 0, {}, {}
        self._failed = None
        # The placeholder for deferred run-page content; random per build, and a comment,
        # which escaped run-file text can never contain.
        self._marker = f"<!-- runbookgen:{secrets.token_hex(8)} -->"
        for name, rb in site.runbooks.items():
            if files.get_file_from_path(rb.src_uri) is not None:
                self.pages[rb.src_uri] = "runbook"
            else:
                log.debug("runbook %s has no page", name)
        for run in site.runs:
            for err in run.errors:
                log.warning("run record %s: %s", for_terminal(run.relpath), for_terminal(err))
            if files.get_file_from_path(run.src_uri) is not None:
                log.warning(
                    "run record %s: %s already exists in %s; run page skipped",
                    run.relpath,
                    run.src_uri,
                    self.project.content_dir,
                )
                continue
            f = File.generated(config, run.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV)
            rel = posixpath.relpath(run.relpath, self.project.content_dir)
            f.edit_uri = None if run.broken and run.relpath == run.src_uri else rel
            files.append(f)
            self.pages[run.src_uri] = "run"
            self.runs[run.src_uri] = run
        # The history page, and its numbered pages of older runs (not in the navigation).
        self._history_parts = history_view.parts(site)
        for part in self._history_parts:
            if files.get_file_from_path(part.src_uri) is None:
                level = InclusionLevel.UNDEFINED if part.number == 1 else InclusionLevel.NOT_IN_NAV
                files.append(File.generated(config, part.src_uri, content="", inclusion=level))
            self.pages[part.src_uri] = "history"
        index = files.get_file_from_path("index.md") or files.get_file_from_path("README.md")
        if index is None and self.config.home_page:
            files.append(File.generated(config, "index.md", content=""))
            self.pages["index.md"] = "home"
        elif index is not None:
            self.pages.setdefault(index.src_uri, "home-marker")
        for name in ASSETS:
            data = package_files("runbookgen.web").joinpath("assets", name).read_bytes()
            files.append(File.generated(config, f"{ASSET_DIR}/{name}", content=data))
        return files

    def _history(self) -> Any:
        """Git history of every run, once per build (cached by HEAD across ``serve`` rebuilds).

        A shallow clone is reported on the ``runbookgen`` logger, outside MkDocs' own: it is
        printed as a warning but not counted by ``--strict`` — the site is right, only the
        history is short, and that is how CI checks out by default (see docs/history.md).
        """
        import gc

        pending, self._pending = self._pending or self._start_history(), None
        hist = pending.result()
        if getattr(self, "command", "build") != "serve":
            # ~200,000 long-lived objects: keep the collector from walking them for the rest
            # of a one-off build.
            gc.freeze()
        if not hist.available:
            log.info("runbookgen: run history unavailable: %s", hist.reason)
        for message in hist.warnings:
            notice.warning("runbookgen: %s", message)
        return hist

    def on_build_error(self, *, error: Exception) -> None:
        if self._pending is not None:  # the build failed before on_files: stop git
            self._pending.close()
            self._pending = None
        if self.site is not None:  # stop the workers rendering run pages
            self.site.close()

    # ------------------------------------------------------------------ pages
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        kind = self.pages.get(page.file.src_uri)
        if kind is None or kind == "home-marker" or self.site is None:
            return None
        if kind == "run":
            run = self.runs[page.file.src_uri]
            page.meta["title"] = run.title
            page.meta["search"] = {"boost": 0.5}
        elif kind == "runbook":
            rb = self.site.runbooks[Path(page.file.src_uri).stem]
            page.meta["title"] = title_text(plain(rb.title))
        elif kind == "history":
            part = self._history_part(page.file.src_uri)
            page.meta.setdefault("title", part.title if part is not None else "History")
        elif kind == "home":
            page.meta.setdefault("title", "Home")
        return ""  # the core renders the body; Python-Markdown gets nothing to flatten

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        try:
            return self._page_content(html, page, config)
        except RunbookgenError as exc:
            raise PluginError(f"runbookgen: {exc}") from None

    def _page_content(self, html: str, page: Page, config: MkDocsConfig) -> str | None:
        kind = self.pages.get(page.file.src_uri)
        site = self.site
        if kind is None or site is None:
            return None
        links = Links(page.url, config.use_directory_urls)
        toc: list[dict[str, Any]] = []
        if kind == "run":
            run = self.runs[page.file.src_uri]
            # Only the summary is the page's content for the theme and the search index;
            # the rest (progress bars, the checklist) is spliced into the finished page in
            # on_post_page. The search plugin then neither indexes nor parses 1,000
            # checklists: that parse was the largest cost of a big build.
            # The details stay compressed in the entry until on_post_page (MkDocs renders
            # every page before it writes the first: 10,000 bodies would be held as text).
            out, toc = run.summary + self._marker, run.toc
            self._deferred[page.file.src_uri] = run
        elif kind == "runbook":
            name = Path(page.file.src_uri).stem
            out = runbook_view.page(site, name, links)
            toc = [
                {"level": 2, "id": "stages", "name": "Stages", "children": []},
                *toc_tokens(site.runbooks[name].model),
            ]
        elif kind == "history":
            part = self._history_part(page.file.src_uri)
            if part is None:
                return None
            out = history_view.page(site, links, part, self._history_parts)
            toc = history_view.toc(part)
        elif kind == "home":
            out = home_view.page(site, links, title=config.site_name)
        else:  # the user's own home page: replace the marker, if any
            if HOME_MARKER not in html:
                return None
            return html.replace(HOME_MARKER, home_view.page(site, links, title=None))
        page.toc = self._toc(toc)
        return '<div class="rbg">' + out + "</div>"

    def _toc(self, toc: list[dict[str, Any]]) -> Any:
        """MkDocs' TOC object, made once per distinct list: run pages of one template share
        theirs (web/entries.py SharedTocs), and each page keeps its TOC for the whole build."""
        found = self._tocs.get(id(toc))
        if found is None or found[0] is not toc:
            found = self._tocs[id(toc)] = (toc, get_toc(cast("list[Any]", toc)))
        return found[1]

    def _history_part(self, src_uri: str) -> Any:
        return next((p for p in self._history_parts if p.src_uri == src_uri), None)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        hook = type(self).progress_hook
        if hook is not None and self.site is not None:
            self._rendered += 1
            hook("pages", self._rendered, 0)
        run = self._deferred.pop(page.file.src_uri, None)
        if run is None:
            return None
        if self._failed is not None:
            return output.replace(self._marker, "", 1)
        try:
            rest = run.take_details()
        except RunbookgenError as exc:
            # A user's template failed in the rest of the page (rendered by a worker since
            # the run files were read). Raised here, MkDocs would log it twice ("Error
            # building page" first); on_post_build raises it, as the build's one error.
            self._failed = exc
            return output.replace(self._marker, "", 1)
        return output.replace(self._marker, rest, 1)

    # ------------------------------------------------------------------ output
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled or self.site is None:
            return
        self.site.close()
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise PluginError(f"runbookgen: {for_terminal(str(failed))}")
        out = Path(config.site_dir)
        for rel, content in self.site.badge_files().items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled and self.project is not None and self.project.runs_path.is_dir():
            server.watch(str(self.project.runs_path))
        return server


def _template_dirs(config: MkDocsConfig) -> tuple[str, ...]:
    """``<custom_dir>/runbookgen`` of the theme, where a user's page templates override ours."""
    custom = config.theme.custom_dir
    if not custom:
        return ()
    path = Path(custom) / "runbookgen"
    return (str(path),) if path.is_dir() else ()
