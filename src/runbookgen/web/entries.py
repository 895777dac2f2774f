"""The site's data: one small entry per runbook and per run, what every page lists.

A :class:`RunEntry` holds a run's summary (for the home, runbook and history tables and
the statistics) plus its rendered page body; the body is dropped once its page is
written, so 1,000 runs cost 1,000 summaries, not 1,000 parsed checklists.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from runbookgen.model import Runbook
from runbookgen.records.schema import is_finished
from runbookgen.web.safehtml import title_text


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
    # for statistics across runs (history.stats.RunLike); durations only with git history
    skipped_ids: list[str] = field(default_factory=list)
    triggered_ids: list[str] = field(default_factory=list)
    minutes: float | None = None  # deployment duration (history Timeline.deployment), measured only
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
        return is_finished(self.status)


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
