"""The runbookgen pages of a Zensical build: rendered by the core, laid out as stubs.

:meth:`ZensicalSite.prepare` reads the configuration and the ``runbookgen`` plugin
options, loads every run record and the git history, lets the core render each page and
lays out the staging docs directory and configuration (``stage.py``): the user's files,
plus one stub per runbook, run, history and home page, the run pages kept out of the
navigation. ``extension.py`` places each page's HTML while Zensical renders the stubs;
``finish.py`` completes the written pages.

Run stubs are ``<run>/index.md`` (with directory URLs) so that a page's source directory
is its URL directory: Zensical rewrites relative links in HTML as relative to the source
file, which then changes nothing in the core's page-relative links. The runbook, history
and home pages are rendered with links relative to their source file for the same reason.
A run page's stub carries only its summary; the checklist is inserted after Zensical has
written the page, so search indexes what it indexes under MkDocs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

from runbookgen.engines.options import plugin_options
from runbookgen.engines.progress import ProgressHook
from runbookgen.engines.siteconfig import HOME_MARKER, project_for, site_options
from runbookgen.engines.zensical import extension, stage
from runbookgen.engines.zensical.config import (
    default_edit_uri,
    load_config,
    plugin_entry,
    resolve_env,
    setting,
)
from runbookgen.engines.zensical.log import info, warn
from runbookgen.errors import RunbookgenError
from runbookgen.text import for_terminal

#: where a run page's checklist goes once Zensical has written the page
REST_MARKER = "<!-- runbookgen:rest -->"


def stub_path(src_uri: str, directory_urls: bool) -> str:
    """Where a run's stub goes so that its source directory is its URL directory."""
    stem, _ = posixpath.splitext(src_uri)
    if not directory_urls or posixpath.basename(stem) in ("index", "README"):
        return src_uri  # the page's URL directory is its source directory already
    return f"{stem}/index.md"


def output_path(site_dir: Path, src_uri: str, directory_urls: bool) -> Path:
    from runbookgen.web.links import page_url

    url = page_url(src_uri, directory_urls)
    return site_dir / (url + "index.html" if url.endswith("/") or not url else url)


@dataclass
class Prepared:
    """A staged site: what Zensical builds from and what runbookgen adds afterwards."""

    config_file: Path
    site_dir: Path
    placements: dict[str, extension.Placement]
    rests: dict[Path, str] = field(default_factory=dict)  # run page file → its checklist part
    # page file → (its stub's path in the staging docs, what its edit link should open:
    # a path relative to docs_dir, or None for no link) — see fix_edit_links()
    edits: dict[Path, tuple[str, str | None]] = field(default_factory=dict)
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
        config = load_config(self.config_file)
        listed, raw = plugin_entry(config)
        if not listed:
            return config, None
        where = self.config_file.name
        values = {k: resolve_env(v) for k, v in raw.items()} if isinstance(raw, Mapping) else None
        options = plugin_options(values, where)
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
        docs_rel = str(setting(config, "docs_dir", "docs"))
        docs_dir = (self.root / docs_rel).resolve()
        if not docs_dir.is_dir():
            raise RunbookgenError(f"docs_dir '{docs_rel}' is not a directory", self.config_file)
        site_dir = self.site_dir_override or (self.root / str(setting(config, "site_dir", "site")))
        site_dir = site_dir.resolve()
        directory_urls = bool(setting(config, "use_directory_urls", True))
        repo_url = setting(config, "repo_url")
        project = project_for(self.config_file, docs_dir, options)
        project.check_layout()
        project.check_site_dir(site_dir)
        opts = site_options(
            options,
            project,
            site_name=str(setting(config, "site_name", "")),
            repo_url=str(repo_url) if repo_url else None,
            edit_uri=setting(config, "edit_uri"),
            directory_urls=directory_urls,
            template_dirs=self._template_dirs(config),
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
        for message in site.warnings:  # runs on branches, pull requests: shown less, not wrong
            info(f"runbookgen: {for_terminal(message)}")
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
        edits: dict[Path, tuple[str, str | None]] = {}
        for run in site.runs:
            for err in run.errors:
                warn(f"run record {run.relpath}: {err}")
                warnings += 1
            target = stub_path(run.src_uri, directory_urls)
            if run.src_uri in own or target in own:
                warn(
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
                rests[output_path(site_dir, run.src_uri, directory_urls)] = rest
            edit_target = None if run.broken and run.relpath == run.src_uri else run.relpath
            edits[output_path(site_dir, run.src_uri, directory_urls)] = (
                target,
                posixpath.relpath(edit_target, project.content_dir) if edit_target else None,
            )
            run.body = ""  # 1,000 rendered checklists add up

        history_parts = history_view.parts(site)
        for part in history_parts:
            links = Links(part.src_uri, directory_urls)
            place(
                part.src_uri,
                '<div class="rbg">' + history_view.page(site, links, part, history_parts) + "</div>",
                history_view.toc(part),
                {"title": part.title},
            )
            edits[output_path(site_dir, part.src_uri, directory_urls)] = (part.src_uri, None)

        index = next((n for n in ("index.md", "README.md") if n in own), None)
        if index is None and options["home_page"]:
            html = home_view.page(site, Links("index.md", directory_urls), title=opts.site_name)
            place("index.md", '<div class="rbg">' + html + "</div>", [], {"title": "Home"})
            edits[output_path(site_dir, "index.md", directory_urls)] = ("index.md", None)
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
            edit_uri=default_edit_uri(opts.repo_url, docs_rel.strip("/")),
            not_in_nav=[part.src_uri for part in history_parts[1:]],
        )
        return Prepared(
            config_file=generated,
            site_dir=site_dir,
            placements=placements,
            rests=rests,
            edits=edits,
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

    def _template_dirs(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        """``<custom_dir>/runbookgen`` of the theme, where a user's page templates override ours."""
        theme = setting(config, "theme", {})
        custom = theme.get("custom_dir") if isinstance(theme, Mapping) else None
        if not custom:
            return ()
        path = self.root / str(custom) / "runbookgen"
        return (str(path),) if path.is_dir() else ()

    def _history_loader(self, project: Any) -> Callable[[], Any]:
        """Start reading git history now (git runs while the run files are parsed)."""
        from runbookgen.history import cache_wanted, start_history

        pending = start_history(project, use_cache=self.serve or cache_wanted(Path(project.root)))

        def load() -> Any:
            hist = pending.result()
            if not hist.available:
                info(f"runbookgen: run history unavailable: {hist.reason}", self.quiet)
            for message in hist.warnings:
                warn(f"runbookgen: {message}")
            return hist

        return load
