"""Charts as inline SVG: drawn at build time, readable without script or a chart library.

Each chart is an ``<svg role="img">`` with a text alternative; colours come from CSS
classes (``rbg-c-<state>``) so the stylesheet can adapt them to light and dark schemes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from markupsafe import Markup

from runbookgen.web.entries import RunEntry
from runbookgen.web.safehtml import text

CHART_STATES = ("success", "partial", "rolled-back", "aborted", "in-progress", "planned", "broken")


def outcome_chart(runs: Iterable[RunEntry], months: int = 24) -> Markup:
    """Runs per month stacked by outcome (the last ``months`` months with runs)."""
    per: dict[str, Counter[str]] = {}
    for r in runs:
        month = r.date[:7] if len(r.date) >= 7 else "unknown"
        key = "broken" if r.broken else (r.status if r.status in CHART_STATES else "planned")
        per.setdefault(month, Counter())[key] += 1
    keys = sorted(per)[-months:]
    if not keys:
        return Markup("")
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
                f'height="{h:.1f}"><title>{text(month)}: {count} {state}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{height + 14}" text-anchor="middle" '
            f'font-size="9">{text(month[2:])}</text>'
        )
    parts.append("</svg>")
    legend = "".join(f'<span class="rbg-legend rbg-c-{s}">{s}</span>' for s in CHART_STATES)
    return Markup(
        '<figure class="rbg-figure">' + "".join(parts) + f"<figcaption>{legend}</figcaption></figure>"
    )
