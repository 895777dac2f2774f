"""Badges: SVG files served with the site and shields.io endpoint JSON.

SVGs come from anybadge (it measures text widths and XML-escapes labels, the hard part
of a hand-written badge). anybadge numbers SVG mask ids from a process-global counter,
so the counter is reset before every badge: the same input always gives the same bytes,
which keeps site diffs and caches quiet and lets equal badges share one rendering.
Endpoint JSON carries only the keys shields.io accepts (it rejects unknown keys), so
private sites can still use the SVGs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

# state / status -> (shields named colour, hex used in the SVG)
COLORS: dict[str, tuple[str, str]] = {
    "planned": ("lightgrey", "#9f9f9f"),
    "in-progress": ("blue", "#007ec6"),
    "complete": ("brightgreen", "#44cc11"),
    "success": ("brightgreen", "#44cc11"),
    "partial": ("orange", "#fe7d37"),
    "triggered": ("red", "#e05d44"),
    "rolled-back": ("red", "#e05d44"),
    "aborted": ("inactive", "#9f9f9f"),
    "broken": ("critical", "#e05d44"),
    "none": ("lightgrey", "#9f9f9f"),
}
ENDPOINT_KEYS = frozenset(
    {
        "schemaVersion",
        "label",
        "message",
        "color",
        "labelColor",
        "isError",
        "namedLogo",
        "logoSvg",
        "logoColor",
        "logoWidth",
        "style",
        "cacheSeconds",
    }
)


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    message: str
    state: str  # a key of COLORS

    @property
    def color(self) -> tuple[str, str]:
        return COLORS.get(self.state, COLORS["none"])

    def svg(self) -> str:
        """Byte-stable SVG text for this badge."""
        return _svg(self.label or " ", self.message or " ", self.color[1])

    def endpoint(self) -> dict[str, object]:
        """shields.io endpoint JSON (schemaVersion 1), documented keys only."""
        return {
            "schemaVersion": 1,
            "label": self.label,
            "message": self.message or "none",
            "color": self.color[0],
            "isError": self.state in {"broken", "triggered"},
            "cacheSeconds": 300,
        }

    def endpoint_json(self) -> str:
        return json.dumps(self.endpoint(), sort_keys=True) + "\n"


@lru_cache(maxsize=4096)
def _svg(label: str, message: str, color: str) -> str:
    """One anybadge rendering per distinct badge: 10,000 runs show a few hundred distinct
    ones (percentages × states), and anybadge takes ~2 ms a badge."""
    import anybadge

    anybadge.Badge.mask_id = 0
    return anybadge.Badge(label, message, default_color=color).badge_svg_text


def run_badge(percent: float, state: str, status: str = "") -> Badge:
    """A run's progress, coloured by its derived state (triggered runs are red)."""
    if state == "broken":
        return Badge("run", "broken", "broken")
    pct = f"{percent:.0f}%"
    if status in {"rolled-back", "aborted"}:
        return Badge("run", f"{status} {pct}", status)
    return Badge("run", pct, state)


def runbook_badge(outcome: str | None) -> Badge:
    """A runbook's latest run outcome (its front matter status), or "no runs"."""
    if not outcome:
        return Badge("last run", "no runs", "none")
    return Badge("last run", outcome, outcome if outcome in COLORS else "none")
