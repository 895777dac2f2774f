"""The runbook model: what a Markdown checklist *means*, independent of how it is shown.

Everything downstream (run records, progress, check, history, the site) reads these
dataclasses, never Markdown tokens. The JSON produced by :meth:`Runbook.to_dict` is a
public contract described by ``schemas/runbook.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Kind = Literal["tasks", "triggers", "conditional", "sign-off", "reference"]
KINDS: tuple[str, ...] = ("tasks", "triggers", "conditional", "sign-off", "reference")


@dataclass(slots=True)
class Field:
    """A fill-in blank (``Name: ______``); ``value`` is ``""`` while it is blank."""

    name: str
    value: str = ""
    line: int = 0

    @property
    def filled(self) -> bool:
        return bool(self.value.strip()) and not self.value.strip().startswith("___")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}


@dataclass(slots=True)
class Choice:
    """A one-of choice without list boxes: ``**Status**: [ ] Success [ ] Partial``."""

    name: str
    options: list[str]
    selected: list[str]
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": list(self.options),
            "selected": list(self.selected),
            "line": self.line,
        }


@dataclass(slots=True)
class Estimate:
    """A time estimate in minutes (``**Time Estimate**: 10-15 minutes`` → 10..15)."""

    min: int
    max: int
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max}


@dataclass(slots=True)
class Prose:
    """A block of Markdown that is not a task (paragraph, plain list, table, note)."""

    text: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "line": self.line}


@dataclass(slots=True)
class Item:
    """A task: a list item GitHub renders with a checkbox."""

    id: str
    text: str
    checked: bool
    line: int
    end_line: int
    children: list[Item] = field(default_factory=list)
    optional: bool = False
    skipped: bool = False
    skip_reason: str | None = None
    fields: list[Field] = field(default_factory=list)
    notes: list[Prose] = field(default_factory=list)
    key: str = ""  # normalised text the id is derived from (values and marks removed)

    @property
    def done(self) -> bool:
        """Ticked and not struck through."""
        return self.checked and not self.skipped

    def walk(self) -> Iterator[Item]:
        """This item and all below it, depth first (iterative: nesting can be deep)."""
        stack = [self]
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(item.children))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; built iteratively so 200+ levels of nesting cannot recurse."""
        root = self._shallow_dict()
        stack = [(self, root)]
        while stack:
            item, out = stack.pop()
            for child in item.children:
                d = child._shallow_dict()
                out["children"].append(d)
                stack.append((child, d))
        return root

    def _shallow_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "checked": self.checked,
            "line": self.line,
            "children": [],
            "optional": self.optional,
            "fields": [f.to_dict() for f in self.fields],
        }
        if self.skipped:
            out["skipped"] = True
            out["skip_reason"] = self.skip_reason
        if self.notes:
            out["notes"] = [n.to_dict() for n in self.notes]
        return out


@dataclass(slots=True)
class Section:
    """A stage (top-level heading), section (deeper heading) or ordered-list step.

    ``kind`` is the effective kind: declared in front matter, inferred from the text,
    or inherited from the enclosing section.
    """

    id: str
    title: str
    level: int
    line: int
    end_line: int = 0
    kind: str = "tasks"
    step: bool = False
    timing: str | None = None
    optional: bool = False
    estimate: Estimate | None = None
    items: list[Item] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    prose: list[Prose] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    path: tuple[str, ...] = ()

    def walk(self) -> Iterator[Section]:
        """This section and every section below it, in document order (iterative: steps
        nest as deep as the lists they come from)."""
        stack = [self]
        while stack:
            sec = stack.pop()
            yield sec
            stack.extend(reversed(sec.sections))

    def all_items(self) -> Iterator[Item]:
        """Every task in this section and below it (nested items included)."""
        for sec in self.walk():
            for item in sec.items:
                yield from item.walk()

    def own_items(self) -> Iterator[Item]:
        """Tasks of this section only (nested items included, sub-sections excluded)."""
        for item in self.items:
            yield from item.walk()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, built iteratively like :meth:`Item.to_dict`."""
        root = self._shallow_dict()
        stack = [(self, root)]
        while stack:
            sec, out = stack.pop()
            for sub in sec.sections:
                d = sub._shallow_dict()
                out["sections"].append(d)
                stack.append((sub, d))
        return root

    def _shallow_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "level": self.level,
            "line": self.line,
            "end_line": self.end_line,
        }
        if self.step:
            out["step"] = True
        if self.timing:
            out["timing"] = self.timing
        if self.optional:
            out["optional"] = True
        if self.estimate:
            out["estimate"] = self.estimate.to_dict()
        out["items"] = [i.to_dict() for i in self.items]
        out["sections"] = []
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        if self.choices:
            out["choices"] = [c.to_dict() for c in self.choices]
        if self.prose:
            out["prose"] = [p.to_dict() for p in self.prose]
        return out


@dataclass(slots=True)
class Runbook:
    """A parsed checklist: a runbook template or a run record's body."""

    title: str
    description: str = ""
    version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    front_matter: dict[str, Any] = field(default_factory=dict)
    front_matter_lines: dict[str, int] = field(default_factory=dict)
    body_line: int = 1  # first line after the front matter
    stages: list[Section] = field(default_factory=list)
    path: str | None = None
    line_count: int = 0

    def sections(self) -> Iterator[Section]:
        """Every stage, section and step in document order."""
        for stage in self.stages:
            yield from stage.walk()

    def items(self) -> Iterator[Item]:
        """Every task in document order, nested items after their parent."""
        for stage in self.stages:
            yield from stage.all_items()

    def items_with_sections(self) -> Iterator[tuple[Section, Item]]:
        """Every task with the section (or step) it belongs to."""
        for sec in self.sections():
            for item in sec.own_items():
                yield sec, item

    def item_index(self) -> dict[str, Item]:
        return {item.id: item for item in self.items()}

    def field_labels(self) -> frozenset[str]:
        """Labels of fill-in fields, so a run's filled values can be read back."""
        labels = {f.name for i in self.items() for f in i.fields}
        labels.update(f.name for s in self.sections() for f in s.fields)
        return frozenset(labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "version": self.version,
            "metadata": _contract_safe(_jsonable(self.metadata)),
            "stages": [s.to_dict() for s in self.stages],
        }


def _jsonable(value: Any) -> Any:
    """YAML gives dates and other non-JSON scalars; make them strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _contract_safe(value: Any) -> Any:
    """Rename user keys ``checked`` to ``checked_``: in the JSON only task items may have a
    ``checked`` key, so tools can find every task by that key (front matter is free-form)."""
    if isinstance(value, dict):
        return {("checked_" if k == "checked" else k): _contract_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_contract_safe(v) for v in value]
    return value
