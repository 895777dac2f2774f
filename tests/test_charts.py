"""Charts and durations on the built pages (web/charts.py, web/formats.py).

Pages come from the real git repository and ``mkdocs build`` of tests/test_site_history.py:
a finished run (v2.3.0: phase 1 in 10 min) and an open one (v2.4.0: phase 1 took 25 min
against 10–15, a 10-minute wait cut short after 3 min). The charts are static SVG with a
title, a description and a table holding the same numbers; durations are written one way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runbookgen.history import SectionTiming
from runbookgen.model import Estimate
from runbookgen.web.charts import timeline_chart
from runbookgen.web.formats import fmt_estimate, fmt_minutes
from test_site_history import OPEN_URL, P1, P4, built, page, repo, words  # noqa: F401  (fixtures)
from test_site_support import Node, parse_html

#: a duration as the site writes it (formats.fmt_minutes) — and nothing else
DURATION = re.compile(r"under 1 min|[1-9]\d? min|[1-9]\d* h(?: [1-9]\d? min)?")


def svg_of(tree: object, title: str) -> Node:
    return next(
        n
        for n in tree.all  # type: ignore[attr-defined]
        if n.tag == "svg" and any(t.tag == "title" and words(t) == title for t in n.elements("title"))
    )


def marks(svg: Node, tag: str, cls: str | None = None) -> list[tuple[str, str]]:
    """(class, title) of each ``tag`` mark of the chart."""
    return [
        (n.attrs.get("class", ""), words(n.elements("title")[0]))
        for n in svg.find_all(lambda n: n.tag == tag and n.elements("title"))
        if cls is None or cls in n.attrs.get("class", "").split()
    ]


# ---------------------------------------------------------------------------- one unit format
@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "under 1 min"),
        (0.4, "under 1 min"),
        (0.6, "1 min"),
        (1, "1 min"),
        (59.4, "59 min"),
        (59.6, "1 h"),
        (60, "1 h"),
        (75, "1 h 15 min"),
        (120, "2 h"),
        (1110, "18 h 30 min"),
    ],
)
def test_fmt_minutes(minutes: float, shown: str) -> None:
    assert fmt_minutes(minutes) == shown


def test_every_duration_has_one_spelling() -> None:
    """Over every whole minute up to two days, and fractions: the one format, hours from 60
    minutes on (never "90 min" or "0 min")."""
    for tenth in range(0, 48 * 60 * 10, 7):
        shown = fmt_minutes(tenth / 10)
        assert DURATION.fullmatch(shown), shown
        n = [int(v) for v in re.findall(r"\d+", shown)]
        whole = round(tenth / 10)
        assert (
            n[0] * 60 + (n[1] if len(n) > 1 else 0) if " h" in shown else (n[0] if n else 0)
        ) == whole or (whole == 0 and shown == "under 1 min")


@pytest.mark.parametrize(
    ("lo", "hi", "shown"),
    [
        (10, 15, "10–15 min"),
        (10, 10, "10 min"),
        (45, 90, "45 min – 1 h 30 min"),
        (60, 120, "1 h – 2 h"),
        (90, 90, "1 h 30 min"),
        (0, 90, "up to 1 h 30 min"),
    ],
)
def test_fmt_estimate_uses_the_same_units(lo: int, hi: int, shown: str) -> None:
    assert fmt_estimate(lo, hi) == shown


@pytest.mark.parametrize("url", [OPEN_URL, "production-deployment", "history"])
def test_pages_write_durations_one_way(built: tuple[Path, str], url: str) -> None:  # noqa: F811
    """Run, runbook and history pages: no "0 min", no "N min" of an hour or more, every
    "h" is followed only by minutes under 60 — the site's durations all come from
    formats.fmt_minutes / fmt_estimate."""
    site, _ = built
    text = " ".join(parse_html(page(site, url)).root.text.split())
    assert not re.search(r"(?<![\d.])0 min", text)
    assert [m for m in re.findall(r"\b(\d+) min\b", text) if int(m) >= 60] == []
    assert re.findall(r"\b\d+ (?:mins\b|hrs?\b|hours? \d+ min)", text) == []
    for m in re.finditer(r"\b\d+ h\b(?: (\d+) min)?", text):
        assert m.group(1) is None or 0 < int(m.group(1)) < 60, m.group(0)


def test_runbook_stage_estimates_use_hours(built: tuple[Path, str]) -> None:  # noqa: F811
    """The runbook page's stage list used its own "75–120 min": now the one estimate format."""
    site, _ = built
    html = page(site, "production-deployment")
    cells = [
        words(n) for n in parse_html(html).all if "rbg-stage-estimate" in n.attrs.get("class", "").split()
    ]
    assert cells, "stage estimates are shown"
    assert all(not re.search(r"\b([6-9]\d|\d{3,}) min\b", c) for c in cells), cells


