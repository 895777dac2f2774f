"""The site's pages, rendered from the runbook model — with no MkDocs import.

MkDocs renders Markdown with Python-Markdown, which flattens GitHub's 2-space nested
items and breaks ordered-list steps; and MkDocs 2 drops plugins altogether. So every
page body is rendered here, from the model (GitHub's structure), as an HTML fragment a
theme can wrap. The MkDocs plugin (``runbookgen.engines.mkdocs.plugin``) is a thin adapter that
hands these fragments to mkdocs-material.

Untrusted text (anything from a run file) only reaches HTML through
:mod:`runbookgen.web.safehtml`.

Scale: a :class:`Site` keeps one small :class:`RunEntry` per run (summary + rendered
body); run pages are not in any navigation and the home/history pages list runs in
compact tables, so a page's size does not grow with the number of runs (except the
history table itself, which is the point of that page).
"""

from __future__ import annotations

import functools
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from runbookgen.errors import RunbookgenError
from runbookgen.history import stats as stats_mod
from runbookgen.model import Choice, Field, Item, Prose, Runbook, Section
from runbookgen.web import badges
from runbookgen.web.safehtml import block, inline, plain, text, title_text

esc = text

STATUS_LABELS = {
    "planned": "planned",
    "in-progress": "in progress",
    "success": "success",
    "partial": "partial",
    "rolled-back": "rolled back",
    "aborted": "aborted",
}
KIND_LABELS = {
    "tasks": ("Tasks", "work to do; counts towards progress"),
    "triggers": ("Rollback criteria", "tick only if the condition happened; a tick flags the run"),
    "conditional": ("Conditional", "only counts once the run is rolling back"),
    "sign-off": ("Sign-off", "names and dates of the people who approve"),
    "reference": ("Reference", "information, no boxes"),
}
REQUIRED_KEYS = ("runbook", "release", "date", "status")
MAX_ACTIVE_ON_HOME = 25
# Ends the part of a run page that is its summary (what search indexes); an HTML comment,
# which escaped run-file text can never produce.
SUMMARY_END = "<!-- /runbookgen:summary -->"


# ---------------------------------------------------------------------------- options and links
@dataclass
class SiteOptions:
    """What the pages need to know about the site (filled from the plugin's config)."""

    runs_url: str = "runs"  # run pages live under <site>/<runs_url>/<runbook>/<run>/
    history_page: str = "history.md"
    badges_dir: str = "badges"
    edit_base: str | None = None  # URL that repository-relative paths are appended to
    directory_urls: bool = True
    recent: int = 10  # runs listed under "recent outcomes" on the home page
    site_name: str = "Runbooks"
    repo_url: str | None = None  # a GitHub URL turns pull request numbers into links


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL MkDocs gives a Markdown page (relative to the site root)."""
    stem, _ = posixpath.splitext(src_uri)
    if posixpath.basename(stem) in ("index", "README"):
        d = posixpath.dirname(stem)
        return f"{d}/" if d else ""
    return f"{stem}/" if directory_urls else f"{stem}.html"


def root_prefix(url: str) -> str:
    """Relative path from a page at ``url`` back to the site root (``""``, ``"../"`` …)."""
    return "../" * url.count("/")


@dataclass
class Links:
    """Relative links from one page, so the site works from any sub-path or ``file://``."""

    url: str
    directory_urls: bool = True

    @property
    def root(self) -> str:
        return root_prefix(self.url)

    def page(self, src_uri: str, anchor: str = "") -> str:
        target = page_url(src_uri, self.directory_urls)
        href = self.root + target if target else (self.root or "./")
        return href + (f"#{anchor}" if anchor else "")

    def file(self, path: str) -> str:
        return self.root + path


def edit_base(repo_url: str | None, edit_uri: str | None, docs_dir: str) -> str | None:
    """The repository's "edit file" URL prefix for paths relative to the repository root.

    MkDocs' ``edit_uri`` points into ``docs_dir``; run files live beside it, so the
    trailing ``docs_dir`` segment is removed. ``None`` when there is no ``repo_url``.
    """
    if not repo_url:
        return None
    if edit_uri is None:
        if "github.com" in repo_url or "gitlab.com" in repo_url:
            edit_uri = "edit/master/docs/"
        elif "bitbucket.org" in repo_url:
            edit_uri = "src/default/docs/"
        else:
            return None
    from urllib.parse import urljoin

    base = urljoin(repo_url.rstrip("/") + "/", edit_uri).rstrip("/")
    tail = "/" + docs_dir.strip("/")
    if base.endswith(tail):
        base = base[: -len(tail)]
    return base + "/"


# ---------------------------------------------------------------------------- history extension point
@dataclass(frozen=True)
class Tick:
    """One tick of an item: who and when (plain strings, escaped on output).

    The optional fields come from git: ``iso`` (machine-readable time for ``<time>``),
    ``detail`` (email, commit and message, shown on hover), ``pr``/``pr_url`` and ``verb``
    (``ticked`` or ``skipped``).
    """

    who: str
    when: str
    iso: str = ""
    detail: str = ""
    pr: int | None = None
    pr_url: str | None = None
    commit_url: str | None = None  # not rendered (size: one per ticked item); for callers
    verb: str = "ticked"


class RunHistory(Protocol):
    """What a history source (git) can tell the run page. Optional: pages render without it."""

    def ticks(self, item_id: str) -> Sequence[Tick]: ...

    def duration(self, section_id: str) -> float | None:
        """Actual minutes spent in a section/phase, when known."""
        ...


