"""How the site writes times, durations, counts and states: one format for each, everywhere."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from runbookgen.history.stats import Stats
from runbookgen.web.safehtml import text

STATUS_LABELS = {
    "planned": "planned",
    "in-progress": "in progress",
    "success": "success",
    "partial": "partial",
    "rolled-back": "rolled back",
    "aborted": "aborted",
}
KIND_LABELS = {
    "tasks": ("Tasks", "work to do; counts towards progress"),
    "triggers": ("Rollback criteria", "tick only if the condition happened; a tick flags the run"),
    "conditional": ("Conditional", "only counts once the run is rolling back"),
    "sign-off": ("Sign-off", "names and dates of the people who approve"),
    "reference": ("Reference", "information, no boxes"),
}


def fmt_time(dt: datetime) -> str:
    """A commit time as the site shows it: in UTC, to the minute (one zone for everyone
    who ticked, so the timeline reads in order)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@functools.lru_cache(maxsize=4096)
def time_html(dt: datetime) -> str:
    """``<time>`` for a commit time (cached: a run's timeline repeats a few commit times)."""
    return f'<time datetime="{text(dt.isoformat())}">{text(fmt_time(dt))}</time>'


def fmt_minutes(minutes: float) -> str:
    """THE duration format of the site: ``25 min``, ``1 h``, ``1 h 10 min``, ``18 h 30 min``
    (whole minutes: commit times are to the second, ticks not); a measured duration under
    half a minute is ``under 1 min``, never ``0 min``."""
    m = round(minutes)
    if m < 1:
        return "under 1 min"
    if m < 60:
        return f"{m} min"
    h, rest = divmod(m, 60)
    return f"{h} h {rest} min" if rest else f"{h} h"


def fmt_estimate(lo: int, hi: int) -> str:
    """An estimate in the same units as :func:`fmt_minutes`: ``10–15 min``, ``1 h``,
    ``45 min – 1 h 30 min`` (never ``90–120 min`` beside ``1 h 30 min``)."""
    if lo == hi:
        return fmt_minutes(lo) if lo else "0 min"
    if hi < 60:
        return f"{lo}–{hi} min"
    return f"{fmt_minutes(lo)} – {fmt_minutes(hi)}" if lo else f"up to {fmt_minutes(hi)}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 run``, ``2 runs``, ``0 runs`` (``words`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status) or "no status"


def success_text(st: Stats) -> str:
    """A runbook's success rate in words."""
    if st.success_rate is None:
        return "no finished runs"
    return f"{st.success_rate * 100:.0f}% ({st.outcomes.get('success', 0)} of {st.finished} finished)"


def median_text(st: Stats) -> str:
    """A runbook's median run duration in words."""
    if st.median_minutes is None:
        return "unknown (no finished run with history)"
    return f"{fmt_minutes(st.median_minutes)} (median of {plural(st.timed_runs, 'finished run')})"