# ---------------------------------------------------------------------------- phase chart (runbook)
def test_runbook_phase_chart_has_text_alternatives_and_the_runs_values(built: tuple[Path, str]) -> None:  # noqa: F811
    site, _ = built
    tree = parse_html(page(site, "production-deployment"))
    svg = svg_of(tree, "Phase durations across runs against their estimates")
    assert svg.attrs["role"] == "img"
    ids = svg.attrs["aria-labelledby"].split()
    assert [n.attrs["id"] for n in svg.elements() if n.tag in ("title", "desc")] == ids
    desc = words(svg.elements("desc")[0])
    assert desc.startswith("Measured durations of") and "in up to 1 finished runs" not in desc
    # the table alternative: the same phases, their medians
    table = next(n for n in tree.all if "rbg-phase-stats" in n.attrs.get("class", ""))
    rows = {
        tr.attrs["data-phase"]: [words(td) for td in tr.elements("td")]
        for tr in table.find_all(lambda n: n.tag == "tr" and "data-phase" in n.attrs)
    }
    assert rows[P1][:3] == ["Phase 1: Database Migration (if required)", "10–15 min", "10 min"]
    medians = {t.split(": median ")[0]: t.split(": median ")[1] for _, t in marks(svg, "line", "rbg-box")}
    assert medians == {r[0]: f"{r[2]} of 1 run" for r in rows.values() if r[2] != "not measured"}
    assert len(medians) == 2  # phases 1 and 4 were measured in v2.3.0
    # one dot per finished run: v2.3.0's phase 1 took 10 min (09:00 → 09:10), within 10–15
    dots = marks(svg, "circle")
    assert ("rbg-point", "10 min") in dots and all(cls == "rbg-point" for cls, _ in dots)
    bands = [t for _, t in marks(svg, "rect", "rbg-band")]
    assert "Phase 1: Database Migration (if required): estimate 10–15 min" in bands
    axis = [words(n) for n in svg.elements("text")]
    assert "0" in axis and "0 min" not in axis


# ---------------------------------------------------------------------------- run timeline
def test_run_timeline_marks_over_runs_and_short_waits(built: tuple[Path, str]) -> None:  # noqa: F811
    site, _ = built
    tree = parse_html(page(site, OPEN_URL))
    svg = svg_of(tree, "Timeline of stages and sections against their estimates")
    desc = words(svg.elements("desc")[0])
    assert "over the estimate: Phase 1: Database Migration (if required)" in desc
    spans = marks(svg, "rect", "rbg-span")
    over = [t for cls, t in spans if "rbg-span-over" in cls]
    assert over == [
        "Phase 1: Database Migration (if required): 09:20–09:45 UTC, 25 min; estimate 10–15 min; "
        "over the estimate"
    ]
    p4 = [t for cls, t in spans if t.startswith("Phase 4: Traffic Migration:")]
    assert len(p4) == 1 and "over" not in p4[0]  # 3 min of 40–50: not marked
    assert [words(n) for n in svg.find_all(lambda n: n.attrs.get("class") == "rbg-mark-text")] == ["over"]
    short = marks(svg, "path", "rbg-mark")
    assert short == [
        ("rbg-mark", "Monitor for 10 minutes: cut short, the next step came 3 min after, the wait is 10 min")
    ]
    # and the table holding the same numbers
    assert next(n for n in tree.all if "rbg-phases" in n.attrs.get("class", ""))
    # same-day axis: clock times
    assert "09:30" in [words(n) for n in svg.elements("text")]


def test_timeline_over_days_names_the_month() -> None:
    day = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    sections = [
        SectionTiming("a", "Night work", 0, day, day.replace(hour=23, minute=30), Estimate(30, 45), "ticks"),
        SectionTiming(
            "b", "Morning checks", 0, day.replace(day=2, hour=1), day.replace(day=2, hour=2), None, "ticks"
        ),
    ]
    svg = str(timeline_chart(sections, []))
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', svg)
    assert labels and all(re.fullmatch(r"Dec [12] \d\d:\d\d", label) for label in labels), labels
    assert not re.search(r"\b12-0[12]\b", svg)


def test_history_outcome_chart_month_axis_is_readable(built: tuple[Path, str]) -> None:  # noqa: F811
    site, _ = built
    tree = parse_html(page(site, "history"))
    svg = svg_of(tree, "Runs per month by outcome")
    axis = [words(n) for n in svg.elements("text")]
    assert axis[-3:] == ["Nov", "2026", "Dec"]  # the year once, under its first month
    assert not any(re.fullmatch(r"\d\d-\d\d|\d{4}-\d\d", a) for a in axis)
    desc = words(svg.elements("desc")[0])
    assert desc.startswith("2 runs in 2 months, from Nov 2026 to Dec 2026")


def test_outcome_chart_puts_runs_without_a_valid_date_in_one_bar() -> None:
    """A broken run's date comes from a pull request (``<a href…``, ``![pic](…``): it is no
    month, so it never becomes an axis label of its own — one "undated" bar, last."""
    import re

    from runbookgen.web.charts import outcome_chart
    from runbookgen.web.entries import RunEntry

    runs = [
        RunEntry(f"r{i}.md", f"r{i}/", date=d, status="success", state="complete")
        for i, d in enumerate(["2026-11-03", "2026-12-01", "<a href=x>", "![pic](x)", "2026-13-01", "2026"])
    ]
    svg = str(outcome_chart(runs))
    labels = re.findall(r'text-anchor="middle">([^<]*)</text>', svg)
    assert labels == ["Nov", "2026", "Dec", "?"], labels  # "?" fits a bar; the table says "undated"
    assert "<td>undated</td>" in svg and "<title>undated: 4 success</title>" in svg
    assert "4 runs without a valid date" in svg and "6 runs in 2 months, from Nov 2026 to Dec 2026" in svg
