"""The loaded site: runbooks, runs (newest first) and broken run files, with their pages.

:meth:`Site.load` reads the runbook templates and every run file — in worker processes
for a large build (``workers.py``), reusing unchanged runs across ``serve`` rebuilds — and
leaves one small :class:`RunEntry` per run (summary + rendered page body). The other pages
are rendered from the loaded site by ``views/``. No MkDocs import: engine adapters (the
MkDocs plugin in ``engines/mkdocs/plugin.py``) wrap these pages.

Scale: run pages are not in any navigation and the home/history pages list runs in
compact tables, so a page's size does not grow with the number of runs (except the
history table itself, which is the point of that page).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from runbookgen.errors import RunbookgenError
from runbookgen.history import History
from runbookgen.history import stats as stats_mod
from runbookgen.history.branches import InFlight, branch_history, read_in_flight
from runbookgen.history.pulls import PullRequest, load_pulls, pulls_source
from runbookgen.project import Project
from runbookgen.records.newrun import warm_parse_cache
from runbookgen.web import badges
from runbookgen.web.entries import RunbookEntry, RunEntry, SharedTocs
from runbookgen.web.links import Links, page_url
from runbookgen.web.options import SiteOptions
from runbookgen.web.runhistory import history_key
from runbookgen.web.runs import RunReader
from runbookgen.web.safehtml import plain
from runbookgen.web.templates import Templates

Progress = Callable[[int, int], None]
CacheKey = tuple[object, ...]


if TYPE_CHECKING:
    from runbookgen.web.workers import LaterDetails


class Site:
    """Everything the pages show: runbooks, runs (newest first) and broken run files."""

    def __init__(self, project: Project, options: SiteOptions, templates: Templates | None = None) -> None:
        self.project = project
        self.options = options
        self.templates = templates or Templates(options.template_dirs)
        self.runbooks: dict[str, RunbookEntry] = {}
        self.runs: list[RunEntry] = []
        self.template_errors: list[str] = []
        self.git_history: History | None = None
        self.inflight: InFlight | None = None
        self.pulls: dict[str, PullRequest] = {}
        self.warnings: list[str] = []  # not errors: what the site shows less of, and why
        self.later: LaterDetails | None = None  # renders the rest of run pages (workers.py)

    def close(self) -> None:
        """Stop the worker processes still rendering run pages (when the pages are written,
        or the build failed); the pages not taken by then are not needed."""
        if self.later is not None:
            self.later.close()
            self.later = None

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        project: Project,
        options: SiteOptions,
        on_progress: Progress | None = None,
        workers: int = 1,
        cache: dict[CacheKey, RunEntry] | None = None,
        git_history: History | Callable[[], History] | None = None,
        later: bool = False,
    ) -> Site:
        """Parse templates and every run record; a bad run file becomes a broken entry.

        Parsing is most of a large build, so with ``workers`` > 1 run files are read by
        forked worker processes (only where ``fork`` exists; results keep file order).
        ``cache`` (kept by the caller across ``serve`` rebuilds) reuses the entry of every
        run file whose size and mtime, templates, options and history are unchanged.

        ``git_history`` (a :class:`runbookgen.history.History`, loaded once per build) adds
        the timeline to run pages and durations to the statistics. Given as a function
        that loads it, it is loaded while the worker processes parse.

        ``later`` (a one-off build that writes run pages newest first, in :attr:`runs`
        order): worker processes render the rest of run pages after reading, while the
        caller writes pages (``RunEntry.take_details``); :meth:`close` stops them.
        """
        site = cls(project, options)
        for name in project.runbook_names:
            try:
                model = project.template(name)
            except RunbookgenError as exc:
                # MkDocs renders that page as plain Markdown; the build log says why.
                site.template_errors.append(str(exc))
                continue
            if model is not None:
                site.runbooks[name] = RunbookEntry(name, f"{name}.md", model)
        site.templates.compile_all()  # before any fork: the workers inherit them
        # Runs in progress on unmerged run branches replace (or join) the work tree's files;
        # the workers inherit what was read, and read a branch's run by its path.
        site.inflight = inflight = read_in_flight(project)
        site.warnings += inflight.warnings
        if not inflight.available and inflight.reason and inflight.patterns:
            site.warnings.append(f"runs on branches are not shown: {inflight.reason}")
        try:
            site.pulls = load_pulls(pulls_source(project.settings), project.root)
        except RunbookgenError as exc:
            site.warnings.append(f"pull requests are not linked: {exc}")
        reader = RunReader(project, options, site.runbooks, site.templates, inflight, site.pulls)
        files = [p for p in project.run_files() if project.rel(p) not in inflight.runs]
        files += [project.root / rel for rel in sorted(inflight.runs)]
        if inflight.runs and git_history is not None:
            main_history = git_history

            def with_branches() -> History:
                main = main_history() if callable(main_history) else main_history
                return branch_history(project, inflight, main, {b: p.number for b, p in site.pulls.items()})

            git_history = with_branches if callable(main_history) else with_branches()
        if cache is not None:
            site.git_history = git_history() if callable(git_history) else git_history
            site.runs = site._load_cached(reader, files, cache, workers, on_progress)
        elif callable(git_history):
            site.runs = site._load_runs(reader, files, workers, on_progress, git_history, later)
        else:
            site.git_history = git_history
            site.runs = site._load_runs(reader, files, workers, on_progress, later=later)
        site.runs.sort(key=lambda r: (r.date, r.release, r.relpath), reverse=True)
        if site.later is not None:
            site.later.start([r.details_key for r in site.runs if r.details_source is not None])
        for run in site.runs:
            if run.runbook in site.runbooks:
                site.runbooks[run.runbook].runs.append(run)
        return site

    def _cache_keys(self, files: list[Path]) -> list[CacheKey]:
        def stat(p: Path) -> tuple[int, int] | None:
            try:
                st = p.stat()
            except OSError:
                return None
            return (st.st_mtime_ns, st.st_size)

        templates = tuple(
            (name, stat(self.project.template_path(name))) for name in self.project.runbook_names
        )
        context = (templates, tuple(self.templates.overridden()), tuple(sorted(vars(self.options).items())))
        hist = self.git_history
        live = self.inflight.runs if self.inflight is not None else {}
        keys: list[CacheKey] = []
        for p in files:
            rel = self.project.rel(p)
            run = live.get(rel)
            # a branch's run changes with the branch (and its pull request), not the file
            where = (
                stat(p)
                if run is None
                else (run.branch.sha, run.on_main, run.diverged, self.pulls.get(run.branch.name))
            )
            keys.append((str(p), where, context, history_key(hist, rel)))
        return keys

    def _load_cached(
        self,
        reader: RunReader,
        files: list[Path],
        cache: dict[CacheKey, RunEntry],
        workers: int,
        on_progress: Progress | None = None,
    ) -> list[RunEntry]:
        keys = self._cache_keys(files)
        missing = [(k, p) for k, p in zip(keys, files, strict=True) if k not in cache]
        fresh = dict(
            zip(
                [k for k, _ in missing],
                self._load_runs(reader, [p for _, p in missing], workers, on_progress),
                strict=True,
            )
        )
        wanted = set(keys)
        for key in [k for k in cache if k not in wanted]:
            del cache[key]  # deleted or changed files
        cache.update(fresh)
        # Copies: the caller may drop a copy's rendered body once its page is written.
        return [dataclasses.replace(cache[k]) for k in keys]

    def _load_runs(
        self,
        reader: RunReader,
        files: list[Path],
        workers: int,
        on_progress: Progress | None = None,
        load_history: Callable[[], History] | None = None,
        later: bool = False,
    ) -> list[RunEntry]:
        """Entries of ``files`` in order; ``load_history`` loads :attr:`git_history` first,
        or alongside the worker processes when there are enough files to use them."""
        from runbookgen.web import workers as pool

        if load_history is not None:
            load_history = reader.with_signatures(load_history)
        elif self.git_history is not None:
            reader.warm(self.git_history)
        if workers > 1 and len(files) >= 4 * pool.CHUNK and pool.available():
            warm_parse_cache(self.project)  # (the workers inherit the kept structures)
            entries, hist = pool.load(
                files,
                workers,
                reader.read,
                reader.render_parts,
                self.project.rel,
                history=self.git_history,
                load_history=load_history,
                on_progress=on_progress,
                later=later,
            )
            self.git_history = hist
            self.later = next(
                (s for e in entries if isinstance(s := e.details_source, pool.LaterDetails)), None
            )
            return entries
        if load_history is not None:
            self.git_history = load_history()
        out = []
        tocs = SharedTocs()
        for n, path in enumerate(files, 1):
            out.append(tocs.share(reader.render(*reader.read(path), self.git_history)))
            if on_progress is not None:
                on_progress(n, len(files))
        return out

    # ------------------------------------------------------------------ queries
    @property
    def broken(self) -> list[RunEntry]:
        return [r for r in self.runs if r.broken]

    def links(self, src_uri: str) -> Links:
        return Links(page_url(src_uri, self.options.directory_urls), self.options.directory_urls)

    def run(self, relpath: str) -> RunEntry | None:
        return next((r for r in self.runs if r.relpath == relpath), None)

    def badge_src(self, links: Links, badge_path: str) -> str:
        return links.file(f"{self.options.badges_dir.strip('/')}/{badge_path}.svg")

    def runbook_badge(self, rb: RunbookEntry) -> badges.Badge:
        latest = rb.latest
        return badges.runbook_badge(latest.status if latest else None)

    def badge_files(self) -> dict[str, str]:
        """Site-relative path → content of every badge (SVG and shields endpoint JSON)."""
        out: dict[str, str] = {}
        base = self.options.badges_dir.strip("/")
        for run in self.runs:
            b = badges.run_badge(run.percent, run.state, run.status)
            out[f"{base}/{run.badge_path}.svg"] = b.svg()
            out[f"{base}/{run.badge_path}.json"] = b.endpoint_json()
        for rb in self.runbooks.values():
            b = self.runbook_badge(rb)
            out[f"{base}/{rb.name}.svg"] = b.svg()
            out[f"{base}/{rb.name}.json"] = b.endpoint_json()
        return out

    def stats(self, rb: RunbookEntry) -> stats_mod.Stats:
        """Statistics over a runbook's runs (item texts and phases from its template)."""
        labels = {i.id: plain(i.text) for i in rb.model.items()}
        return stats_mod.compute(rb.runs, stats_mod.phases_of(rb.model), labels)

    def durations(self, runs: list[RunEntry] | None = None) -> dict[str, float] | None:
        """Run relpath → minutes, first to last tick, of ``runs`` (default: all); None
        without git history (no column)."""
        if self.git_history is None or not self.git_history.available:
            return None
        return {r.relpath: r.minutes for r in (self.runs if runs is None else runs) if r.minutes is not None}


def default_workers() -> int:
    """Worker processes for reading run files: the usable CPUs, at most 4."""
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))
