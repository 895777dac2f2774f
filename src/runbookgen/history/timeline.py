"""Timing of one run, derived from its events: what a run page shows beside the checklist.

Per section, the first and last tick against the section's time estimate; per wait step
("Monitor for 10 minutes"), the time between the steps around it; the sign-offs. Times
are commit author dates: what the committer's clock said, not proof (see ``signoffs.py``
for what can be relied on).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from runbookgen.history.events import STATE_KINDS, RunHistory, TickEvent
from runbookgen.history.signoffs import SignOff, signoff_states

if TYPE_CHECKING:
    from runbookgen.model import Estimate, Item, Runbook, Section
    from runbookgen.records.record import RunRecord

_WAIT = re.compile(
    r"\bfor\s+(?:at\s+least\s+)?(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h|m)\b",
    re.I,
)


@dataclass(slots=True)
class SectionTiming:
    """First and last tick in a stage or section, against its time estimate."""

    id: str
    title: str
    depth: int
    first: datetime | None
    last: datetime | None
    estimate: Estimate | None

    @property
    def duration(self) -> timedelta | None:
        if self.first is None or self.last is None:
            return None
        return self.last - self.first

    @property
    def over(self) -> bool:
        """Took longer than the estimate's upper bound."""
        d = self.duration
        return bool(self.estimate and d is not None and d > timedelta(minutes=self.estimate.max))

    def to_dict(self) -> dict[str, Any]:
        d = self.duration
        return {
            "id": self.id,
            "title": self.title,
            "depth": self.depth,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "minutes": round(d.total_seconds() / 60, 1) if d is not None else None,
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "over": self.over,
        }


@dataclass(slots=True)
class WaitCheck:
    """A wait step ("Monitor for 10 minutes"): how long passed between the step before it
    and the step after it, flagged ``short`` when less than the wait."""

    item: str
    text: str
    minutes: float
    start: TickEvent | None  # the step before the wait (or the wait itself when first)
    end: TickEvent | None  # the next step after the wait

    @property
    def waited(self) -> timedelta | None:
        if self.start is None or self.end is None:
            return None
        return self.end.time - self.start.time

    @property
    def short(self) -> bool:
        w = self.waited
        return w is not None and w < timedelta(minutes=self.minutes)

    def to_dict(self) -> dict[str, Any]:
        w = self.waited
        return {
            "item": self.item,
            "text": self.text,
            "minutes": self.minutes,
            "start_item": self.start.item if self.start else None,
            "end_item": self.end.item if self.end else None,
            "waited_minutes": round(w.total_seconds() / 60, 1) if w is not None else None,
            "short": self.short,
        }


@dataclass(slots=True)
class Timeline:
    """What a run page shows next to the checklist: per item, per section, waits, sign-offs."""

    path: str
    available: bool
    reason: str | None
    items: dict[str, TickEvent]  # latest state change per item (who ticked it)
    sections: list[SectionTiming]
    waits: list[WaitCheck]
    signoffs: list[SignOff]
    start: datetime | None
    end: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "available": self.available,
            "reason": self.reason,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "items": {k: v.to_dict() for k, v in self.items.items()},
            "sections": [s.to_dict() for s in self.sections],
            "waits": [w.to_dict() for w in self.waits],
            "signoffs": [s.to_dict() for s in self.signoffs],
        }


@functools.lru_cache(maxsize=4096)
def wait_minutes(text: str) -> float | None:
    """``Monitor for 10 minutes`` → 10; ``Monitor for 1 hour`` → 60; None when not a wait.
    (Cached: a site asks for every item of every run, and runs share their texts.)"""
    m = _WAIT.search(text)
    if not m:
        return None
    n = float(m.group("n"))
    return n * 60 if m.group("unit").lower().startswith("h") else n


