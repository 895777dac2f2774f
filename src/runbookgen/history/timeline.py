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
    """First and last tick (or skip) in a stage or section, against its time estimate.

    Times come from commits, so a duration is only *measured* when the ticks span more than
    one commit (``basis="ticks"``: first to last tick), or, when the section was ticked in
    one commit, from the last tick of the section before it at the same level in a
    different commit (``basis="previous"``, ``since``/``since_title`` say which). Otherwise
    ``together`` is true: ticked together in one commit, duration unknown — never "0 min".
    """

    id: str
    title: str
    depth: int
    first: datetime | None
    last: datetime | None
    estimate: Estimate | None
    basis: str | None = None  # "ticks", "previous", or None: not measured
    since: datetime | None = None  # the start of a "previous"-based duration
    since_title: str | None = None

    @property
    def duration(self) -> timedelta | None:
        """The measured duration; None when not measured (see :attr:`together`)."""
        if self.last is None:
            return None
        if self.basis == "ticks" and self.first is not None:
            return self.last - self.first
        if self.basis == "previous" and self.since is not None:
            return self.last - self.since
        return None

    @property
    def together(self) -> bool:
        """Ticked, but all in one commit: how long it took is not known."""
        return self.last is not None and self.basis is None

    @property
    def over(self) -> bool:
        """Took longer than the estimate's upper bound (measured durations only)."""
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
            "measured": self.basis,
            "since": self.since.isoformat() if self.since else None,
            "since_title": self.since_title,
            "together": self.together,
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "over": self.over,
        }


@dataclass(slots=True)
class Span:
    """The run's deployment duration: first to last tick in the stages named by ``what``
    (the during-deployment stages), measured only when those ticks span several commits."""

    what: str
    first: datetime | None
    last: datetime | None
    measured: bool

    @property
    def duration(self) -> timedelta | None:
        if not self.measured or self.first is None or self.last is None:
            return None
        return self.last - self.first

    @property
    def minutes(self) -> float | None:
        d = self.duration
        return d.total_seconds() / 60 if d is not None else None

    @property
    def together(self) -> bool:
        return self.last is not None and not self.measured

    def to_dict(self) -> dict[str, Any]:
        m = self.minutes
        return {
            "what": self.what,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "minutes": round(m, 1) if m is not None else None,
            "together": self.together,
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
    start: datetime | None  # first and last tick of the whole run (any stage)
    end: datetime | None
    deployment: Span | None = None  # the run's duration: its during-deployment stages

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "available": self.available,
            "reason": self.reason,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "deployment": self.deployment.to_dict() if self.deployment else None,
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


# an instant with the commit that recorded it: two ticks are "measured" apart only when
# they come from different commits
_At = tuple[datetime, str]
_DURING = re.compile(r"\bduring\b", re.I)


def timeline(record: RunRecord, history: RunHistory) -> Timeline:
    """Derived timing of one run: the data a run page needs, from its events and model.

    One pass over the events and two over the sections (a site computes this for every
    run, so no section's items are walked once per enclosing section)."""
    model = record.model
    latest: dict[str, TickEvent] = {}
    spans: dict[str, tuple[_At, _At]] = {}  # item -> first, last tick or skip
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
            at = (t, ev.commit.sha)
            span = spans.get(ev.item)
            spans[ev.item] = (at, at) if span is None else (min(span[0], at), max(span[1], at))
    # pre-order, with depth and each section's own items (nested items included)
    order: list[tuple[Section, int, list[Item]]] = []
    stack = [(s, 0) for s in reversed(model.stages)]
    while stack:
        sec, depth = stack.pop()
        own: list[Item] = []
        for item in sec.items:  # = sec.own_items(), without a generator per item
            if item.children:
                own.extend(item.walk())
            else:
                own.append(item)
        order.append((sec, depth, own))
        stack.extend((sub, depth + 1) for sub in reversed(sec.sections))
    agg: dict[int, tuple[int, _At | None, _At | None]] = {}
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
    timings: dict[int, SectionTiming] = {}
    for sec, depth, _ in order:
        n, lo, hi = agg[id(sec)]
        if n:
            timings[id(sec)] = SectionTiming(
                sec.id,
                sec.title,
                depth,
                lo[0] if lo else None,
                hi[0] if hi else None,
                sec.estimate or estimates.get(sec.id),
                "ticks" if lo is not None and hi is not None and lo[1] != hi[1] else None,
            )
    _from_previous(model.stages, agg, timings)
    owned = [(sec, own) for sec, _, own in order]
    return Timeline(
        record.relpath,
        history.available,
        history.reason,
        latest,
        [timings[id(sec)] for sec, _, _ in order if id(sec) in timings],
        _waits(owned, latest),
        signoff_states(owned, history),
        start,
        end,
        _deployment(model, agg),
    )


def _from_previous(
    stages: list[Section],
    agg: dict[int, tuple[int, _At | None, _At | None]],
    timings: dict[int, SectionTiming],
) -> None:
    """A section ticked in one commit is measured from the last tick of the section before
    it (same parent, the nearest one with ticks) when that tick is in another commit."""
    stack = [stages]
    while stack:
        siblings = stack.pop()
        before: tuple[_At, str] | None = None  # the last tick so far, and whose it was
        for sec in siblings:
            hi = agg[id(sec)][2]
            t = timings.get(id(sec))
            if t is not None and t.basis is None and hi is not None and before is not None:
                (since, sha), title = before
                if sha != hi[1] and since <= hi[0]:
                    t.basis, t.since, t.since_title = "previous", since, title
            if hi is not None:
                before = (hi, sec.title)
            if sec.sections:
                stack.append(sec.sections)


def _deployment(model: Runbook, agg: dict[int, tuple[int, _At | None, _At | None]]) -> Span:
    """First to last tick over the during-deployment stages: those titled "During …" (or
    with a "(during …)" hint); else the stages holding sections with time estimates; else
    the whole run. The day-before checks are not part of how long a deployment took."""
    stages = [s for s in model.stages if _DURING.search(s.title) or _DURING.search(s.timing or "")]
    if not stages:
        stages = [s for s in model.stages if any(x.estimate is not None for x in s.walk())]
    what = ", ".join(s.title for s in stages) if stages else "the whole run"
    lo = hi = None
    for s in stages or model.stages:
        _, slo, shi = agg[id(s)]
        if slo is not None and (lo is None or slo < lo):
            lo = slo
        if shi is not None and (hi is None or shi > hi):
            hi = shi
    measured = lo is not None and hi is not None and lo[1] != hi[1]
    return Span(what, lo[0] if lo else None, hi[0] if hi else None, measured)


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
