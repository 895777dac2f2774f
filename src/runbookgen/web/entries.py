"""The site's data: one small entry per runbook and per run, what every page lists.

A :class:`RunEntry` holds a run's summary (for the home, runbook and history tables and
the statistics) plus its rendered page body; the body is dropped once its page is
written, so 1,000 runs cost 1,000 summaries, not 1,000 parsed checklists.

Scale: an engine renders every page before it writes the first one, so all run page
bodies are held at once. A body is ~120 KB of HTML (~240 KB as a Python ``str``, which
holds non-ASCII text in two bytes a character), which made 10,000 runs cost ~2.4 GB. So
only the summary (up to :data:`SUMMARY_END`, what the theme and search read) stays text;
the rest is kept zlib-compressed (~15 KB), compressed in the worker process that
rendered it, which also makes its message to the parent an eighth of the size.

A one-off MkDocs build with history goes further: the worker that read a run keeps the rest
of its page unrendered and renders it while MkDocs writes pages on one core
(web/workers.py); the entry then holds a :class:`DetailsSource` and the key to ask it with.
"""

from __future__ import annotations

import marshal
import posixpath
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from runbookgen.findings import Finding
from runbookgen.model import Runbook
from runbookgen.records.schema import is_finished
from runbookgen.web.safehtml import title_text

# Ends the part of a run page that is its summary (what search indexes); an HTML comment,
# which escaped run-file text can never produce.
SUMMARY_END = "<!-- /runbookgen:summary -->"
# zlib level for run page details: 1-2 compress HTML ~8x at a third of the time of 6.
_LEVEL = 2


class DetailsSource(Protocol):
    """Where the rest of a run page is rendered later: :meth:`take` gives it, once."""

    def take(self, key: int) -> str: ...


@dataclass
class StageBar:
    """A stage's or section's progress (one bar on the run page)."""

    id: str
    title: str
    done: int
    total: int
    skipped: int
    counted: bool
    depth: int
    optional: int = 0  # optional items left open (not in the total)

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
    optional_open: int = 0  # optional items left open: counted apart, like skipped ones
    percent: float = 0.0
    triggered: list[str] = field(default_factory=list)
    stages: list[StageBar] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    summary: str = ""  # the page body up to and including SUMMARY_END (or all of it)
    packed_details: bytes = b""  # the rest of the body, zlib-compressed UTF-8
    # or, rendered later: who renders it, and the key to ask for it (workers.py)
    details_key: int = -1
    details_source: DetailsSource | None = field(default=None, repr=False, compare=False)
    findings: list[Finding] = field(default_factory=list)  # what `check` reports (no sign-offs)
    toc: list[dict[str, Any]] = field(default_factory=list)
    # for statistics across runs (history.stats.RunLike); durations only with git history
    skipped_ids: list[str] = field(default_factory=list)
    triggered_ids: list[str] = field(default_factory=list)
    minutes: float | None = None  # the deployment's measured duration (see deployment)
    deployment: str = ""  # what ``minutes`` measured, or why there is none
    phase_minutes: dict[str, float] = field(default_factory=dict)
    first_tick: str = ""  # ISO 8601, "" without history
    last_tick: str = ""
    # the last tick or skip (with git history; else, in flight, the branch's last change)
    last_by: str = ""
    last_at: str = ""  # ISO 8601
    last_what: str = ""  # ticked | skipped | changed (a commit with no tick: no history)
    current_stage: str = ""  # the first counted stage with open items
    # in flight: read from an unmerged run branch (history/branches.py), not the work tree
    branch: str = ""  # run/<runbook>/<date>-<release>; "" when read from the work tree
    branch_commit: str = ""  # the branch tip shown
    branch_path: str = ""  # the run file's path in the repository (links to its lines)
    on_main: bool = False  # the commit being built has this run too (another version)
    diverged: str = ""  # main changed it in a way the branch has not seen: that commit, or "?"
    diverged_by: str = ""
    rivals: list[str] = field(default_factory=list)  # branches changing it differently, not shown
    pr: int | None = None  # its open pull request, when the site was given the list
    pr_title: str = ""
    pr_url: str | None = None

    @property
    def body(self) -> str:
        """The rendered page body: summary, then details."""
        return self.summary + self.details

    @body.setter
    def body(self, html: str) -> None:
        head, sep, rest = html.partition(SUMMARY_END)
        self.summary = head + sep
        self.set_details(rest)

    def set_details(self, rest: str) -> None:
        """Keep ``rest``, the body after the summary (compressed)."""
        self.packed_details = zlib.compress(rest.encode("utf-8"), _LEVEL) if rest else b""

    @property
    def details(self) -> str:
        """The body after :data:`SUMMARY_END` (progress, timeline, checklist)."""
        source, self.details_source = self.details_source, None
        if source is not None:  # kept: a caller may ask again (a build takes it once)
            self.set_details(source.take(self.details_key))
        return zlib.decompress(self.packed_details).decode("utf-8") if self.packed_details else ""

    def take_details(self) -> str:
        """:attr:`details`, dropping the whole body from this entry (its page is written)."""
        source, self.details_source = self.details_source, None
        rest = source.take(self.details_key) if source is not None else self.details
        self.summary, self.packed_details = "", b""
        return rest

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
        return is_finished(self.status)

    @property
    def in_flight(self) -> bool:
        return bool(self.branch)


@dataclass
class RunbookEntry:
    """A runbook template and its runs, newest first."""

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


class SharedTocs:
    """One copy of each distinct run-page table of contents: runs of one template have the
    same headings, and a copy per run (~17 KB) cost 170 MB at 10,000 runs. Entries from
    worker processes arrive with copies of their own; :meth:`share` swaps in the first."""

    def __init__(self) -> None:
        self._seen: dict[bytes, list[dict[str, Any]]] = {}

    def share(self, entry: RunEntry) -> RunEntry:
        # marshal version 2 writes no back-references (whether it does depends on reference
        # counts), so equal lists give equal bytes
        entry.toc = self._seen.setdefault(marshal.dumps(entry.toc, 2), entry.toc)
        return entry