def timeline(record: RunRecord, history: RunHistory) -> Timeline:
    """Derived timing of one run: the data a run page needs, from its events and model.

    One pass over the events and two over the sections (a site computes this for every
    run, so no section's items are walked once per enclosing section)."""
    model = record.model
    latest: dict[str, TickEvent] = {}
    spans: dict[str, tuple[datetime, datetime]] = {}  # item -> first, last tick or skip
    start = end = None
    for ev in history.events:
        if not ev.item:
            continue
        t = ev.commit.time
        if start is None or t < start:
            start = t
        if end is None or t > end:
            end = t
        kind = ev.kind
        if kind in STATE_KINDS and history.available:
            latest[ev.item] = ev
        if kind == "ticked" or kind == "skipped":
            span = spans.get(ev.item)
            spans[ev.item] = (t, t) if span is None else (min(span[0], t), max(span[1], t))
    # pre-order, with depth and each section's own items (nested items included)
    order: list[tuple[Section, int, list[Item]]] = []
    stack = [(s, 0) for s in reversed(model.stages)]
    while stack:
        sec, depth = stack.pop()
        order.append((sec, depth, list(sec.own_items())))
        stack.extend((sub, depth + 1) for sub in reversed(sec.sections))
    agg: dict[int, tuple[int, datetime | None, datetime | None]] = {}
    for sec, _, own in reversed(order):  # sub-sections before their parent
        n, lo, hi = len(own), None, None
        for item in own:
            span = spans.get(item.id)
            if span is not None:
                lo = span[0] if lo is None or span[0] < lo else lo
                hi = span[1] if hi is None or span[1] > hi else hi
        for sub in sec.sections:
            sn, slo, shi = agg[id(sub)]
            n += sn
            if slo is not None and (lo is None or slo < lo):
                lo = slo
            if shi is not None and (hi is None or shi > hi):
                hi = shi
        agg[id(sec)] = (n, lo, hi)
    estimates = _template_estimates(record.template)
    sections = []
    for sec, depth, _ in order:
        n, lo, hi = agg[id(sec)]
        if n:
            sections.append(
                SectionTiming(sec.id, sec.title, depth, lo, hi, sec.estimate or estimates.get(sec.id))
            )
    owned = [(sec, own) for sec, _, own in order]
    return Timeline(
        record.relpath,
        history.available,
        history.reason,
        latest,
        sections,
        _waits(owned, latest),
        signoff_states(owned, history),
        start,
        end,
    )


_ESTIMATES: dict[int, tuple[Runbook, dict[str, Estimate]]] = {}


def _template_estimates(template: Runbook | None) -> dict[str, Estimate]:
    """Section id → the template's estimate (a run record's own heading may have lost it);
    kept per template object, which every run of that template shares."""
    if template is None:
        return {}
    hit = _ESTIMATES.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    first: dict[str, Estimate | None] = {}
    for s in template.sections():
        first.setdefault(s.id, s.estimate)  # the first section of an id, as the parser's ids
    found = {k: v for k, v in first.items() if v is not None}
    if len(_ESTIMATES) > 16:
        _ESTIMATES.clear()
    _ESTIMATES[id(template)] = (template, found)
    return found


def _waits(owned: list[tuple[Section, list[Item]]], latest: dict[str, TickEvent]) -> list[WaitCheck]:
    """Wait steps and the ticks around them. The wait runs from the step before it to the
    step after it (siblings in document order), so it is right whether people tick the
    wait when it starts or when it ends."""
    out = []
    for sec, own in owned:
        siblings_lists = [sec.items] + [i.children for i in own if i.children]
        for siblings in siblings_lists:
            for k, item in enumerate(siblings):
                minutes = wait_minutes(item.text)
                if minutes is None:
                    continue
                before = _done_event(siblings[k - 1], latest) if k > 0 else None
                if before is None:
                    before = _done_event(item, latest)
                after = _done_event(siblings[k + 1], latest) if k + 1 < len(siblings) else None
                out.append(WaitCheck(item.id, item.text, minutes, before, after))
    return out


def _done_event(item: Item, latest: dict[str, TickEvent]) -> TickEvent | None:
    ev = latest.get(item.id)
    return ev if ev is not None and ev.kind == "ticked" else None
