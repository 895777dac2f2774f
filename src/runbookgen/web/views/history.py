"""The history pages (``history.html``): every run, newest first, in sortable tables of at
most ``SiteOptions.history_page_size`` runs a page; the first page also shows outcomes per
month and statistics per runbook.

One page listing every run grows ~0.5 KB a run: 10,000 runs made a 5 MB page that phones
and the search index choke on. So the runs are split into fixed-size pages — the history
page itself (``history.md``: the newest runs), then ``history/page-2.md``, … (older runs)
— each with links to every other page and the dates it covers. Runs are found by search
through their own pages, so the run tables are left out of the search index.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from runbookgen.web.charts import outcome_chart
from runbookgen.web.entries import RunEntry
from runbookgen.web.links import Links
from runbookgen.web.site import Site
from runbookgen.web.views.common import runbook_stats


@dataclass(frozen=True)
class HistoryPart:
    """One history page: its number (1 = the history page), source path and runs."""

    number: int
    src_uri: str
    runs: list[RunEntry]
    start: int  # position of its first run among all runs (0-based)

    @property
    def title(self) -> str:
        return "History" if self.number == 1 else f"History, page {self.number}"

    @property
    def newest(self) -> str:
        return self.runs[0].date if self.runs else ""

    @property
    def oldest(self) -> str:
        return self.runs[-1].date if self.runs else ""


def part_uri(history_page: str, number: int) -> str:
    """Source path of history page ``number``: ``history.md``, ``history/page-2.md``, …"""
    if number == 1:
        return history_page
    stem, _ = posixpath.splitext(history_page)
    return f"{stem}/page-{number}.md"


def parts(site: Site) -> list[HistoryPart]:
    """The history pages, newest runs first; always at least one (with no runs: empty)."""
    runs = site.runs
    size = site.options.history_page_size
    if size <= 0 or len(runs) <= size:
        return [HistoryPart(1, site.options.history_page, runs, 0)]
    return [
        HistoryPart(n, part_uri(site.options.history_page, n), runs[start : start + size], start)
        for n, start in enumerate(range(0, len(runs), size), 1)
    ]


@dataclass(frozen=True)
class Pager:
    """The links of one history page to the others: the next newer and older pages, and
    the pages listed (all of them, or, past :data:`LISTED` pages, the first and last two
    and those near this one, with None where pages are left out)."""

    newer: HistoryPart | None
    older: HistoryPart | None
    shown: list[HistoryPart | None]


#: history pages listed in full on each page; beyond this, a window around the current one
LISTED = 25


def pager(part: HistoryPart, all_parts: list[HistoryPart]) -> Pager:
    n = part.number
    count = len(all_parts)
    if count <= LISTED:
        keep = set(range(1, count + 1))
    else:
        keep = {1, 2, count - 1, count} | set(range(max(1, n - 5), min(count, n + 5) + 1))
    shown: list[HistoryPart | None] = []
    for p in all_parts:
        if p.number in keep:
            shown.append(p)
        elif shown and shown[-1] is not None:
            shown.append(None)
    return Pager(
        all_parts[n - 2] if n > 1 else None,
        all_parts[n] if n < count else None,
        shown,
    )


def toc(part: HistoryPart) -> list[dict[str, Any]]:
    """The table of contents of a history page (what an engine shows beside it)."""
    entries = []
    if part.number == 1 and part.runs:
        entries += [
            {"level": 2, "id": "outcomes", "name": "Outcomes over time", "children": []},
            {"level": 2, "id": "statistics", "name": "Statistics by runbook", "children": []},
        ]
    return [*entries, {"level": 2, "id": "runs", "name": "Runs", "children": []}]


def page(
    site: Site, links: Links, part: HistoryPart | None = None, all_parts: list[HistoryPart] | None = None
) -> str:
    """History page ``part`` (default: the first) of ``all_parts`` (default: :func:`parts`);
    ``links`` are relative to that page."""
    all_parts = all_parts or parts(site)
    part = part or all_parts[0]
    first = part.number == 1
    return site.templates.render(
        "history.html",
        site=site,
        links=links,
        runs=part.runs,
        total=len(site.runs),
        part=part,
        parts=all_parts if len(all_parts) > 1 else [],
        pager=pager(part, all_parts),
        runbooks=list(site.runbooks.values()),
        chart=outcome_chart(site.runs) if first and site.runs else "",
        stats=[runbook_stats(site, rb, links) for rb in site.runbooks.values()] if first else [],
        durations=site.durations(part.runs),
    )
