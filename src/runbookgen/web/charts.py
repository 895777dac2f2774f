"""Charts as inline SVG: drawn at build time, readable without script or a chart library.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``, with a
``<title>`` on every mark, and sits next to a table holding the same numbers. Colours
come from CSS classes (``rbg-c-<state>``, ``rbg-band`` …) so the stylesheet adapts them
to light and dark schemes; presentation attributes give readable defaults without it.
Charts are excluded from the search index (``data-search-exclude`` on their figure).
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from runbookgen.history import SectionTiming, WaitCheck
from runbookgen.records.schema import is_iso_date
from runbookgen.web.entries import RunEntry
from runbookgen.web.formats import STATUS_LABELS, fmt_estimate, fmt_minutes, plural
from runbookgen.web.safehtml import plain, text

CHART_STATES = ("success", "partial", "rolled-back", "aborted", "in-progress", "planned", "broken")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Fallback colours (SVG presentation attributes; the stylesheet's classes win).
FALLBACK = {"band": "#c8e6c9", "span": "#1565c0", "over": "#c62828", "point": "#1565c0"}


def _figure(svg: str, caption: str = "") -> Markup:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return Markup(f'<figure class="rbg-figure" data-search-exclude tabindex="0">\n{svg}\n{cap}</figure>\n')


def _open(width: float, height: float, ident: str, title: str, desc: str) -> str:
    return (
        f'<svg class="rbg-chart" role="img" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" aria-labelledby="{ident}-t {ident}-d" font-family="sans-serif" '
        f'font-size="11"><title id="{ident}-t">{text(title)}</title><desc id="{ident}-d">{text(desc)}</desc>'
    )


# ---------------------------------------------------------------------------- outcomes per month
#: the outcome chart's one bar for runs whose date is not ``YYYY-MM-DD``
UNDATED = "undated"


def outcome_chart(runs: Iterable[RunEntry], months: int = 24, ident: str = "rbg-outcomes") -> Markup:
    """Runs per month stacked by outcome (the last ``months`` months with runs), with the
    counts as a table in a ``<details>`` below."""
    per: dict[str, Counter[str]] = {}
    for r in runs:
        # a date that is not YYYY-MM-DD (a broken run's, from a pull request) is no month
        month = r.date[:7] if is_iso_date(r.date) else UNDATED
        key = "broken" if r.broken else (r.status if r.status in CHART_STATES else "planned")
        per.setdefault(month, Counter())[key] += 1
    keys = sorted(k for k in per if k != UNDATED)[-months:] + ([UNDATED] if UNDATED in per else [])
    if not keys:
        return Markup("")
    peak = max(sum(per[k].values()) for k in keys) or 1
    bar_w, gap, height, left, top = 20, 6, 150, 28, 10
    width = left + len(keys) * (bar_w + gap) + gap
    total = sum(sum(per[k].values()) for k in keys)
    parts = [
        _open(
            width,
            top + height + 46,
            ident,
            "Runs per month by outcome",
            _outcome_desc(keys, total, per),
        )
    ]
    base = top + height
    for frac in (0.5, 1.0):  # gridlines with their counts
        y = base - frac * height
        parts.append(
            f'<line class="rbg-axis" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{peak * frac:g}</text>'
        )
    year = ""
    for n, month in enumerate(keys):
        x = left + gap + n * (bar_w + gap)
        y = float(base)
        for state in CHART_STATES:
            count = per[month][state]
            if not count:
                continue
            h = count * height / peak
            y -= h
            parts.append(
                f'<rect class="rbg-c-{state}" x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}">'
                f"<title>{text(month)}: {count} {text(STATUS_LABELS.get(state, state))}</title></rect>"
            )
        label, this_year = _month_label(month) if month != UNDATED else ("?", "")  # fits a bar
        parts.append(f'<text x="{x + bar_w / 2}" y="{base + 15}" text-anchor="middle">{text(label)}</text>')
        if this_year and this_year != year:  # the year under the first month and each January
            year = this_year
            parts.append(
                f'<text x="{x + bar_w / 2}" y="{base + 30}" text-anchor="middle">{text(this_year)}</text>'
            )
    parts.append("</svg>")
    legend = " ".join(
        f'<span class="rbg-legend rbg-c-{s}">{text(STATUS_LABELS.get(s, s))}</span>' for s in CHART_STATES
    )
    used = [s for s in CHART_STATES if any(per[k][s] for k in keys)]
    rows = "\n".join(
        f"<tr><td>{text(k)}</td> "
        + " ".join(f"<td>{per[k][s]}</td>" for s in used)
        + f" <td>{sum(per[k].values())}</td></tr>"
        for k in keys
    )
    heads = " ".join(f'<th scope="col">{text(STATUS_LABELS.get(s, s))}</th>' for s in used)
    table = (
        '<details class="rbg-data" data-search-exclude><summary>The counts as a table</summary>\n'
        '<div class="md-typeset__scrollwrap" tabindex="0"><div class="md-typeset__table">'
        '<table class="rbg-table">'
        f'<thead><tr><th scope="col">Month</th> {heads} <th scope="col">Runs</th></tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table></div></div></details>"
    )
    return _figure("".join(parts), legend) + Markup(table + "\n")


def _outcome_desc(keys: list[str], total: int, per: dict[str, Counter[str]]) -> str:
    dated = [k for k in keys if k != UNDATED]
    span = (
        f" in {plural(len(dated), 'month')}, from {' '.join(_month_label(dated[0]))} to "
        f"{' '.join(_month_label(dated[-1]))}"
        if dated
        else ""
    )
    undated = f" ({plural(sum(per[UNDATED].values()), 'run')} without a valid date)" if UNDATED in per else ""
    return f"{plural(total, 'run')}{span}{undated}; the table below the chart lists the counts."


def _month_label(month: str) -> tuple[str, str]:
    """``2026-12`` → (``Dec``, ``2026``); anything else is shown as it is."""
    y, _, m = month.partition("-")
    if len(y) == 4 and m.isdigit() and 1 <= int(m) <= 12:
        return MONTHS[int(m) - 1], y
    return month, ""


# ---------------------------------------------------------------------------- run timeline
@dataclass(frozen=True)
class _Row:
    sec: SectionTiming
    start: datetime  # where the bar starts (first tick, or the previous section's last)
    end: datetime


def timeline_chart(
    sections: Sequence[SectionTiming], waits: Sequence[WaitCheck], ident: str = "rbg-tl"
) -> Markup:
    """Each stage and section (two levels) as a bar from its first to its last tick, on a
    clock axis, against its estimate band (where it should have ended); over-runs in red
    and marked, waits cut short marked on their row. Sections ticked in one commit are a
    dot: their duration is not known."""
    rows = [r for r in (_row(s) for s in sections if s.depth <= 1) if r is not None]
    if not rows:
        return Markup("")
    t0 = min(r.start for r in rows)
    ends = [r.end for r in rows]
    ends += [r.start + timedelta(minutes=r.sec.estimate.max) for r in rows if r.sec.estimate]
    t1 = max(ends)
    if t1 - t0 < timedelta(minutes=1):
        t1 = t0 + timedelta(minutes=1)
    label_w, plot_w, row_h, top = 190, 400, 22, 6
    width = label_w + plot_w + 40
    height = top + len(rows) * row_h + 34
    span = (t1 - t0).total_seconds()

    def x(t: datetime) -> float:
        return label_w + (t - t0).total_seconds() / span * plot_w

    over = [r for r in rows if r.sec.over]
    together = [r for r in rows if r.sec.together]
    desc = (
        f"{len(rows)} stages and sections from {_clock(t0)} to {_clock(max(r.end for r in rows))} UTC"
        + (f"; over the estimate: {', '.join(plain(r.sec.title) for r in over)}" if over else "")
        + (f"; ticked together in one commit: {len(together)}" if together else "")
        + ". The table below lists the same times."
    )
    parts = [_open(width, height, ident, "Timeline of stages and sections against their estimates", desc)]
    bottom = top + len(rows) * row_h
    for tick in _clock_ticks(t0, t1):
        tx = x(tick)
        parts.append(
            f'<line class="rbg-axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{bottom}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{bottom + 14}" text-anchor="middle">{_clock(tick, t0, t1)}</text>'
        )
    parts.append(f'<text x="{label_w + plot_w}" y="{bottom + 28}" text-anchor="end">time (UTC)</text>')
    # each wait cut short, on the row of the deepest charted section holding it (found once
    # per wait, not once per row: a run page has ~50 rows)
    marks: dict[int, list[WaitCheck]] = {}
    for w in waits:
        if w.short and w.end is not None:
            owner = _owner(w.item, rows)
            if owner is not None:
                marks.setdefault(id(owner), []).append(w)
    span_fill, over_fill = FALLBACK["span"], FALLBACK["over"]
    for n, r in enumerate(rows):
        y = top + n * row_h
        sec = r.sec
        shown, label = _row_label(sec.title, sec.depth, y)
        parts.append(label)
        est = sec.estimate
        if est is not None:
            bx = x(r.start + timedelta(minutes=est.min))
            bw = max(x(r.start + timedelta(minutes=est.max)) - bx, 2.0)
            parts.append(
                f'<rect class="rbg-band" x="{bx:.1f}" y="{y + 3}" width="{bw:.1f}" height="{row_h - 6}" '
                f'fill="{FALLBACK["band"]}"><title>{shown}: expected to end '
                f"{fmt_estimate(est.min, est.max)} after it started</title></rect>"
            )
        what = text(_took(sec))
        if sec.together:
            parts.append(
                f'<circle class="rbg-span" cx="{x(r.end):.1f}" cy="{y + row_h / 2}" r="4" fill="{span_fill}">'
                f"<title>{shown}: {what}</title></circle>"
            )
        else:
            sx = x(r.start)
            sw = max(x(r.end) - sx, 2.0)
            late = sec.over
            parts.append(
                f'<rect class="{"rbg-span rbg-span-over" if late else "rbg-span"}" x="{sx:.1f}" '
                f'y="{y + 7}" width="{sw:.1f}" height="{row_h - 14}" '
                f'fill="{over_fill if late else span_fill}"><title>{shown}: {what}</title></rect>'
            )
            if late:
                parts.append(f'<text class="rbg-mark-text" x="{sx + sw + 4:.1f}" y="{y + 15}">over</text>')
        for w in marks.get(id(r), ()):
            if w.end is not None:
                wx = x(w.end.time)
                waited = w.waited.total_seconds() / 60 if w.waited is not None else 0
                parts.append(
                    f'<path class="rbg-mark" d="M{wx:.1f},{y + 2} l5,-0 l-5,8 l-5,-8 z" '
                    f'fill="{over_fill}"><title>{text(plain(w.text))}: cut short, the next '
                    f"step came {fmt_minutes(waited)} after, the wait is {fmt_minutes(w.minutes)}"
                    "</title></path>"
                )
    parts.append("</svg>")
    legend = (
        '<span class="rbg-caption">Bars: first to last tick. Shaded: when the estimate says it '
        "should end. Red: over the estimate. Dot: ticked in one commit (duration unknown). "
        "Triangle: a wait cut short.</span>"
    )
    return _figure("".join(parts), legend)


def _row(sec: SectionTiming) -> _Row | None:
    if sec.last is None:
        return None
    if sec.basis == "previous" and sec.since is not None:
        return _Row(sec, sec.since, sec.last)
    if sec.basis == "ticks" and sec.first is not None:
        return _Row(sec, sec.first, sec.last)
    return _Row(sec, sec.last, sec.last)  # together: one instant


@functools.lru_cache(maxsize=4096)
def _row_label(title: str, depth: int, y: int) -> tuple[str, str]:
    """A row's title, escaped (for the row's marks), and its label at ``y``: the same on
    every run page of a runbook, so made once."""
    indent = 12 if depth else 0
    words = plain(title)
    label = words if len(words) <= 29 - indent // 6 else words[: 27 - indent // 6] + "…"
    shown = text(words)
    return shown, f'<text x="{4 + indent}" y="{y + 15}"><title>{shown}</title>{text(label)}</text>'


def _owner(item_id: str, rows: Sequence[_Row]) -> _Row | None:
    """The deepest charted section holding an item (ids are paths: ``stage/section/item``)."""
    best = None
    for r in rows:
        if item_id.startswith(r.sec.id + "/") and (best is None or len(r.sec.id) > len(best.sec.id)):
            best = r
    return best


def _took(sec: SectionTiming) -> str:
    d = sec.duration
    est = f"; estimate {fmt_estimate(sec.estimate.min, sec.estimate.max)}" if sec.estimate else ""
    if d is None:
        return f"ticked together in one commit at {_clock(sec.last)} UTC{est}" if sec.last else "no ticks"
    start = sec.since if sec.basis == "previous" and sec.since else sec.first
    took = f"{_clock(start)}–{_clock(sec.last)} UTC, {fmt_minutes(d.total_seconds() / 60)}" if start else ""
    return took + est + ("; over the estimate" if sec.over else "")


@functools.lru_cache(maxsize=8192)
def _clock(t: datetime | None, t0: datetime | None = None, t1: datetime | None = None) -> str:
    """``09:30``, with the day when the axis spans more than one (``Dec 1 09:30``: a month
    name, never ``12-01``). (Cached: a run's chart repeats a few commit times.)"""
    if t is None:
        return ""
    u = t.astimezone(UTC)
    hm = f"{u.hour:02d}:{u.minute:02d}"  # = %H:%M, without strftime (~100 times a run page)
    if t0 is not None and t1 is not None and t0.astimezone(UTC).date() != t1.astimezone(UTC).date():
        return f"{MONTHS[u.month - 1]} {u.day} {hm}"
    return hm


STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)