def fmt_time(dt: datetime) -> str:
    """A commit time as the site shows it: in UTC, to the minute (one zone for everyone
    who ticked, so the timeline reads in order)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@functools.lru_cache(maxsize=4096)
def time_html(dt: datetime) -> str:
    """``<time>`` for a commit time (cached: a run's timeline repeats a few commit times)."""
    return f'<time datetime="{esc(dt.isoformat())}">{esc(fmt_time(dt))}</time>'


def fmt_minutes(minutes: float) -> str:
    """``25 min``, ``1 h 10 min`` (whole minutes: commit times are to the second, ticks not)."""
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    h, rest = divmod(m, 60)
    return f"{h} h {rest} min" if rest else f"{h} h"


def fmt_estimate(lo: int, hi: int) -> str:
    return f"{lo}–{hi} min" if lo != hi else f"{lo} min"


def github_base(repo_url: str | None) -> str | None:
    """``https://github.com/owner/repo`` when ``repo_url`` is a GitHub repository, else None
    (pull request numbers only become links where the URL scheme is known)."""
    if not repo_url:
        return None
    from urllib.parse import urlsplit

    u = urlsplit(repo_url.strip())
    parts = [p for p in u.path.split("/") if p]
    if (
        u.scheme not in ("http", "https")
        or u.hostname not in ("github.com", "www.github.com")
        or len(parts) < 2
    ):
        return None
    name = parts[1][:-4] if parts[1].endswith(".git") else parts[1]
    return f"https://github.com/{parts[0]}/{name}"


#: id prefix of a run page's commit list rows (``rbg-commit-1``…)
COMMIT_ID = "rbg-commit-"


class GitRunHistory:
    """A :class:`RunHistory` backed by git: the run's :class:`runbookgen.history.Timeline`.

    Besides ticks and durations it answers what only git knows: whether a phase ran over
    its estimate, how long a wait step really lasted, and why history is missing.
    """

    def __init__(self, tl: Any, rh: Any, github: str | None = None) -> None:
        self.timeline = tl
        self.available: bool = tl.available
        self.reason: str | None = tl.reason
        self.incomplete: bool = bool(getattr(rh, "incomplete", False))
        self.uncommitted: bool = bool(getattr(rh, "uncommitted", False))
        self.github = github
        self._sections = {s.id: s for s in tl.sections}
        self._waits = {w.item: w for w in tl.waits}
        self._html: dict[tuple[str, str], str] = {}  # one commit ticks many items: render once
        # The page's commit list: every commit that set a shown tick, oldest first, once.
        # Items link to it instead of repeating email, commit and message ~200 times.
        shown = [ev for ev in tl.items.values() if ev.kind in ("ticked", "skipped")]
        shown += [so.ticked for so in tl.signoffs if so.ticked is not None]
        self.commits: dict[str, Any] = {}
        for ev in sorted(shown, key=lambda e: (e.commit.time, e.seq)):
            self.commits.setdefault(ev.commit.sha, ev.commit)
        self._number = {sha: n for n, sha in enumerate(self.commits, 1)}

    def tick_html(self, item_id: str, skipped: bool) -> str:
        """The rendered tick of an item ("" when its state is not from a tick or skip)."""
        ev = self.timeline.items.get(item_id)
        if ev is None or ev.kind != ("skipped" if skipped else "ticked"):
            return ""
        return self.event_html(ev)

    def event_html(self, ev: Any) -> str:
        """``ticked by WHO at WHEN (#PR)``, the time linking to the commit in the page's
        commit list (which has the email, commit and message)."""
        key = (ev.commit.sha, ev.kind)
        html = self._html.get(key)
        if html is None:
            c = ev.commit
            when = time_html(ev.time)
            n = self._number.get(c.sha)
            if n is not None:
                when = f'<a class="rbg-commit" href="#{COMMIT_ID}{n}">{when}</a>'
            verb = "skipped" if ev.kind == "skipped" else "ticked"
            pr = f" (#{c.pr})" if c.pr is not None else ""
            html = self._html[key] = f'{verb} by <b class="rbg-who">{esc(c.author)}</b> at {when}{pr}'
        return html

    def tick(self, ev: Any) -> Tick:
        c = ev.commit
        detail = f"{c.author} <{c.email}>, commit {c.short}: {c.subject}"
        if c.committer != c.author:
            detail += f" (committed by {c.committer})"
        return Tick(
            c.author,
            fmt_time(ev.time),
            ev.time.isoformat(),
            detail,
            c.pr,
            f"{self.github}/pull/{c.pr}" if self.github and c.pr else None,
            None,
            "skipped" if ev.kind == "skipped" else "ticked",
        )

    def ticks(self, item_id: str) -> list[Tick]:
        ev = self.timeline.items.get(item_id)
        if ev is None or ev.kind not in ("ticked", "skipped"):
            return []
        return [self.tick(ev)]

    def duration(self, section_id: str) -> float | None:
        s = self._sections.get(section_id)
        d = s.duration if s is not None else None
        return d.total_seconds() / 60 if d is not None else None

    def over(self, section_id: str) -> bool:
        s = self._sections.get(section_id)
        return bool(s is not None and s.over)

    def wait(self, item_id: str) -> Any:
        return self._waits.get(item_id)


# ---------------------------------------------------------------------------- the site's data
@dataclass
class StageBar:
    id: str
    title: str
    done: int
    total: int
    skipped: int
    counted: bool
    depth: int

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else round(self.done * 100.0 / self.total, 1)


@dataclass
class RunEntry:
    """One run as the site needs it: a summary for lists and the rendered page body."""

    relpath: str  # relative to the repository root
    src_uri: str  # the generated page's path in the site
    runbook: str = ""
    runbook_title: str = ""
    release: str = ""
    date: str = ""
    lead: str = ""
    status: str = ""
    state: str = "broken"  # planned | in-progress | complete | triggered | broken
    done: int = 0
    total: int = 0
    skipped: int = 0
    percent: float = 0.0
    triggered: list[str] = field(default_factory=list)
    stages: list[StageBar] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    body: str = ""
    toc: list[dict[str, Any]] = field(default_factory=list)
    # for statistics across runs (stats.RunLike); durations only with git history
    skipped_ids: list[str] = field(default_factory=list)
    triggered_ids: list[str] = field(default_factory=list)
    minutes: float | None = None  # first tick → last tick
    phase_minutes: dict[str, float] = field(default_factory=dict)
    first_tick: str = ""  # ISO 8601, "" without history
    last_tick: str = ""

    @property
    def slug(self) -> str:
        return posixpath.splitext(posixpath.basename(self.src_uri))[0]

    @property
    def broken(self) -> bool:
        return bool(self.errors)

    @property
    def title(self) -> str:
        name = self.release or self.slug
        return title_text(f"{name} · {self.runbook_title or self.runbook or 'run'}")

    @property
    def badge_path(self) -> str:
        return posixpath.splitext(self.src_uri)[0]

    @property
    def finished(self) -> bool:
        from runbookgen.records.schema import is_finished

        return is_finished(self.status)


@dataclass
class RunbookEntry:
    name: str
    src_uri: str
    model: Runbook
    runs: list[RunEntry] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.model.title or self.name

    @property
    def latest(self) -> RunEntry | None:
        return self.runs[0] if self.runs else None


HistoryFor = Callable[[str], "RunHistory | None"]


def history_key(git_history: Any, relpath: str) -> tuple[Any, ...]:
    """What a run page's history depends on: a ``serve`` rebuild reuses the page while
    this is unchanged (a new commit elsewhere does not re-render every run)."""
    if git_history is None:
        return ()
    rh = git_history.for_run(relpath)
    last = rh.events[-1].commit.sha if rh.events else None
    return (rh.available, rh.reason, len(rh.events), last, rh.uncommitted, rh.incomplete)


class Site:
    """Everything the pages show: runbooks, runs (newest first) and broken run files."""

    def __init__(self, project: Any, options: SiteOptions) -> None:
        self.project = project
        self.options = options
        self.runbooks: dict[str, RunbookEntry] = {}
        self.runs: list[RunEntry] = []
        self.template_errors: list[str] = []
        self.git_history: Any = None

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        project: Any,
        options: SiteOptions,
        on_progress: Callable[[int, int], None] | None = None,
        history_for: HistoryFor | None = None,
        workers: int = 1,
        cache: dict[Any, RunEntry] | None = None,
        git_history: Any | Callable[[], Any] = None,
    ) -> Site:
        """Parse templates and every run record; a bad run file becomes a broken entry.

        Parsing is most of a large build, so with ``workers`` > 1 run files are read by
        forked worker processes (only where ``fork`` exists; results keep file order).
        ``cache`` (kept by the caller across ``serve`` rebuilds) reuses the entry of every
        run file whose size and mtime, templates and options are unchanged; it is not
        used together with ``history_for`` (history changes without the file changing).

        ``git_history`` (a :class:`runbookgen.history.History`, loaded once per build) adds
        the timeline to run pages and durations to the statistics; cached entries are
        reused only while their run's history is unchanged. Given as a function that loads
        it, it is loaded while the worker processes parse (see :mod:`runbookgen.web.workers`).
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
        files = project.run_files()
        if cache is not None and history_for is None:
            site.git_history = git_history() if callable(git_history) else git_history
            loaded = site._load_cached(files, cache, workers, on_progress)
        else:
            deferred = git_history if callable(git_history) else None
            if deferred is None:
                site.git_history = git_history
            loaded = site._load_runs(files, history_for, workers, on_progress, deferred)
        site.runs = loaded
        site.runs.sort(key=lambda r: (r.date, r.release, r.relpath), reverse=True)
        for run in site.runs:
            if run.runbook in site.runbooks:
                site.runbooks[run.runbook].runs.append(run)
        return site

    def _cache_keys(self, files: list[Path]) -> list[Any]:
        def stat(p: Path) -> tuple[int, int] | None:
            try:
                st = p.stat()
            except OSError:
                return None
            return (st.st_mtime_ns, st.st_size)

        templates = tuple(
            (name, stat(self.project.template_path(name))) for name in self.project.runbook_names
        )
        context = (templates, tuple(sorted(vars(self.options).items())))
        hist = self.git_history
        return [(str(p), stat(p), context, history_key(hist, self.project.rel(p))) for p in files]

    def _load_cached(
        self,
        files: list[Path],
        cache: dict[Any, RunEntry],
        workers: int,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[RunEntry]:
        import dataclasses

        keys = self._cache_keys(files)
        missing = [(k, p) for k, p in zip(keys, files, strict=True) if k not in cache]
        fresh = dict(
            zip(
                [k for k, _ in missing],
                self._load_runs([p for _, p in missing], None, workers, on_progress),
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
        files: list[Path],
        history_for: HistoryFor | None,
        workers: int,
        on_progress: Callable[[int, int], None] | None = None,
        history: Callable[[], Any] | None = None,
    ) -> list[RunEntry]:
        """Entries of ``files`` in order; ``history`` loads ``self.git_history`` first, or
        alongside the worker processes when there are enough files to use them."""
        from runbookgen.web import workers as pool

        if workers > 1 and len(files) >= 4 * pool.CHUNK and pool.available():
            return pool.load(self, files, workers, history_for, history, on_progress)
        if history is not None:
            self.git_history = history()
        out = []
        for n, path in enumerate(files, 1):
            out.append(self._load_run(path, history_for))
            if on_progress is not None:
                on_progress(n, len(files))
        return out

    def _src_uri(self, path: Path) -> str:
        runs_root = self.project.runs_path
        try:
            rel = path.relative_to(runs_root).as_posix()
        except ValueError:
            rel = path.name
        return f"{self.options.runs_url.strip('/')}/{rel}"

    def _load_run(self, path: Path, history_for: HistoryFor | None) -> RunEntry:
        entry, record = self._read_run(path)
        return self._render_run(entry, record, history_for)

    def _read_run(self, path: Path) -> tuple[RunEntry, Any]:
        """Parse a run file into its entry (all but the page body) and its record; a file
        that cannot be read gives a broken entry with its error page and no record."""
        from runbookgen.records.progress import compute
        from runbookgen.records.record import load_run
        from runbookgen.records.schema import STATUSES

        entry = RunEntry(relpath=self.project.rel(path), src_uri=self._src_uri(path))
        try:
            self.project.inside(path, "run record")
        except RunbookgenError:
            entry.relpath = entry.src_uri
            entry.errors.append("refused: the file is a symlink to a place outside the repository")
            entry.body = self._broken_body(entry)
            return entry, None
        try:
            record = load_run(path, self.project)
        except RunbookgenError as exc:
            entry.errors.append(str(exc))
            entry.body = self._broken_body(entry)
            return entry, None
        fm = record.front_matter
        entry.runbook, entry.release, entry.date = record.runbook, record.release, record.date
        entry.lead, entry.status = record.lead, record.status
        for key in REQUIRED_KEYS:
            if fm.get(key) in (None, ""):
                line = record.key_line(key)
                entry.errors.append(f"{record.relpath}:{line or 1}: front matter lacks '{key}'")
        if entry.status and entry.status not in STATUSES:
            entry.errors.append(
                f"{record.relpath}:{record.key_line('status') or 1}: status "
                f"'{entry.status}' is not one of {', '.join(STATUSES)}"
            )
        if entry.runbook and entry.runbook not in self.runbooks:
            entry.errors.append(
                f"{record.relpath}:{record.key_line('runbook') or 1}: no runbook "
                f"template '{entry.runbook}' under {self.project.content_dir}/"
            )
        tpl = self.runbooks.get(entry.runbook)
        entry.runbook_title = tpl.title if tpl else record.model.title
        prog = compute(record.model, entry.status)
        entry.state = "broken" if entry.errors else prog.state
        entry.done, entry.total, entry.skipped = prog.done, prog.total, prog.skipped
        entry.percent = prog.percent
        entry.triggered = [plain(i.text) for i in prog.triggered]
        entry.stages = [
            StageBar(
                sp.section.id,
                plain(sp.section.title),
                sp.tree.done,
                sp.tree.total,
                sp.tree.skipped,
                sp.counted,
                sp.depth,
            )
            for sp in prog.sections()
        ]
        entry.skipped_ids = [i.id for i in record.model.items() if i.skipped]
        entry.triggered_ids = [i.id for i in prog.triggered]
        return entry, record

    def _render_run(self, entry: RunEntry, record: Any, history_for: HistoryFor | None) -> RunEntry:
        """Add what needs history (durations) and the page body to a parsed run's entry."""
        if record is None:  # broken: its body is the error page already
            return entry
        history = history_for(entry.relpath) if history_for is not None else None
        if history is None and self.git_history is not None:
            history = self._git_run_history(entry, record)
        entry.body = self._run_body(entry, record.model, history)
        entry.toc = toc_tokens(record.model)
        return entry

    def _git_run_history(self, entry: RunEntry, record: Any) -> GitRunHistory:
        from runbookgen.history import RunHistory as GitHistoryOfRun
        from runbookgen.history import timeline

        rh = self.git_history.for_run(entry.relpath)
        if not rh.available and getattr(self.git_history, "shallow", False):
            # a shallow clone may hold none of a run's commits: say so, not "never committed"
            rh = GitHistoryOfRun(
                rh.path,
                False,
                "the site was built from a shallow clone that holds none of this run's commits",
                incomplete=True,
            )
        tl = timeline(record, rh)
        gh = GitRunHistory(tl, rh, github_base(self.options.repo_url))
        if tl.start is not None and tl.end is not None:
            entry.first_tick, entry.last_tick = tl.start.isoformat(), tl.end.isoformat()
            entry.minutes = (tl.end - tl.start).total_seconds() / 60
        for sec in tl.sections:
            d = sec.duration
            if sec.estimate is not None and d is not None:
                entry.phase_minutes[sec.id] = d.total_seconds() / 60
        return gh

    # ------------------------------------------------------------------ queries
    @property
    def broken(self) -> list[RunEntry]:
        return [r for r in self.runs if r.broken]

    def links(self, src_uri: str) -> Links:
        return Links(page_url(src_uri, self.options.directory_urls), self.options.directory_urls)

    def edit_url(self, relpath: str) -> str | None:
        return self.options.edit_base + relpath if self.options.edit_base else None

    def run_badge(self, run: RunEntry) -> badges.Badge:
        return badges.run_badge(run.percent, run.state, run.status)

    def runbook_badge(self, rb: RunbookEntry) -> badges.Badge:
        latest = rb.latest
        return badges.runbook_badge(latest.status if latest else None)

    def badge_files(self) -> dict[str, str]:
        """Site-relative path → content of every badge (SVG and shields endpoint JSON)."""
        out: dict[str, str] = {}
        base = self.options.badges_dir.strip("/")
        for run in self.runs:
            b = self.run_badge(run)
            out[f"{base}/{run.badge_path}.svg"] = b.svg()
            out[f"{base}/{run.badge_path}.json"] = b.endpoint_json()
        for rb in self.runbooks.values():
            b = self.runbook_badge(rb)
            out[f"{base}/{rb.name}.svg"] = b.svg()
            out[f"{base}/{rb.name}.json"] = b.endpoint_json()
        return out

    # ------------------------------------------------------------------ run page
    def _badge_img(self, links: Links, badge_path: str, alt: str) -> str:
        src = links.file(f"{self.options.badges_dir.strip('/')}/{badge_path}.svg")
        return f'<img class="rbg-badge" src="{esc(src)}" alt="{esc(alt)}">'

    def _broken_body(self, entry: RunEntry) -> str:
        links = self.links(entry.src_uri)
        out = [
            f'<h1>{esc(entry.slug)} <span class="rbg-chip" data-state="broken">broken</span></h1>',
            '<div class="admonition failure rbg-broken"><p class="admonition-title">'
            "This run record could not be read</p>",
        ]
        out += [f"<p><code>{esc(e)}</code></p>" for e in entry.errors]
        out.append(
            f"<p>File: <code>{esc(entry.relpath)}</code>. Fix the file "
            "(<code>runbookgen check</code> explains) and rebuild.</p></div>"
        )
        out.append(self._edit_link(entry.relpath))
        out.append(f'<p><a href="{esc(links.page(self.options.history_page))}">All runs</a></p>')
        return "\n".join(out)

    def _edit_link(self, relpath: str) -> str:
        url = self.edit_url(relpath)
        if url:
            return (
                f'<p class="rbg-edit"><a class="md-button" href="{esc(url)}">Edit the run file'
                f"</a> <code>{esc(relpath)}</code></p>"
            )
        return f'<p class="rbg-edit">Run file: <code>{esc(relpath)}</code></p>'

    def _run_body(self, entry: RunEntry, model: Runbook, history: RunHistory | None) -> str:
        links = self.links(entry.src_uri)
        rb = self.runbooks.get(entry.runbook)
        out: list[str] = []
        out.append(f"<h1>{esc(entry.release or entry.slug)} <small>{esc(entry.runbook_title)}</small></h1>")
        badge = self.run_badge(entry)
        img = self._badge_img(links, entry.badge_path, f"{badge.label}: {badge.message}")
        out.append(f'<p class="rbg-badges">{img} {status_chip(entry.status, entry.state)}</p>')
        if entry.errors:
            out.append(
                '<div class="admonition failure rbg-broken"><p class="admonition-title">'
                "This run record has problems</p>"
                + "".join(f"<p><code>{esc(e)}</code></p>" for e in entry.errors)
                + "</div>"
            )
        if entry.triggered:
            items = "".join(f"<li>{esc(t)}</li>" for t in entry.triggered)
            out.append(
                '<div class="admonition danger rbg-rollback" role="alert">'
                '<p class="admonition-title">Rollback criterion ticked — roll back</p>'
                f"<ul>{items}</ul><p>The Rollback Procedure now counts towards progress.</p></div>"
            )
        # The compact summary: the only part of a run page that goes into the search index.
        runbook_link = (
            f'<a href="{esc(links.page(rb.src_uri))}">{esc(rb.title)}</a>' if rb else esc(entry.runbook)
        )
        # (Whitespace between the cells keeps words apart in the search index.)
        out.append(
            '<dl class="rbg-summary">\n'
            f"<dt>Release</dt> <dd>{esc(entry.release)}</dd>\n"
            f"<dt>Runbook</dt> <dd>{runbook_link} ({esc(entry.runbook)})</dd>\n"
            f"<dt>Date</dt> <dd>{esc(entry.date)}</dd>\n"
            f"<dt>Lead</dt> <dd>{esc(entry.lead)}</dd>\n"
            f"<dt>Status</dt> <dd>{esc(entry.status)}</dd>\n"
            f"<dt>Progress</dt> <dd>{entry.done} of {entry.total} done"
            f"{f', {entry.skipped} skipped' if entry.skipped else ''} ({entry.percent:.0f}%)</dd>\n"
            "</dl>"
        )
        out.append(self._edit_link(entry.relpath))
        out.append(SUMMARY_END)
        # Material's search parser matches excluded elements by tag name only, so an
        # excluded <div> is re-included at the first nested </div> (and can crash the
        # build). Excluded wrappers therefore use tags that never occur inside them.
        out.append(
            '<aside class="rbg-stagebars" data-search-exclude>'
            '<h2 id="progress" data-search-exclude>Progress</h2>'
        )
        out.append(
            progress_bar(entry.percent, "Overall", f"{entry.done}/{entry.total}", entry.state, main=True)
        )
        for bar in entry.stages:
            if bar.depth > 1 or (bar.total == 0 and bar.skipped == 0):  # no boxes: no bar
                continue
            label = f"{bar.done}/{bar.total}" if bar.counted else "not counted"
            out.append(
                progress_bar(
                    bar.percent,
                    bar.title,
                    label,
                    "stage" if bar.counted else "off",
                    depth=bar.depth,
                    anchor=anchor_id(bar.id),
                )
            )
        out.append("</aside>")
        if isinstance(history, GitRunHistory):
            out.append(timeline_html(history))
        out.append('<article class="rbg-checklist" data-search-exclude>')
        out.append(render_checklist(model, run=True, exclude_headings=True, history=history))
        out.append("</article>")
        out.append(
            f'<p class="rbg-back"><a href="{esc(links.page(self.options.history_page))}">All runs</a></p>'
        )
        return "\n".join(out)

    # ------------------------------------------------------------------ runbook page
    def runbook_page(self, name: str, links: Links | None = None) -> str:
        rb = self.runbooks[name]
        links = links or self.links(rb.src_uri)
        model = rb.model
        out = [f"<h1>{inline(model.title)}</h1>"]
        badge = self.runbook_badge(rb)
        img = self._badge_img(links, rb.name, f"{badge.label}: {badge.message}")
        out.append(f'<p class="rbg-badges">{img}</p>')
        if model.description:
            out.append(block(model.description))
        meta = {k: v for k, v in model.metadata.items() if isinstance(v, (str, int, float))}
        if meta:
            out.append(
                '<dl class="rbg-summary">'
                + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta.items())
                + "</dl>"
            )
        out.append(self._runbook_stats(rb, links))
        out.append('<h2 id="stages">Stages</h2>')
        out.append(stage_table(model))
        out.append(render_checklist(model, run=False))
        return "\n".join(out)

    def _runbook_stats(self, rb: RunbookEntry, links: Links) -> str:
        out = [
            '<div class="admonition tip rbg-start"><p class="admonition-title">Start a run</p>'
            f"<pre><code>runbookgen new-run {esc(rb.name)} --release vX.Y.Z</code></pre>"
            "<p>This writes <code>runs/" + esc(rb.name) + "/&lt;date&gt;-&lt;release&gt;.md</code> "
            "on its own branch; tick boxes in pull requests.</p></div>"
        ]
        runs = rb.runs
        if not runs:
            out.append("<p>No runs of this runbook yet.</p>")
            return "\n".join(out)
        outcomes = Counter(r.status or "unknown" for r in runs)
        finished = [r for r in runs if r.finished]
        avg = sum(r.percent for r in runs) / len(runs)
        st = self.stats(rb)
        out.append('<h2 id="runs">Runs</h2>')
        out.append(
            '<dl class="rbg-summary">'
            f"<dt>Runs</dt><dd>{len(runs)}</dd>"
            f"<dt>Finished</dt><dd>{len(finished)}</dd>"
            "<dt>Outcomes</dt><dd>"
            + ", ".join(f"{esc(STATUS_LABELS.get(k, k))}: {v}" for k, v in sorted(outcomes.items()))
            + "</dd>"
            f"<dt>Success rate</dt><dd>{success_text(st)}</dd>"
            f"<dt>Median duration</dt><dd>{median_text(st)}</dd>"
            f"<dt>Last exercised</dt><dd>{self._last_exercised(st, links)}</dd>"
            f"<dt>Average progress</dt><dd>{avg:.0f}%</dd></dl>"
        )
        out.append(stats_html(st, runs))
        out.append('<h2 id="recent-runs">Recent runs</h2>')
        out.append(
            run_table(runs[: self.options.recent], links, show_runbook=False, durations=self.durations())
        )
        if len(runs) > self.options.recent:
            out.append(
                f'<p><a href="{esc(links.page(self.options.history_page))}">All {len(runs)} runs</a></p>'
            )
        return "\n".join(out)

    def stats(self, rb: RunbookEntry) -> stats_mod.Stats:
        """Statistics over a runbook's runs (item texts and phases from its template)."""
        labels = {i.id: plain(i.text) for i in rb.model.items()}
        return stats_mod.compute(rb.runs, stats_mod.phases_of(rb.model), labels)

    def durations(self) -> dict[str, float] | None:
        """Run relpath → minutes, first to last tick; None without git history (no column)."""
        if self.git_history is None or not getattr(self.git_history, "available", False):
            return None
        return {r.relpath: r.minutes for r in self.runs if r.minutes is not None}

    def _last_exercised(self, st: stats_mod.Stats, links: Links) -> str:
        if st.last_relpath is None:
            return "never"
        run = next((r for r in self.runs if r.relpath == st.last_relpath), None)
        name = esc(st.last_release or st.last_date or "")
        if run is not None:
            name = f'<a href="{esc(links.page(run.src_uri))}">{name}</a>'
        tick = ""
        if st.last_tick:
            tick = (
                f', last tick <time datetime="{esc(st.last_tick)}">'
                f"{esc(fmt_time(datetime.fromisoformat(st.last_tick)))}</time>"
            )
        return f"{esc(st.last_date or '')} ({name}{tick})"

    # ------------------------------------------------------------------ home page
    def home_page(self, links: Links, title: str | None = None) -> str:
        out = [f"<h1>{esc(title or self.options.site_name)}</h1>"]
        out.append('<h2 id="runbooks">Runbooks</h2>')
        if self.runbooks:
            rows = []
            for rb in self.runbooks.values():
                tasks = sum(1 for _ in rb.model.items())
                badge = self.runbook_badge(rb)
                rows.append(
                    f'<tr><td><a href="{esc(links.page(rb.src_uri))}">{esc(plain(rb.title))}</a></td>'
                    f"<td>{esc(rb.model.version or '')}</td><td>{len(rb.model.stages)}</td>"
                    f"<td>{tasks}</td><td>{len(rb.runs)}</td>"
                    f"<td>{self._badge_img(links, rb.name, f'{badge.label}: {badge.message}')}</td></tr>"
                )
            out.append(
                '<table class="rbg-table"><thead><tr><th>Runbook</th><th>Version</th>'
                "<th>Stages</th><th>Tasks</th><th>Runs</th><th>Last run</th></tr></thead><tbody>"
                + "".join(rows)
                + "</tbody></table>"
            )
        else:
            out.append(
                "<p>No runbooks yet: add a Markdown checklist under <code>"
                f"{esc(self.project.content_dir)}/</code>.</p>"
            )
        active = [r for r in self.runs if not r.finished and not r.broken]
        out.append('<h2 id="in-progress">Runs in progress</h2>')
        if active:
            # Capped, so the home page does not grow with years of abandoned "planned" runs.
            shown = active[:MAX_ACTIVE_ON_HOME]
            out.append(run_table(shown, links))
            if len(active) > len(shown):
                out.append(
                    f"<p>and {len(active) - len(shown)} more on the "
                    f'<a href="{esc(links.page(self.options.history_page))}">history page</a>.</p>'
                )
        elif not self.runs:
            name = next(iter(self.runbooks), "RUNBOOK")
            out.append(
                '<div class="admonition tip"><p class="admonition-title">No runs yet</p>'
                "<p>Start the first one:</p>"
                f"<pre><code>runbookgen new-run {esc(name)} --release v1.0.0</code></pre>"
                "<p>then tick boxes in pull requests; this page shows its progress.</p></div>"
            )
        else:
            out.append("<p>None right now.</p>")
        finished = [r for r in self.runs if r.finished and not r.broken][: self.options.recent]
        out.append('<h2 id="recent-outcomes">Recent outcomes</h2>')
        out.append(run_table(finished, links) if finished else "<p>No finished runs yet.</p>")
        if self.broken:
            out.append('<h2 id="broken-runs">Broken run files</h2>')
            out.append(
                "<ul>"
                + "".join(
                    f'<li><a href="{esc(links.page(r.src_uri))}">{esc(r.relpath)}</a>: '
                    f"{esc(r.errors[0])}</li>"
                    for r in self.broken
                )
                + "</ul>"
            )
        count = len(self.runs)
        label = "History of the one run" if count == 1 else f"History of all {count} runs"
        out.append(f'<p><a href="{esc(links.page(self.options.history_page))}">{label}</a></p>')
        return "\n".join(out)

    # ------------------------------------------------------------------ history page
    def history_page(self, links: Links, durations: Mapping[str, float] | None = None) -> str:
        """Every run, newest first, in a sortable table, with outcomes per month as a chart.

        ``durations`` (run relpath → minutes) is the history extension point; without it
        the duration column is left out.
        """
        out = [
            "<h1>History</h1>",
            f"<p>{len(self.runs)} runs of {len(self.runbooks)} runbook(s). "
            "Click a column heading to sort.</p>",
        ]
        if durations is None:
            durations = self.durations()
        if self.runs:
            out.append('<h2 id="outcomes">Outcomes over time</h2>')
            out.append(outcome_chart(self.runs))
            out.append(self._runbook_summary(links))
            out.append('<h2 id="runs">Runs</h2>')
            out.append(run_table(self.runs, links, durations=durations, sortable=True))
        else:
            out.append("<p>No runs yet.</p>")
        return "\n".join(out)

    def _runbook_summary(self, links: Links) -> str:
        """Per runbook: runs, success rate, median duration, last exercised; then each
        runbook's phase durations against estimates and its most skipped/triggered items."""
        rows, details = [], []
        for rb in self.runbooks.values():
            st = self.stats(rb)
            rows.append(
                f'<tr><td><a href="{esc(links.page(rb.src_uri))}">{esc(plain(rb.title))}</a></td>'
                f"<td>{st.runs}</td><td>{success_text(st)}</td><td>{median_text(st)}</td>"
                f"<td>{self._last_exercised(st, links)}</td></tr>"
            )
            if st.runs:
                details.append(
                    f'<h3 id="stats-{esc(rb.name)}">{esc(plain(rb.title))}</h3>'
                    + stats_html(st, rb.runs, chart=False, level=4)
                )
        return (
            '<h2 id="statistics">Statistics by runbook</h2>'
            '<table class="rbg-table rbg-runbook-stats"><thead><tr><th scope="col">Runbook</th>'
            '<th scope="col">Runs</th><th scope="col">Success rate</th>'
            '<th scope="col">Median duration</th><th scope="col">Last exercised</th></tr></thead>'
            "<tbody>" + "".join(rows) + "</tbody></table>" + "".join(details)
        )


