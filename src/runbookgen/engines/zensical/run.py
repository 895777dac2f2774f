"""``runbookgen build --engine zensical`` and ``serve``: the runbookgen site, built by Zensical.

Zensical reads ``mkdocs.yml`` but runs no MkDocs plugins, so the work the plugin does
on MkDocs is done here, around one call of Zensical's documented ``build``/``serve``:

1. read the configuration and the ``runbookgen`` plugin options (``options.py``), load
   every run record and the git history, and let the core render each page;
2. lay out the staging docs directory and configuration (``stage.py``): the user's
   files, plus one stub per runbook, run, history and home page, the run pages kept out
   of the navigation;
3. run Zensical in this process; ``extension.py`` places each page's HTML while
   Zensical renders the stubs (it never parses a checklist as Markdown);
4. splice each run page's checklist into the written page — only its summary went
   through Zensical, so search indexes what it indexes under MkDocs — and write badges.

Run stubs are ``<run>/index.md`` (with directory URLs) so that a page's source directory
is its URL directory: Zensical rewrites relative links in HTML as relative to the source
file, which then changes nothing in the core's page-relative links. The runbook, history
and home pages are rendered with links relative to their source file for the same reason.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

from runbookgen.engines.options import plugin_options
from runbookgen.engines.progress import ProgressHook
from runbookgen.engines.siteconfig import HOME_MARKER, project_for, site_options
from runbookgen.engines.zensical import extension, stage
from runbookgen.errors import RunbookgenError
from runbookgen.text import for_terminal

REST_MARKER = "<!-- runbookgen:rest -->"
KNOWN_REPO_HOSTS = {
    "github.com": "edit/master/",
    "gitlab.com": "edit/master/",
    "bitbucket.org": "src/default/",
}


def _warn(message: str) -> None:
    """A build warning; file names and run-file text in it are escaped (text.for_terminal)."""
    print(f"WARNING -  {for_terminal(message)}", file=sys.stderr, flush=True)


def _info(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"INFO    -  {message}", file=sys.stderr, flush=True)


def _resolve_env(value: Any) -> Any:
    """MkDocs' ``!ENV VAR`` / ``!ENV [VAR, …, default]`` for the few settings read here."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if tag != "!ENV":
        return value
    items = list(value) if isinstance(value, list) else [str(value)]
    for name in items[:-1] if len(items) > 1 else items:
        if str(name) in os.environ:
            return os.environ[str(name)]
    return items[-1] if len(items) > 1 else None