def _clock_ticks(t0: datetime, t1: datetime, most: int = 6) -> list[datetime]:
    """Round clock times between ``t0`` and ``t1``, at most ``most`` of them."""
    minutes = (t1 - t0).total_seconds() / 60
    step = next((s for s in STEPS if minutes / s <= most), STEPS[-1])
    first = t0.replace(second=0, microsecond=0)
    since_midnight = first.hour * 60 + first.minute
    first += timedelta(minutes=(-since_midnight) % step)
    out: list[datetime] = []
    t = first
    while t <= t1 and len(out) <= most:
        if t >= t0:
            out.append(t)
        t += timedelta(minutes=step)
    return out


# ---------------------------------------------------------------------------- phases across runs
@dataclass(frozen=True)
class PhaseSeries:
    """One phase's measured durations (minutes) in finished runs, with its estimate."""

    id: str
    title: str
    lo: int
    hi: int
    values: tuple[float, ...]


def phase_chart(series: Sequence[PhaseSeries], ident: str = "rbg-phases") -> Markup:
    """Per phase: every finished run's measured duration as a dot, the middle half of them
    as a box with the median, against the estimate band; dots over the estimate in red."""
    measured = [s for s in series if s.values]
    if not measured:
        return Markup("")
    top_value = max(max(max(s.values), s.hi) for s in measured)
    scale = _nice(top_value * 1.05)
    label_w, plot_w, row_h, top = 190, 420, 30, 6
    width = label_w + plot_w + 30
    height = top + len(measured) * row_h + 34
    runs = max(len(s.values) for s in measured)

    def x(m: float) -> float:
        return label_w + m / scale * plot_w

    desc = (
        f"Measured durations of {plural(len(measured), 'phase')} in up to "
        f"{plural(runs, 'finished run')}, against "
        "their estimates; the table lists each phase's median."
    )
    parts = [_open(width, height, ident, "Phase durations across runs against their estimates", desc)]
    bottom = top + len(measured) * row_h
    for tick in _minute_ticks(scale):
        tx = x(tick)
        parts.append(
            f'<line class="rbg-axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{bottom}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{bottom + 14}" text-anchor="middle">'
            f"{fmt_minutes(tick) if tick else '0'}</text>"  # the axis starts at 0, no "0 min"
        )
    parts.append(f'<text x="{label_w + plot_w}" y="{bottom + 28}" text-anchor="end">duration</text>')
    for n, s in enumerate(measured):
        y = top + n * row_h
        mid = y + row_h / 2
        title = plain(s.title)
        label = title if len(title) <= 29 else title[:27] + "…"
        parts.append(f'<text x="4" y="{mid + 4}"><title>{text(title)}</title>{text(label)}</text>')
        parts.append(
            f'<rect class="rbg-band" x="{x(s.lo):.1f}" y="{y + 3}" width="{max(x(s.hi) - x(s.lo), 2):.1f}" '
            f'height="{row_h - 6}" fill="{FALLBACK["band"]}"><title>{text(title)}: estimate '
            f"{fmt_estimate(s.lo, s.hi)}</title></rect>"
        )
        vals = sorted(s.values)
        med = statistics.median(vals)
        if len(vals) >= 4:
            q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
            parts.append(
                f'<rect class="rbg-box" x="{x(q1):.1f}" y="{y + 6}" width="{max(x(q3) - x(q1), 1):.1f}" '
                f'height="{row_h - 12}" fill="none" stroke="currentColor"><title>{text(title)}: middle half '
                f"of the runs took {fmt_minutes(q1)} to {fmt_minutes(q3)}</title></rect>"
            )
        parts.append(
            f'<line class="rbg-box" x1="{x(med):.1f}" x2="{x(med):.1f}" y1="{y + 4}" y2="{y + row_h - 4}" '
            f'stroke="currentColor" stroke-width="2"><title>{text(title)}: median {fmt_minutes(med)} '
            f"of {len(vals)} run{'s' if len(vals) != 1 else ''}</title></line>"
        )
        for i, v in enumerate(vals):
            dy = ((i * 7) % 5 - 2) * 2.2  # a fixed spread, so equal values stay visible
            over = v > s.hi
            parts.append(
                f'<circle class="{"rbg-mark" if over else "rbg-point"}" cx="{x(v):.1f}" cy="{mid + dy:.1f}" '
                f'r="3" fill="{FALLBACK["over" if over else "point"]}"><title>{fmt_minutes(v)}'
                f"{' (over the estimate)' if over else ''}</title></circle>"
            )
    parts.append("</svg>")
    legend = (
        '<span class="rbg-caption">Dots: one finished run each (red: over the estimate). Box: the '
        "middle half of the runs, line: the median. Shaded: the estimate.</span>"
    )
    return _figure("".join(parts), legend)


def _nice(value: float) -> float:
    """A round axis end at or above ``value`` minutes."""
    for step in (5, 10, 15, 30, 60, 120, 240, 480, 1440):
        if value <= step * 6:
            return max(step, -(-value // step) * step)
    return -(-value // 1440) * 1440


def _minute_ticks(scale: float) -> list[float]:
    step = next((s for s in STEPS if scale / s <= 6), STEPS[-1])
    return [float(t) for t in range(0, int(scale) + 1, step)]