def default_workers() -> int:
    """Worker processes for reading run files: the usable CPUs, at most 4."""
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


# ---------------------------------------------------------------------------- small pieces
def anchor_id(section_id: str) -> str:
    return "s-" + section_id.replace("/", "--")


def status_chip(status: str, state: str) -> str:
    label = STATUS_LABELS.get(status, status) or "no status"
    return f'<span class="rbg-chip" data-state="{esc(state)}" data-status="{esc(status)}">{esc(label)}</span>'


def progress_bar(
    percent: float,
    label: str,
    detail: str,
    state: str,
    *,
    main: bool = False,
    depth: int = 0,
    anchor: str | None = None,
) -> str:
    """An accessible bar: ``role=progressbar`` with ``aria-valuenow`` (what tests read)."""
    pct = max(0.0, min(100.0, percent))
    name = f'<a href="#{esc(anchor)}">{esc(label)}</a>' if anchor else esc(label)
    cls = "rbg-bar rbg-bar-main" if main else f"rbg-bar rbg-depth-{depth}"
    return (
        f'<div class="{cls}" data-state="{esc(state)}"><span class="rbg-bar-label">{name}</span>'
        f'<div class="rbg-bar-track" role="progressbar" aria-label="{esc(label)}" '
        f'aria-valuemin="0" aria-valuemax="100" aria-valuenow="{pct:.0f}">'
        f'<div class="rbg-bar-fill" style="width:{pct:.1f}%"></div></div>'
        f'<span class="rbg-bar-value">{esc(detail)} · {pct:.0f}%</span></div>'
    )