def _setting(config: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = _resolve_env(config.get(key, default))
    return default if value is None else value


def _plugin_entry(config: Mapping[str, Any]) -> tuple[bool, Mapping[str, Any] | None]:
    """(whether ``runbookgen`` is among ``plugins``, its options)."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins:
        if entry == "runbookgen":
            return True, None
        if isinstance(entry, dict) and "runbookgen" in entry:
            return True, entry["runbookgen"]
    return False, None


def _default_edit_uri(repo_url: str | None, docs_rel: str) -> str | None:
    """The edit URI Zensical would derive for the user's ``docs_dir`` (not the staging one)."""
    if not repo_url:
        return None
    from urllib.parse import urlsplit

    prefix = KNOWN_REPO_HOSTS.get(urlsplit(repo_url).hostname or "")
    return f"{prefix}{docs_rel}" if prefix else None


def _stub_path(src_uri: str, directory_urls: bool) -> str:
    """Where a run's stub goes so that its source directory is its URL directory."""
    stem, _ = posixpath.splitext(src_uri)
    return f"{stem}/index.md" if directory_urls else src_uri


def _output_path(site_dir: Path, src_uri: str, directory_urls: bool) -> Path:
    stem, _ = posixpath.splitext(src_uri)
    return site_dir / (f"{stem}/index.html" if directory_urls else f"{stem}.html")


@dataclass
class Prepared:
    """A staged site: what Zensical builds from and what runbookgen adds afterwards."""

    config_file: Path
    site_dir: Path
    placements: dict[str, extension.Placement]
    rests: dict[Path, str] = field(default_factory=dict)  # run page file → its checklist part
    badges: dict[str, str] = field(default_factory=dict)
    warnings: int = 0
    watch: list[Path] = field(default_factory=list)


class ZensicalSite:
    """One runbookgen site as Zensical builds it (kept across ``serve`` rebuilds)."""

    def __init__(self, config_file: Path, *, site_dir: Path | None, serve: bool, quiet: bool) -> None:
        self.config_file = config_file.resolve()
        self.root = self.config_file.parent
        self.serve = serve
        self.quiet = quiet
        self.site_dir_override = site_dir
        self.cache: dict[Any, Any] = {}  # parsed runs across serve rebuilds
        self.progress: ProgressHook | None = None

    # ------------------------------------------------------------------ configuration
    def _config(self) -> tuple[Any, dict[str, Any] | None]:
        config = stage.load_config(self.config_file)
        listed, raw = _plugin_entry(config)
        if not listed:
            return config, None
        where = self.config_file.name
        options = plugin_options(dict(raw) if isinstance(raw, Mapping) else None, where)
        return config, (options if options["enabled"] else None)

    def plain(self) -> bool:
        """Whether the configuration leaves runbookgen out (then Zensical builds it as is)."""
        return self._config()[1] is None

    # ------------------------------------------------------------------ preparing
    def prepare(self) -> Prepared:
        """Render every page and stage the site; nothing is written outside ``.cache/``
        except the generated configuration file beside the user's."""
        from runbookgen.web.checklist import toc_tokens
        from runbookgen.web.links import Links
        from runbookgen.web.safehtml import plain, title_text
        from runbookgen.web.site import Site, default_workers
        from runbookgen.web.views import history as history_view
        from runbookgen.web.views import home as home_view
        from runbookgen.web.views import runbook as runbook_view
        from runbookgen.web.views.run import SUMMARY_END

        config, options = self._config()
        assert options is not None
        docs_rel = str(_setting(config, "docs_dir", "docs"))
        docs_dir = (self.root / docs_rel).resolve()
        if not docs_dir.is_dir():
            raise RunbookgenError(f"docs_dir '{docs_rel}' is not a directory", self.config_file)
        site_dir = self.site_dir_override or (self.root / str(_setting(config, "site_dir", "site")))
        site_dir = site_dir.resolve()
        directory_urls = bool(_setting(config, "use_directory_urls", True))
        repo_url = _setting(config, "repo_url")
        project = project_for(self.config_file, docs_dir, options)
        project.check_layout()
        project.check_site_dir(site_dir)
        opts = site_options(
            options,
            project,
            site_name=str(_setting(config, "site_name", "")),
            repo_url=str(repo_url) if repo_url else None,
            edit_uri=_setting(config, "edit_uri"),
            directory_urls=directory_urls,
        )
        warnings = 0
        hook = self.progress
        site = Site.load(
            project,
            opts,
            workers=1 if self.serve else (options["workers"] or default_workers()),
            cache=self.cache if self.serve else None,
            on_progress=(lambda n, t: hook("runs", n, t)) if hook else None,
            git_history=self._history_loader(project) if options["history"] else None,
        )
        stage_root = self.root / stage.STAGE_DIR
        staged_docs = stage_root / "docs"
        plan: stage.Plan = {}
        own = dict(stage.user_files(docs_dir, skip=(self.root / ".cache", site_dir)))
        # as the MkDocs plugin: nothing published may lead out of the repository, block, or be
        # huge, and a runbook that fails to parse is an error (it would be rendered raw)
        problems = project.publish_refusals(own.values())
        problems += [f"runbook template {err}" for err in site.template_errors]
        if problems:
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            raise RunbookgenError(for_terminal("; ".join(problems[:5]) + more))
        plan.update(own)
        placements: dict[str, extension.Placement] = {}

        def place(rel: str, html: str, toc: list[dict[str, Any]], meta: dict[str, Any], *extra: str) -> None:
            import json

            key = stage.digest(html, json.dumps(toc), *extra)
            placements[key] = extension.Placement(html, tuple(toc))
            plan[rel] = stage.stub(key, meta)

        for name, rb in site.runbooks.items():
            if rb.src_uri not in own:
                continue
            links = Links(rb.src_uri, directory_urls)
            toc = [{"level": 2, "id": "stages", "name": "Stages", "children": []}, *toc_tokens(rb.model)]
            meta = {**rb.model.front_matter, "title": title_text(plain(rb.title))}
            place(
                rb.src_uri, '<div class="rbg">' + runbook_view.page(site, name, links) + "</div>", toc, meta
            )

        rests: dict[Path, str] = {}
        for run in site.runs:
            for err in run.errors:
                _warn(f"run record {run.relpath}: {err}")
                warnings += 1
            target = _stub_path(run.src_uri, directory_urls)
            if run.src_uri in own or target in own:
                _warn(
                    f"run record {run.relpath}: {run.src_uri} already exists in "
                    f"{project.content_dir}; run page skipped"
                )
                warnings += 1
                continue
            meta = {"title": run.title, "search": {"boost": 0.5}}
            if self.serve:
                place(target, '<div class="rbg">' + run.body + "</div>", run.toc, meta)
            else:
                head, sep, rest = run.body.partition(SUMMARY_END)
                html = '<div class="rbg">' + head + sep + REST_MARKER + "</div>"
                place(target, html, run.toc, meta, rest)
                rests[_output_path(site_dir, run.src_uri, directory_urls)] = rest
            run.body = ""  # 1,000 rendered checklists add up

        history = opts.history_page
        links = Links(history, directory_urls)
        toc = [
            {"level": 2, "id": "outcomes", "name": "Outcomes over time", "children": []},
            {"level": 2, "id": "runs", "name": "Runs", "children": []},
        ]
        place(
            history,
            '<div class="rbg">' + history_view.page(site, links) + "</div>",
            toc,
            {"title": "History"},
        )

        index = next((n for n in ("index.md", "README.md") if n in own), None)
        if index is None and options["home_page"]:
            html = home_view.page(site, Links("index.md", directory_urls), title=opts.site_name)
            place("index.md", '<div class="rbg">' + html + "</div>", [], {"title": "Home"})
        elif index is not None:
            self._home_with_marker(index, own[index], site, Links(index, directory_urls), plan, placements)

        for name in ("runbookgen.css", "runbookgen.js"):
            text = package_files("runbookgen.web").joinpath("assets", name).read_text(encoding="utf-8")
            plan[f"{stage.ASSET_DIR}/{name}"] = text

        stage.sync(staged_docs, plan, copy=self.serve)
        generated = stage.write_config(
            self.root,
            config,
            docs_dir=staged_docs,
            site_dir=site_dir,
            runs_url=opts.runs_url,
            edit_uri=_default_edit_uri(opts.repo_url, docs_rel.strip("/")),
        )
        return Prepared(
            config_file=generated,
            site_dir=site_dir,
            placements=placements,
            rests=rests,
            badges=site.badge_files(),
            warnings=warnings,
            watch=[docs_dir, project.runs_path, self.config_file],
        )

    @staticmethod
    def _home_with_marker(
        index: str,
        path: Path,
        site: Any,
        links: Any,
        plan: stage.Plan,
        placements: dict[str, extension.Placement],
    ) -> None:
        """The user's own home page: its ``<!-- runbookgen:home -->`` line becomes the
        home page's runs and runbooks (a copy is staged; without the marker, a link)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        if HOME_MARKER not in text:
            return
        from runbookgen.web.views import home as home_view

        html = home_view.page(site, links, title=None)
        key = stage.digest(html)
        placements[key] = extension.Placement(html)
        plan[index] = text.replace(HOME_MARKER, f"\n<!-- runbookgen:place {key} -->\n", 1)

    def _history_loader(self, project: Any) -> Callable[[], Any]:
        """Start reading git history now (git runs while the run files are parsed)."""
        from runbookgen.history import cache_path, start_history

        cached = cache_path(Path(project.root)).is_file()
        pending = start_history(project, use_cache=self.serve or cached)

        def load() -> Any:
            hist = pending.result()
            if not hist.available:
                _info(f"runbookgen: run history unavailable: {hist.reason}", self.quiet)
            for message in hist.warnings:
                _warn(f"runbookgen: {message}")
            return hist

        return load

    # ------------------------------------------------------------------ after Zensical
    @staticmethod
    def finish(prepared: Prepared) -> None:
        """Splice each run page's checklist into its written page; write the badges."""
        for path, rest in prepared.rests.items():
            try:
                html = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue  # excluded by the user's exclude_docs / draft_docs
            if REST_MARKER in html:
                path.write_text(html.replace(REST_MARKER, rest, 1), encoding="utf-8")
        for rel, content in prepared.badges.items():
            out = prepared.site_dir / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(content, encoding="utf-8")


def _zensical() -> Any:
    try:
        import zensical
    except ImportError:
        raise RunbookgenError(
            "the zensical engine is not installed: pip install 'runbookgen[zensical]'"
        ) from None
    return zensical


@contextlib.contextmanager
def _generated(prepared: Prepared, on_page: Callable[[], None] | None) -> Iterator[None]:
    extension.activate(prepared.placements, on_page)
    try:
        yield
    finally:
        extension.deactivate()
        with contextlib.suppress(OSError):
            prepared.config_file.unlink()


def _run_zensical(call: Callable[[], None]) -> None:
    """Zensical's errors (click exceptions, or anything from Python-Markdown) as one line."""
    try:
        call()
    except extension.PlainBuildError as exc:
        raise RunbookgenError(str(exc)) from None
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise RunbookgenError(f"zensical: {message}".splitlines()[0]) from None


def build(
    config_file: Path,
    *,
    site_dir: Path | None = None,
    strict: bool = False,
    clean: bool = True,
    quiet: bool = False,
    progress: ProgressHook | None = None,
) -> Path:
    """Build the site with Zensical; returns the site directory.

    ``clean`` is MkDocs' meaning (no stale files): Zensical removes stale files itself
    and keeps its content-addressed cache, which stays valid because a stub changes
    whenever its page does.
    """
    zensical = _zensical()
    root = config_file.resolve().parent
    outside = site_dir is not None and not site_dir.resolve().is_relative_to(root)
    target = site_dir.resolve() if site_dir is not None else None
    zsite = ZensicalSite(
        config_file, site_dir=root / stage.STAGE_DIR / "site" if outside else target, serve=False, quiet=quiet
    )
    if zsite.plain():
        _run_zensical(lambda: zensical.build(str(config_file.resolve()), {"clean": False, "strict": strict}))
        return target or root / "site"
    zsite.progress = progress
    prepared = zsite.prepare()
    import gc

    # ~200,000 long-lived objects from reading the runs: keep the collector from walking
    # them again and again while Zensical renders (as the MkDocs plugin does).
    gc.freeze()
    if strict and prepared.warnings:
        with contextlib.suppress(OSError):
            prepared.config_file.unlink()
        raise RunbookgenError(f"aborted with {prepared.warnings} warning(s) in strict mode")
    pages = [0]

    def on_page() -> None:
        pages[0] += 1
        if progress is not None:
            progress("pages", pages[0], 0)

    with _generated(prepared, on_page):
        _run_zensical(lambda: zensical.build(str(prepared.config_file), {"clean": False, "strict": strict}))
    ZensicalSite.finish(prepared)
    if outside and target is not None:
        _move(prepared.site_dir, target)
        return target
    return prepared.site_dir


def _move(built: Path, target: Path) -> None:
    """Put a site built inside the project (Zensical's rule) where ``--site-dir`` asked."""
    if target.exists():
        if not (target / "index.html").is_file() and any(target.iterdir()):
            raise RunbookgenError(
                "not emptying it: it is not empty and holds no site (no index.html)", target
            )
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(built), str(target))


