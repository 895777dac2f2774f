"""What several pages show: a runbook's statistics and when it was last exercised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from runbookgen.history.stats import PhaseStat, Stats
from runbookgen.web.charts import PhaseSeries, phase_chart
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
class RunbookStats:
    """A runbook's statistics as its pages show them."""

    runbook: RunbookEntry
    st: Stats
    exercised: Exercised | None
    outcomes: list[tuple[str, int]]
    finished: int
    average: float
    phases: list[PhaseStat]
    timed: bool  # some phase has a median
    chart: Markup  # the phases' durations across runs


def runbook_stats(site: Site, rb: RunbookEntry, links: Links) -> RunbookStats:
    st = site.stats(rb)
    runs = rb.runs
    outcomes = sorted(Counter(r.status or "unknown" for r in runs).items())
    average = sum(r.percent for r in runs) / len(runs) if runs else 0.0
    timed = any(p.median is not None for p in st.phases)
    # the same runs the medians use: finished, readable, with a measured duration
    done = [r for r in runs if r.finished and not r.broken]
    series = [
        PhaseSeries(
            p.phase.id,
            p.phase.title,
            p.phase.min,
            p.phase.max,
            tuple(r.phase_minutes[p.phase.id] for r in done if p.phase.id in r.phase_minutes),
        )
        for p in st.phases
    ]
    return RunbookStats(
        rb,
        st,
        exercised(site, st, links),
        outcomes,
        sum(1 for r in runs if r.finished),
        average,
        st.phases,
        timed,
        phase_chart(series, ident=f"rbg-phases-{rb.name}") if timed else Markup(""),
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
