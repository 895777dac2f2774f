"""What several pages show: a runbook's statistics and when it was last exercised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from runbookgen.history.stats import PhaseStat, Stats
from runbookgen.web.entries import RunbookEntry, RunEntry
from runbookgen.web.links import Links
from runbookgen.web.site import Site


@dataclass(frozen=True)
class Exercised:
    """When a runbook last ran: the run's date and name, its page, its last tick."""

    date: str
    name: str
    href: str | None
    tick: datetime | None


@dataclass(frozen=True)
class PhaseBar:
    """A phase's estimate band and median as percentages of the widest phase."""

    stats: PhaseStat
    lo: float
    width: float
    median: float


@dataclass(frozen=True)
class RunbookStats:
    """A runbook's statistics as its pages show them."""

    runbook: RunbookEntry
    st: Stats
    exercised: Exercised | None
    outcomes: list[tuple[str, int]]
    finished: int
    average: float
    phases: list[PhaseBar]
    timed: bool  # some phase has a median


def runbook_stats(site: Site, rb: RunbookEntry, links: Links) -> RunbookStats:
    st = site.stats(rb)
    runs = rb.runs
    outcomes = sorted(Counter(r.status or "unknown" for r in runs).items())
    average = sum(r.percent for r in runs) / len(runs) if runs else 0.0
    timed = [p for p in st.phases if p.median is not None]
    bars = []
    if timed:
        scale = max(max(p.phase.max, p.median or 0) for p in st.phases) * 1.1 or 1
        for p in st.phases:
            if p.median is None:
                bars.append(PhaseBar(p, 0, 0, 0))
                continue
            lo, hi = 100 * p.phase.min / scale, 100 * p.phase.max / scale
            bars.append(PhaseBar(p, lo, max(hi - lo, 0.5), 100 * min(p.median, scale) / scale))
    return RunbookStats(
        rb,
        st,
        exercised(site, st, links),
        outcomes,
        sum(1 for r in runs if r.finished),
        average,
        bars,
        bool(timed),
    )


def exercised(site: Site, st: Stats, links: Links) -> Exercised | None:
    if st.last_relpath is None:
        return None
    run: RunEntry | None = site.run(st.last_relpath)
    return Exercised(
        st.last_date or "",
        st.last_release or st.last_date or "",
        links.page(run.src_uri) if run is not None else None,
        datetime.fromisoformat(st.last_tick) if st.last_tick else None,
    )