def run_table(
    runs: Sequence[RunEntry],
    links: Links,
    *,
    show_runbook: bool = True,
    durations: Mapping[str, float] | None = None,
    sortable: bool = False,
) -> str:
    heads = ["Date", "Release", *(["Runbook"] if show_runbook else []), "Status", "Progress", "Lead"]
    if durations is not None:
        heads.append("Duration")
    cls = "rbg-table rbg-runs" + (" rbg-sortable" if sortable else "")
    th = "".join(f'<th scope="col">{h}</th>' for h in heads)
    rows = []
    for r in runs:
        href = esc(links.page(r.src_uri))
        cells = [
            f'<td data-sort="{esc(r.date)}">{esc(r.date)}</td>',
            f'<td><a href="{href}">{esc(r.release or r.slug)}</a></td>',
        ]
        if show_runbook:
            cells.append(f"<td>{esc(r.runbook)}</td>")
        cells.append(f'<td data-sort="{esc(r.status)}">{status_chip(r.status, r.state)}</td>')
        cells.append(
            f'<td data-sort="{r.percent:06.1f}"><span class="rbg-mini" data-state="{esc(r.state)}">'
            f'<span style="width:{r.percent:.0f}%"></span></span> {r.done}/{r.total}</td>'
        )
        cells.append(f"<td>{esc(r.lead)}</td>")
        if durations is not None:
            minutes = durations.get(r.relpath)
            cells.append(
                f'<td data-sort="{minutes or 0:08.1f}">{"" if minutes is None else f"{minutes:.0f} min"}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>' + "".join(rows) + "</tbody></table>"


CHART_STATES = ("success", "partial", "rolled-back", "aborted", "in-progress", "planned", "broken")


def outcome_chart(runs: Iterable[RunEntry], months: int = 24) -> str:
    """Runs per month stacked by outcome, as inline SVG (no script, no external library)."""
    per: dict[str, Counter[str]] = {}
    for r in runs:
        month = r.date[:7] if len(r.date) >= 7 else "unknown"
        key = "broken" if r.broken else (r.status if r.status in CHART_STATES else "planned")
        per.setdefault(month, Counter())[key] += 1
    keys = sorted(per)[-months:]
    if not keys:
        return ""
    peak = max(sum(per[k].values()) for k in keys) or 1
    bar_w, gap, height = 28, 8, 160
    width = len(keys) * (bar_w + gap) + gap
    parts = [
        f'<svg class="rbg-chart" role="img" viewBox="0 0 {width} {height + 40}" '
        f'width="{width}" height="{height + 40}" aria-label="Runs per month by outcome">'
    ]
    for n, month in enumerate(keys):
        x = gap + n * (bar_w + gap)
        y = float(height)
        for state in CHART_STATES:
            count = per[month][state]
            if not count:
                continue
            h = count * height / peak
            y -= h
            parts.append(
                f'<rect class="rbg-c-{state}" x="{x}" y="{y:.1f}" width="{bar_w}" '
                f'height="{h:.1f}"><title>{esc(month)}: {count} {state}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{height + 14}" text-anchor="middle" '
            f'font-size="9">{esc(month[2:])}</text>'
        )
    parts.append("</svg>")
    legend = "".join(f'<span class="rbg-legend rbg-c-{s}">{s}</span>' for s in CHART_STATES)
    return '<figure class="rbg-figure">' + "".join(parts) + f"<figcaption>{legend}</figcaption></figure>"


def success_text(st: stats_mod.Stats) -> str:
    if st.success_rate is None:
        return "no finished runs"
    return f"{st.success_rate * 100:.0f}% ({st.outcomes.get('success', 0)} of {st.finished} finished)"


def median_text(st: stats_mod.Stats) -> str:
    if st.median_minutes is None:
        return "unknown (no finished run with history)"
    n = st.timed_runs
    return f"{fmt_minutes(st.median_minutes)} (median of {n} finished run{'s' if n != 1 else ''})"


def stats_html(st: stats_mod.Stats, runs: Sequence[RunEntry], *, chart: bool = True, level: int = 3) -> str:
    """Charts and lists of a runbook's statistics: outcomes per month, phase durations
    against estimates (HTML bars), most skipped items and most triggered criteria."""
    h = f"h{level}"
    out = []
    if chart:
        out.append(f'<{h} id="outcomes">Outcomes over time</{h}>')
        out.append(outcome_chart(runs))
    timed = [p for p in st.phases if p.median is not None]
    if st.phases:
        out.append(f"<{h}>Phase durations against estimates</{h}>")
    if st.phases and not timed:
        out.append(
            "<p>No durations yet: they come from git history (first to last tick of "
            "each phase in finished runs).</p>"
        )
    elif timed:
        scale = max(max(p.phase.max, p.median or 0) for p in st.phases) * 1.1 or 1
        rows = []
        for p in st.phases:
            est = fmt_estimate(p.phase.min, p.phase.max)
            if p.median is None:
                rows.append(
                    f"<tr><td>{inline(p.phase.title)}</td><td>{est}</td><td>—</td><td></td><td></td></tr>"
                )
                continue
            flag = ' <span class="rbg-tag rbg-tag-over">over</span>' if p.median_over else ""
            lo, hi, med = (
                100 * p.phase.min / scale,
                100 * p.phase.max / scale,
                100 * min(p.median, scale) / scale,
            )
            over_cls = " rbg-over" if p.median_over else ""
            bar = (
                f'<span class="rbg-range" role="img" aria-label="estimate {est}, median '
                f'{fmt_minutes(p.median)}"><span class="rbg-range-est" style="left:{lo:.1f}%;'
                f'width:{max(hi - lo, 0.5):.1f}%"></span><span class="rbg-range-med{over_cls}" '
                f'style="width:{med:.1f}%"></span></span>'
            )
            rows.append(
                f'<tr data-phase="{esc(p.phase.id)}"{" data-over" if p.median_over else ""}>'
                f"<td>{inline(p.phase.title)}</td><td>{est}</td>"
                f"<td>{fmt_minutes(p.median)}{flag}</td><td>{p.over} of {p.runs}</td>"
                f"<td>{bar}</td></tr>"
            )
        out.append(
            '<table class="rbg-table rbg-phase-stats"><thead><tr><th scope="col">Phase</th>'
            '<th scope="col">Estimate</th><th scope="col">Median</th>'
            '<th scope="col">Runs over</th><th scope="col">Median against estimate</th>'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    for title, items, none in (
        ("Most often skipped", st.skipped, "Nothing skipped so far."),
        ("Rollback criteria most often triggered", st.triggered, "No rollback criterion triggered so far."),
    ):
        out.append(f"<{h}>{title}</{h}>")
        if items:
            out.append(
                '<ol class="rbg-ranked">'
                + "".join(
                    f'<li><span class="rbg-text">{esc(c.text)}</span> — {c.count} of {st.runs} runs</li>'
                    for c in items
                )
                + "</ol>"
            )
        else:
            out.append(f"<p>{none}</p>")
    return "\n".join(out)


def stage_table(model: Runbook) -> str:
    """Stages with kind, estimate and item counts (the runbook page's overview)."""
    rows = []
    for stage in model.stages:
        n = sum(1 for _ in stage.all_items())
        lo = sum(s.estimate.min for s in stage.walk() if s.estimate)
        hi = sum(s.estimate.max for s in stage.walk() if s.estimate)
        est = f"{lo}–{hi} min" if hi else ""
        kinds = sorted({s.kind for s in stage.walk()})
        rows.append(
            f'<tr><td><a href="#{anchor_id(stage.id)}">{inline(stage.title)}</a></td>'
            f"<td>{' '.join(kind_chip(k) for k in kinds)}</td><td>{n}</td><td>{est}</td></tr>"
        )
    return (
        '<table class="rbg-table"><thead><tr><th>Stage</th><th>Kind</th><th>Items</th>'
        "<th>Estimate</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def kind_chip(kind: str) -> str:
    label, why = KIND_LABELS.get(kind, (kind, ""))
    return f'<span class="rbg-kind" data-kind="{esc(kind)}" title="{esc(why)}">{esc(label)}</span>'


def toc_tokens(model: Runbook) -> list[dict[str, Any]]:
    """Table-of-contents entries (Python-Markdown's ``toc_tokens`` shape) for stages and sections.

    Names are plain text without markup characters: themes insert them unescaped.
    """

    def tok(sec: Section) -> dict[str, Any]:
        return {
            "level": min(sec.level, 6),
            "id": anchor_id(sec.id),
            "name": title_text(plain(sec.title)),
            "children": [tok(s) for s in sec.sections if not s.step],
        }

    return [tok(s) for s in model.stages]


# ---------------------------------------------------------------------------- the checklist
def render_checklist(
    model: Runbook, *, run: bool, exclude_headings: bool = False, history: RunHistory | None = None
) -> str:
    """The checklist with GitHub's structure: nested items nest, ordered steps hold their tasks.

    ``run`` marks items done/open/skipped/triggered; a template (``run=False``) shows
    empty boxes. ``exclude_headings`` keeps run pages' headings out of the search index.
    """
    r = _Checklist(run, exclude_headings, history)
    for stage in model.stages:
        r.section(stage)
    return "".join(r.out)


class _Checklist:
    def __init__(self, run: bool, exclude: bool, history: RunHistory | None) -> None:
        self.run = run
        self.exclude = " data-search-exclude" if exclude else ""
        self.history = history
        self.out: list[str] = []

    def section(self, sec: Section) -> None:
        out = self.out
        level = min(sec.level, 6)
        kind = sec.kind
        aid = anchor_id(sec.id)
        out.append(f'<section class="rbg-section" data-kind="{esc(kind)}">')
        if not sec.step:
            chip = kind_chip(kind) if kind != "tasks" else ""
            out.append(f'<h{level} id="{aid}"{self.exclude}>{inline(sec.title)} {chip}</h{level}>')
        self.meta(sec)
        lines = {f.line for f in sec.fields} | {c.line for c in sec.choices}
        for p in sec.prose:
            if lines and _prose_covers(p, lines):
                continue
            out.append(f'<div class="rbg-prose">{block(p.text)}</div>')
        if sec.fields or sec.choices:
            self.fields_block(sec.fields, sec.choices)
        if sec.items:
            self.items(sec.items, kind)
        steps: list[Section] = []
        for sub in sec.sections:
            if sub.step:
                steps.append(sub)
                continue
            self.steps(steps)
            steps = []
            self.section(sub)
        self.steps(steps)
        out.append("</section>")

    def meta(self, sec: Section) -> None:
        bits = []
        if sec.estimate:
            bits.append(
                f"Estimate: {sec.estimate.min}–{sec.estimate.max} min"
                if sec.estimate.max != sec.estimate.min
                else f"Estimate: {sec.estimate.min} min"
            )
            if self.history is not None:
                actual = self.history.duration(sec.id)
                if actual is not None:
                    over = getattr(self.history, "over", None)
                    if over is not None and over(sec.id):
                        bits.append(
                            f'<span class="rbg-over">actual: {actual:.0f} min, over the estimate</span>'
                        )
                    else:
                        bits.append(f"actual: {actual:.0f} min")
        if sec.timing:
            bits.append(f"When: {esc(sec.timing)}")
        if bits:
            self.out.append(f'<p class="rbg-meta">{" · ".join(bits)}</p>')

    def steps(self, steps: list[Section]) -> None:
        if not steps:
            return
        self.out.append('<ol class="rbg-steps">')
        for step in steps:
            self.out.append(
                f'<li class="rbg-step" id="{anchor_id(step.id)}">'
                f'<p class="rbg-step-title"><strong>{inline(step.title)}</strong></p>'
            )
            self.meta(step)
            for p in step.prose:
                self.out.append(f'<div class="rbg-prose">{block(p.text)}</div>')
            if step.items:
                self.items(step.items, step.kind)
            for sub in step.sections:
                self.section(sub)
            self.out.append("</li>")
        self.out.append("</ol>")

    def items(self, items: list[Item], kind: str) -> None:
        out = self.out
        out.append('<ul class="task-list rbg-tasks">')
        for item in items:
            state = self.state(item, kind)
            checked = " checked" if item.checked else ""
            out.append(
                f'<li class="task-list-item rbg-item" data-state="{state}" '
                f'id="i-{esc(item.id.replace("/", "--"))}">'
                f'<label class="task-list-control"><input type="checkbox" disabled{checked}>'
                f'<span class="task-list-indicator"></span></label> '
            )
            if item.fields:
                out.append(self.item_fields(item))
            else:
                out.append(f'<span class="rbg-text">{inline(item.text)}</span>')
            if item.optional and not item.skipped:
                out.append(' <span class="rbg-tag">optional</span>')
            if item.skipped:
                reason = f": {inline(item.skip_reason)}" if item.skip_reason else ""
                out.append(f' <span class="rbg-tag rbg-tag-skipped">n/a{reason}</span>')
            if state == "triggered":
                out.append(' <span class="rbg-tag rbg-tag-triggered">happened</span>')
            if self.history is not None:
                if isinstance(self.history, GitRunHistory):
                    html = self.history.tick_html(item.id, item.skipped) if item.checked else ""
                else:
                    html = "; ".join(tick_html(t) for t in self.history.ticks(item.id))
                if html:
                    out.append(f'<span class="rbg-ticks">{html}</span>')
                wait = getattr(self.history, "wait", None)
                w = wait(item.id) if wait is not None else None
                if w is not None and w.short and w.waited is not None:
                    out.append(
                        f' <span class="rbg-tag rbg-tag-short" title="{esc(wait_text(w))}">'
                        f"waited {fmt_minutes(w.waited.total_seconds() / 60)} of "
                        f"{fmt_minutes(w.minutes)}</span>"
                    )
            for note in item.notes:
                out.append(f'<div class="rbg-note">{block(note.text)}</div>')
            if item.children:
                self.items(item.children, kind)
            out.append("</li>")
        out.append("</ul>")

    def state(self, item: Item, kind: str) -> str:
        if not self.run:
            return "template"
        if item.skipped:
            return "skipped"
        if kind == "triggers":
            return "triggered" if item.checked else "criterion"
        return "done" if item.checked else "open"

    def item_fields(self, item: Item) -> str:
        parts = []
        for f in item.fields:
            parts.append(_field_html(f))
        return '<span class="rbg-text rbg-signoff">' + " ".join(parts) + "</span>"

    def fields_block(self, fields: list[Field], choices: list[Choice]) -> None:
        rows = []
        for c in choices:
            opts = " ".join(
                f'<span class="rbg-choice" data-selected="{str(o in c.selected).lower()}">{inline(o)}</span>'
                for o in c.options
            )
            rows.append(f"<dt>{inline(c.name)}</dt><dd>{opts}</dd>")
        for f in fields:
            value = inline(f.value) if f.filled else '<span class="rbg-blank">—</span>'
            rows.append(f"<dt>{inline(f.name)}</dt><dd>{value}</dd>")
        self.out.append('<dl class="rbg-fields">' + "".join(rows) + "</dl>")


def tick_html(t: Tick) -> str:
    """ "ticked by WHO at WHEN (#PR)": visible text, with the email, commit and message on
    hover (``title``), and the time machine-readable in ``<time>`` — no script needed.
    Kept short: a run page holds one per ticked item."""
    if not t.iso:
        return f"{esc(t.verb)} by {esc(t.who)} at {esc(t.when)}"
    when = f'<time datetime="{esc(t.iso)}" title="{esc(t.detail)}">{esc(t.when)}</time>'
    pr = ""
    if t.pr is not None:
        pr = f' (<a href="{esc(t.pr_url)}">#{t.pr}</a>)' if t.pr_url else f" (#{t.pr})"
    return f'{esc(t.verb)} by <b class="rbg-who">{esc(t.who)}</b> at {when}{pr}'


def wait_text(w: Any) -> str:
    waited = w.waited.total_seconds() / 60 if w.waited is not None else 0
    return (
        f"the next step was ticked {fmt_minutes(waited)} after the step before the wait; "
        f"the wait is {fmt_minutes(w.minutes)}"
    )


def timeline_html(h: GitRunHistory) -> str:
    """The run page's timeline: stages and phases with first/last tick and duration against
    the estimate, wait steps cut short, sign-offs — or why history is unavailable."""
    out = [
        '<aside class="rbg-timeline" data-search-exclude>',
        '<h2 id="timeline" data-search-exclude>Timeline</h2>',
    ]
    if h.incomplete:
        out.append(
            '<p class="rbg-history-warn" data-history="incomplete"><strong>History is '
            "incomplete:</strong> the site was built from a shallow clone, so the oldest "
            "ticks are missing. Fetch the whole history (<code>fetch-depth: 0</code> for "
            "<code>actions/checkout</code>).</p>"
        )
    if not h.available:
        out.append(
            f'<p class="rbg-history-off" data-history="unavailable">History unavailable: '
            f"{esc(h.reason or 'unknown reason')}. Who ticked what and when comes from git "
            "(see the documentation on history).</p></aside>"
        )
        return "".join(out)
    tl = h.timeline
    if h.uncommitted:
        out.append(
            '<p class="rbg-history-warn" data-history="uncommitted">The run file has '
            "changes that are not committed yet; they have no author or time.</p>"
        )
    if tl.start is None or tl.end is None:
        out.append('<p data-history="empty">No ticks committed yet.</p></aside>')
        return "".join(out)
    out.append(
        f'<p class="rbg-span">First tick {time_html(tl.start)}, last tick {time_html(tl.end)} '
        f"({fmt_minutes((tl.end - tl.start).total_seconds() / 60)}).</p>"
    )
    rows = []
    for sec in tl.sections:
        if sec.depth > 1 or (sec.first is None and sec.estimate is None):
            continue
        first = time_html(sec.first) if sec.first else ""
        last = time_html(sec.last) if sec.last else ""
        took = fmt_minutes(sec.duration.total_seconds() / 60) if sec.duration is not None else ""
        est = fmt_estimate(sec.estimate.min, sec.estimate.max) if sec.estimate else ""
        flag = ' <span class="rbg-tag rbg-tag-over">over estimate</span>' if sec.over else ""
        rows.append(
            f'<tr data-section="{esc(sec.id)}" class="rbg-depth-{sec.depth}"'
            f'{" data-over" if sec.over else ""}><td><a href="#{anchor_id(sec.id)}">'
            f"{inline(sec.title)}</a></td><td>{first}</td><td>{last}</td>"
            f"<td>{took}{flag}</td><td>{est}</td></tr>"
        )
    out.append(
        '<table class="rbg-table rbg-phases"><thead><tr><th scope="col">Stage / section</th>'
        '<th scope="col">First tick</th><th scope="col">Last tick</th>'
        '<th scope="col">Took</th><th scope="col">Estimate</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    short = [w for w in tl.waits if w.short]
    if short:
        out.append(
            '<p class="rbg-waits-title"><strong>Waits cut short</strong></p><ul class="rbg-waits">'
            + "".join(
                f'<li data-item="{esc(w.item)}"><a href="#i-{esc(w.item.replace("/", "--"))}">'
                f"{inline(w.text)}</a>: {esc(wait_text(w))} "
                '<span class="rbg-tag rbg-tag-short">too soon</span></li>'
                for w in short
            )
            + "</ul>"
        )
    signed = [so for so in tl.signoffs if so.done or so.ticked]
    if signed:
        rows = []
        for so in signed:
            values = ", ".join(f"{k}: {v}" for k, v in so.fields.items() if v)
            who = h.event_html(so.ticked) if so.ticked else "not committed"
            rows.append(
                f'<tr data-item="{esc(so.item)}"><td>{esc(values or so.text)}</td><td>{who}</td></tr>'
            )
        out.append(
            '<table class="rbg-table rbg-signoffs"><thead><tr><th scope="col">Sign-off</th>'
            '<th scope="col">Signed</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
        )
    if h.commits:
        out.append(commits_html(h))
    out.append("</aside>")
    return "".join(out)


def commits_html(h: GitRunHistory) -> str:
    """The run page's commit list: each commit that ticked, skipped or signed something
    shown on the page, with author, email, time, message and pull request."""
    rows = []
    for n, c in enumerate(h.commits.values(), 1):
        sha = f"<code>{esc(c.short)}</code>"
        if h.github:
            sha = f'<a href="{esc(h.github)}/commit/{esc(c.sha)}">{sha}</a>'
        who = esc(f"{c.author} <{c.email}>")
        if c.committer != c.author:
            who += f" (committed by {esc(c.committer)})"
        pr = ""
        if c.pr is not None:
            pr = f'<a href="{esc(h.github)}/pull/{c.pr}">#{c.pr}</a>' if h.github else f"#{c.pr}"
        rows.append(
            f'<tr id="{COMMIT_ID}{n}"><td>{sha}</td><td>{who}</td><td>{time_html(c.time)}</td>'
            f"<td>{esc(c.subject)}</td><td>{pr}</td></tr>"
        )
    return (
        '<p class="rbg-commits-title"><strong>Commits</strong></p>'
        '<table class="rbg-table rbg-commits"><thead><tr><th scope="col">Commit</th>'
        '<th scope="col">Author</th><th scope="col">Time</th><th scope="col">Message</th>'
        '<th scope="col">Pull request</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _field_html(f: Field) -> str:
    value = (
        f'<span class="rbg-field-value">{inline(f.value)}</span>'
        if f.filled
        else '<span class="rbg-blank">________</span>'
    )
    return f'<span class="rbg-field"><span class="rbg-field-name">{inline(f.name)}:</span> {value}</span>'


def _prose_covers(p: Prose, lines: set[int]) -> bool:
    span = range(p.line, p.line + p.text.count("\n") + 1)
    return any(line in span for line in lines)
