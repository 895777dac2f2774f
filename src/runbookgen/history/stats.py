"""Statistics across the runs of a runbook — pure computation, no MkDocs, no git.

The runbook and history pages show how a runbook fares over time: outcomes, success
rate, how long runs and phases take against their estimates, which items get skipped and
which rollback criteria fire, and when it was last exercised. The inputs are small
per-run facts (the site's ``RunEntry`` has them; tests build :class:`RunFacts` by hand),
so the numbers are unit-testable without a repository.

Definitions (also on the documentation page):

* *finished* runs have status success, partial, rolled-back or aborted; the **success
  rate** is success / finished (partial is not a success), ``None`` with nothing finished;
* a run's **duration** is its deployment duration: first → last tick in its
  during-deployment stages (``timeline.Span``), not the day-before checks; medians use
  *finished* runs only (an open run's duration is not known yet);
* a phase is a section with a ``**Time Estimate**``; its duration in a run is what
  ``timeline.SectionTiming`` measured (finished runs again); a phase is **over** when the
  median exceeds the estimate's upper bound;
* only *measured* durations count: runs without history, and runs or phases ticked
  together in one commit (no duration can be measured from commits), are left out of
  the medians, never counted as zero.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from runbookgen.records.schema import FINISHED

OUTCOMES = (*FINISHED, "in-progress", "planned")


class RunLike(Protocol):
    """What statistics need of one run (the site's ``RunEntry`` satisfies it)."""

    relpath: str
    release: str
    date: str
    status: str
    skipped_ids: list[str]
    triggered_ids: list[str]
    minutes: float | None  # measured deployment duration (see the module docstring)
    phase_minutes: dict[str, float]  # phase id -> measured minutes; unmeasured ones absent
    last_tick: str

    @property
    def broken(self) -> bool: ...


@dataclass
class RunFacts:
    """A hand-buildable :class:`RunLike` (tests, other callers)."""

    relpath: str
    date: str
    status: str
    release: str = ""
    skipped_ids: list[str] = field(default_factory=list)
    triggered_ids: list[str] = field(default_factory=list)
    minutes: float | None = None
    phase_minutes: dict[str, float] = field(default_factory=dict)
    last_tick: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Phase:
    """A section with a time estimate (id, title, estimate bounds in minutes)."""

    id: str
    title: str
    min: int
    max: int


@dataclass
class PhaseStat:
    phase: Phase
    runs: int  # runs with a measured duration for this phase
    median: float | None
    over: int  # runs that took longer than the estimate's upper bound

    @property
    def median_over(self) -> bool:
        return self.median is not None and self.median > self.phase.max

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.phase.id,
            "title": self.phase.title,
            "estimate": {"min": self.phase.min, "max": self.phase.max},
            "runs": self.runs,
            "median_minutes": self.median,
            "over": self.over,
            "median_over": self.median_over,
        }


@dataclass
class Counted:
    """An item and how many runs skipped (or triggered) it."""

    id: str
    text: str
    count: int


@dataclass
class Stats:
    runs: int
    outcomes: dict[str, int]
    finished: int
    success_rate: float | None
    median_minutes: float | None
    timed_runs: int
    phases: list[PhaseStat]
    skipped: list[Counted]
    triggered: list[Counted]
    last_date: str | None
    last_release: str | None
    last_relpath: str | None
    last_tick: str | None
    by_month: dict[str, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "outcomes": self.outcomes,
            "finished": self.finished,
            "success_rate": self.success_rate,
            "median_minutes": self.median_minutes,
            "timed_runs": self.timed_runs,
            "phases": [p.to_dict() for p in self.phases],
            "skipped": [vars(c) for c in self.skipped],
            "triggered": [vars(c) for c in self.triggered],
            "last": {
                "date": self.last_date,
                "release": self.last_release,
                "path": self.last_relpath,
                "last_tick": self.last_tick,
            },
            "by_month": self.by_month,
        }


def phases_of(model: Any) -> list[Phase]:
    """Sections of a runbook model that carry a time estimate, in document order."""
    return [
        Phase(s.id, s.title, s.estimate.min, s.estimate.max)
        for s in model.sections()
        if s.estimate is not None
    ]


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def compute(
    runs: Iterable[RunLike],
    phases: Sequence[Phase] = (),
    labels: Mapping[str, str] | None = None,
    top: int = 5,
) -> Stats:
    """Statistics over ``runs`` (broken run files are left out: nothing about them is known).

    ``phases`` come from the runbook (:func:`phases_of`); ``labels`` map item ids to their
    text for the most-skipped/most-triggered lists (ids show when a label is missing).
    """
    ok = [r for r in runs if not r.broken]
    labels = labels or {}
    outcomes = Counter(r.status for r in ok)
    finished = sum(outcomes[s] for s in FINISHED)
    done = [r for r in ok if r.status in FINISHED]
    durations = [r.minutes for r in done if r.minutes is not None]
    phase_stats = []
    for ph in phases:
        vals = [r.phase_minutes[ph.id] for r in done if ph.id in r.phase_minutes]
        phase_stats.append(PhaseStat(ph, len(vals), _median(vals), sum(1 for v in vals if v > ph.max)))

    def ranked(key: str) -> list[Counted]:
        c: Counter[str] = Counter()
        for r in ok:
            c.update(set(getattr(r, key)))
        # most often first, then document order is unknown here: ties by label text
        ordered = sorted(c.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0])))
        return [Counted(i, labels.get(i, i), n) for i, n in ordered[:top]]

    last = max(ok, key=lambda r: (r.date, r.last_tick, r.relpath), default=None)
    by_month: dict[str, dict[str, int]] = {}
    for r in ok:
        month = r.date[:7] if len(r.date) >= 7 else "unknown"
        slot = by_month.setdefault(month, {})
        slot[r.status or "planned"] = slot.get(r.status or "planned", 0) + 1
    ordered_outcomes = {s: outcomes[s] for s in OUTCOMES if outcomes[s]}
    ordered_outcomes.update({s: n for s, n in outcomes.items() if s not in OUTCOMES})
    return Stats(
        runs=len(ok),
        outcomes=ordered_outcomes,
        finished=finished,
        success_rate=outcomes["success"] / finished if finished else None,
        median_minutes=_median(durations),
        timed_runs=len(durations),
        phases=phase_stats,
        skipped=ranked("skipped_ids"),
        triggered=ranked("triggered_ids"),
        last_date=last.date if last else None,
        last_release=last.release if last else None,
        last_relpath=last.relpath if last else None,
        last_tick=max((r.last_tick for r in ok if r.last_tick), default=None),
        by_month=dict(sorted(by_month.items())),
    )
