"""Progress of a run: what counts, what is done, what was triggered.

Counting rules (the table "What counts" in content/docs/ticking-and-skipping.md):
``tasks`` and ``sign-off`` items count; ``triggers`` never count (a tick means the
condition happened); ``conditional`` sections count only once the run is rolling back (a
trigger ticked, or status ``rolled-back``); struck-through (skipped) items leave the
total, and so do optional items ("(if needed)", "(optional)") left open — counted apart,
they never hold a stage below 100%; ticked, they count as done. Nothing here is ever
stored in a run file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runbookgen.model import Item, Runbook, Section

COUNTED_KINDS = frozenset({"tasks", "sign-off"})


@dataclass(slots=True)
class Counts:
    done: int = 0
    total: int = 0  # counted items; skipped ones and open optional ones excluded
    skipped: int = 0
    optional: int = 0  # optional items left open (not in the total)

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> float:
        """Share done; 100 when nothing is left to do (all skipped or nothing counted)."""
        return 100.0 if self.total == 0 else round(self.done * 100.0 / self.total, 1)

    def add(self, other: Counts) -> None:
        self.done += other.done
        self.total += other.total
        self.skipped += other.skipped
        self.optional += other.optional


@dataclass(slots=True)
class SectionProgress:
    """Counts for one section's own items (``own``) and its whole subtree (``tree``)."""

    section: Section
    counted: bool
    own: Counts
    tree: Counts
    depth: int
    children: list[SectionProgress] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.section.id,
            "title": self.section.title,
            "kind": self.section.kind,
            "counted": self.counted,
            "done": self.tree.done,
            "total": self.tree.total,
            "skipped": self.tree.skipped,
            "optional_open": self.tree.optional,
        }


@dataclass(slots=True)
class Progress:
    """The whole run: totals, the triggered criteria and per-section counts."""

    counts: Counts
    triggered: list[Item]
    rolling_back: bool
    stages: list[SectionProgress]

    @property
    def done(self) -> int:
        return self.counts.done

    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def skipped(self) -> int:
        return self.counts.skipped

    @property
    def percent(self) -> float:
        return self.counts.percent

    @property
    def optional(self) -> int:
        return self.counts.optional

    def sections(self) -> Iterable[SectionProgress]:
        """Every section's progress in document order."""
        stack = list(reversed(self.stages))
        while stack:
            sp = stack.pop()
            yield sp
            stack.extend(reversed(sp.children))

    @property
    def state(self) -> str:
        """A derived state for colours and badges: planned, in-progress, complete, triggered."""
        if self.triggered:
            return "triggered"
        if self.counts.total and self.counts.done == self.counts.total:
            return "complete"
        if self.counts.done == 0 and self.counts.skipped == 0:
            return "planned"
        return "in-progress"


def is_counted(section: Section, rolling_back: bool) -> bool:
    """Whether a section's items count towards progress, given the run's rollback state."""
    if section.kind in COUNTED_KINDS:
        return True
    return section.kind == "conditional" and rolling_back


def triggered_items(model: Runbook) -> list[Item]:
    """Ticked (not struck-through) items of ``triggers`` sections: conditions that happened."""
    return [item for sec, item in model.items_with_sections() if sec.kind == "triggers" and item.done]


def compute(model: Runbook, status: str | None = None) -> Progress:
    """Progress of a run's checklist; ``status`` is the run's front matter status."""
    triggered = triggered_items(model)
    rolling_back = bool(triggered) or status == "rolled-back"
    total = Counts()
    stages = [_section(s, rolling_back, 0, total) for s in model.stages]
    return Progress(counts=total, triggered=triggered, rolling_back=rolling_back, stages=stages)


def _section(sec: Section, rolling_back: bool, depth: int, total: Counts) -> SectionProgress:
    counted = is_counted(sec, rolling_back)
    own = Counts()
    if counted:
        for item in sec.own_items():
            if item.skipped:
                own.skipped += 1
            elif item.optional and not item.checked:
                own.optional += 1
            else:
                own.total += 1
                own.done += item.checked
        total.add(own)
    tree = Counts(own.done, own.total, own.skipped, own.optional)
    children = []
    for sub in sec.sections:
        child = _section(sub, rolling_back, depth + 1, total)
        tree.add(child.tree)
        children.append(child)
    return SectionProgress(section=sec, counted=counted, own=own, tree=tree, depth=depth, children=children)