def serve(config_file: Path, *, dev_addr: str, open_in_browser: bool = False) -> None:
    """Serve with Zensical; a watcher re-renders and re-stages when content, runs or the
    configuration change (Zensical then rebuilds the stubs that changed)."""
    zensical = _zensical()
    zsite = ZensicalSite(config_file, site_dir=None, serve=True, quiet=False)
    options = {"dev_addr": dev_addr, "open": open_in_browser, "strict": False}
    if zsite.plain():
        _run_zensical(lambda: zensical.serve(str(config_file.resolve()), options))
        return
    prepared = zsite.prepare()
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(zsite, prepared, stop), daemon=True)
    with _generated(prepared, None):
        watcher.start()
        try:
            _run_zensical(lambda: zensical.serve(str(prepared.config_file), options))
        finally:
            stop.set()


def _snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for top in paths:
        if top.is_file():
            st = top.stat()
            out[str(top)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                path = Path(dirpath, name)
                with contextlib.suppress(OSError):
                    st = path.stat()
                    out[str(path)] = (st.st_mtime_ns, st.st_size)
    return out


def _watch(zsite: ZensicalSite, prepared: Prepared, stop: threading.Event, interval: float = 0.5) -> None:
    """Poll content, runs and configuration; on a change, prepare again (placements are
    added, never removed mid-serve: Zensical may still be rendering an older stub)."""
    seen = _snapshot(prepared.watch)
    while not stop.wait(interval):
        now = _snapshot(prepared.watch)
        if now == seen:
            continue
        seen = now
        started = time.monotonic()
        try:
            fresh = zsite.prepare()
        except RunbookgenError as exc:
            _warn(str(exc))
            continue
        merged = {**prepared.placements, **fresh.placements}
        prepared.placements = merged
        extension.activate(merged, None)
        ZensicalSite.finish(fresh)  # badges (the checklists are inline under serve)
        _info(f"runbookgen: pages prepared again in {time.monotonic() - started:.1f} s", False)
