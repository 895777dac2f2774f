"""Sign-offs: who ticked each sign-off, and the findings git contradicts.

A sign-off is an item of a sign-off section (or any item with fields, ``Engineering
Manager: ____ Date: ____``). Its state comes from the run's events: who ticked it, who
filled each field. :func:`signoff_findings` reports what the history contradicts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookgen.errors import RunbookgenError
from runbookgen.findings import Finding
from runbookgen.history.events import History, RunHistory, TickEvent
from runbookgen.history.labels import runbook_of
from runbookgen.history.load import load_history

if TYPE_CHECKING:
    from runbookgen.model import Item, Runbook, Section
    from runbookgen.project import Project
    from runbookgen.records.record import RunRecord

_NAME_FIELD_SKIP = re.compile(r"date|time|when", re.I)


@dataclass(slots=True)
class SignOff:
    """A sign-off item: its field values now, who ticked it and when, who filled each field."""

    item: str
    text: str
    line: int
    done: bool
    fields: dict[str, str]
    ticked: TickEvent | None
    filled: dict[str, TickEvent]

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "text": self.text,
            "done": self.done,
            "fields": self.fields,
            "ticked": self.ticked.to_dict() if self.ticked else None,
            "filled": {k: v.to_dict() for k, v in self.filled.items()},
        }


def _owned(model: Runbook) -> list[tuple[Section, list[Item]]]:
    """Every section in document order with its own items (nested ones included)."""
    return [(sec, list(sec.own_items())) for sec in model.sections()]


def signoff_states(owned: list[tuple[Section, list[Item]]], history: RunHistory) -> list[SignOff]:
    by_item = history.by_item() if history.available else {}
    out = []
    for sec, item in ((sec, item) for sec, own in owned for item in own):
        if sec.kind != "sign-off" and not item.fields:
            continue
        events = by_item.get(item.id, [])
        ticked = None
        filled: dict[str, TickEvent] = {}
        for ev in events:
            if ev.kind == "ticked":
                ticked = ev
            elif ev.kind in ("unticked", "skipped"):
                ticked = None
            elif ev.kind == "filled" and ev.field:
                filled[ev.field] = ev
            elif ev.kind == "cleared" and ev.field:
                filled.pop(ev.field, None)
        out.append(
            SignOff(
                item.id,
                item.text,
                item.line,
                item.done,
                {f.name: f.value for f in item.fields},
                ticked if item.done else None,
                filled,
            )
        )
    return out


# ---------------------------------------------------------------------- sign-off integrity


def signers(project: Project, template: Runbook | None) -> dict[str, list[str]]:
    """Names → git identities (emails or names) allowed to sign as them.

    From ``signers:`` in the template's front matter and in the ``runbookgen`` plugin
    options of ``mkdocs.yml``; the template wins for a name in both.
    """
    out: dict[str, list[str]] = {}
    sources = [project.settings.get("signers")]
    if template is not None:
        sources.append(template.front_matter.get("signers"))
    for raw in sources:
        if not isinstance(raw, dict):
            continue
        for name, ids in raw.items():
            if isinstance(ids, str):
                ids = [ids]
            if isinstance(ids, list):
                out[_norm(str(name))] = [_norm(str(i)) for i in ids]
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w@.+-]+", " ", text.casefold()).split()).lstrip("@")


def _signer_name(signoff: SignOff) -> tuple[str, str] | None:
    """(field label, value) of the field naming the signer: the first non-date field."""
    for name, value in signoff.fields.items():
        if value and not _NAME_FIELD_SKIP.search(name):
            return name, value
    return None


def _identity_matches(value: str, ev: TickEvent, mapping: dict[str, list[str]]) -> bool:
    c = ev.commit
    ours = {_norm(c.author), _norm(c.email), _norm(c.committer), _norm(c.committer_email)}
    ours |= {e.split("@", 1)[0] for e in (_norm(c.email), _norm(c.committer_email)) if "@" in e}
    allowed = mapping.get(_norm(value))
    if allowed is not None:
        return bool(ours & set(allowed))
    return _norm(value) in ours


def signoff_findings(
    records: Iterable[RunRecord], project: Project, history: History | None = None
) -> list[Finding]:
    """Warnings about sign-offs git contradicts; empty when history is unavailable.

    * ``signoff-stale``: a task item that was already done or skipped when the sign-off was
      ticked changed afterwards (unticked, unskipped, re-skipped, a field edited), so the
      sign-off no longer covers what it signed. Ticking items that were still open is
      progress, not staleness (a pre-deployment approval precedes the deployment's ticks).
    * ``signoff-identity``: the person named in the sign-off is not the author or committer
      of the commit that ticked it (names map to git identities with ``signers:`` in the
      runbook's front matter or the plugin options in ``mkdocs.yml``).
    """
    records = list(records)
    if not records:
        return []
    history = history if history is not None else load_history(project)
    if not history.available:
        return []
    out: list[Finding] = []
    for record in records:
        rh = history.for_run(record.relpath)
        if rh.available:
            out.extend(
                _signoff_checks(
                    record.relpath,
                    record.model,
                    signoff_states(_owned(record.model), rh),
                    rh,
                    signers(project, record.template),
                )
            )
    return out


def signoff_findings_for_paths(
    paths: Iterable[str | os.PathLike[str]], project: Project, history: History | None = None
) -> list[Finding]:
    """:func:`signoff_findings` without parsing the run files again (for ``check``).

    The committed state comes from the events themselves and the items from the run's
    template, so checking 1,000 runs does not parse 1,000 files twice. Files that cannot be
    read, or without a template, are skipped: ``check`` reports those itself.
    """
    paths = list(paths)
    if not paths:
        return []
    history = history if history is not None else load_history(project)
    if not history.available:
        return []
    out: list[Finding] = []
    for p in paths:
        rel = project.rel(Path(p).resolve() if not Path(p).is_absolute() else p)
        rh = history.for_run(rel)
        if not rh.available or not any(e.kind == "ticked" for e in rh.events):
            continue
        name = runbook_of(Path(project.root, rel))
        try:
            template = project.template(name) if name else None
        except RunbookgenError:
            template = None
        if template is None:
            continue
        out.extend(
            _signoff_checks(
                rel, template, _signoffs_from_events(template, rh), rh, signers(project, template)
            )
        )
    return out


def _signoffs_from_events(template: Runbook, rh: RunHistory) -> list[SignOff]:
    """Sign-offs as the events leave them (the committed state), items from the template."""
    by_item = rh.by_item()
    out = []
    for sec, item in template.items_with_sections():
        if sec.kind != "sign-off" and not item.fields:
            continue
        events = by_item.get(item.id, [])
        fields = {f.name: "" for f in item.fields}
        ticked = None
        filled: dict[str, TickEvent] = {}
        line = item.line
        for ev in events:
            line = ev.line or line
            if ev.kind == "ticked":
                ticked = ev
            elif ev.kind in ("unticked", "skipped"):
                ticked = None
            elif ev.kind in ("filled", "cleared") and ev.field:
                fields[ev.field] = ev.value or ""
                if ev.kind == "filled":
                    filled[ev.field] = ev
                else:
                    filled.pop(ev.field, None)
        text = " ".join(f"{k}: {v}" for k, v in fields.items()) if fields else item.text
        out.append(SignOff(item.id, text, line, ticked is not None, fields, ticked, filled))
    return out


def _signoff_checks(
    relpath: str, model: Runbook, signoffs: list[SignOff], rh: RunHistory, mapping: dict[str, list[str]]
) -> list[Finding]:
    kinds = {item.id: sec.kind for sec, item in model.items_with_sections()}
    texts = {item.id: item.text for item in model.items()}
    out: list[Finding] = []
    for so in signoffs:
        if so.ticked is None:
            continue
        out.extend(_stale(relpath, so, rh, kinds, texts))
        named = _signer_name(so)
        if named is not None and not _identity_matches(named[1], so.ticked, mapping):
            c = so.ticked.commit
            hint = (
                ""
                if _norm(named[1]) in mapping
                else "; if that is the same person, map the name to their git identities under "
                "'signers:' in the runbook's front matter or the runbookgen options in mkdocs.yml"
            )
            out.append(
                Finding(
                    relpath,
                    so.line,
                    "warning",
                    "signoff-identity",
                    f"the {named[0]} sign-off names {named[1]}, but commit {c.short} that "
                    f"ticked it is by {c.author} <{c.email}>{hint}",
                )
            )
    return out


def _stale(
    relpath: str, so: SignOff, rh: RunHistory, kinds: dict[str, str], texts: dict[str, str]
) -> list[Finding]:
    assert so.ticked is not None
    signed = so.ticked
    state: dict[str, str] = {}
    for ev in rh.events:
        if (ev.commit.time, ev.seq) > (signed.time, signed.seq):
            break
        if ev.kind in ("ticked", "skipped"):
            state[ev.item] = ev.kind
        elif ev.kind in ("unticked", "unskipped"):
            state.pop(ev.item, None)
    settled = set(state)
    for ev in rh.events:
        if (ev.commit.time, ev.seq) <= (signed.time, signed.seq) or ev.commit.sha == signed.commit.sha:
            continue
        if ev.item in settled and kinds.get(ev.item) in ("tasks", "conditional") and ev.kind != "ticked":
            what = " ".join(texts.get(ev.item, ev.item).split())
            return [
                Finding(
                    relpath,
                    so.line,
                    "warning",
                    "signoff-stale",
                    f"sign-off '{so.text}' is stale: '{what}' was {ev.kind} after it was signed "
                    f"(commit {ev.commit.short} by {ev.commit.author}, "
                    f"{ev.time:%Y-%m-%d %H:%M}, after {signed.commit.short})",
                )
            ]
    return []
