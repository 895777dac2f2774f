"""Sign-offs: who ticked each one, whether that can be relied on, and what changed since.

A sign-off is an item of a sign-off section (or any item with fields, ``Engineering
Manager: ____ Date: ____``). Its state comes from the run's events: who ticked it, who
filled each field. For each ticked sign-off, :func:`check_signoffs` says

* its **identity state**: ``verified`` (the commit is signed by a key the repository
  trusts for an allowed signer — see ``signatures.py``), ``author-matches`` (the commit's
  author is an allowed signer: unverified, as git authors are whatever the committer
  typed) or ``mismatch``;
* whether it is **stale**: a task that was done or skipped when it was signed changed in a
  commit the sign-off had not seen. "Seen" follows the commit graph (``gitlog.Ancestry``),
  never dates, so a backdated untick is still after the sign-off;

and turns them into findings whose severity the ``signoffs: require:`` policy sets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from runbookgen.errors import RunbookgenError
from runbookgen.findings import Finding
from runbookgen.history.events import Commit, History, RunHistory, TickEvent
from runbookgen.history.gitlog import Ancestry
from runbookgen.history.identity import People, github_login, name_key, parse_signers
from runbookgen.history.labels import runbook_of
from runbookgen.history.load import load_history
from runbookgen.history.signatures import Policy, Signature, policy_of, verify_commits
from runbookgen.text import quoted

if TYPE_CHECKING:
    from runbookgen.model import Item, Runbook, Section
    from runbookgen.project import Project
    from runbookgen.records.record import RunRecord

_NAME_FIELD_SKIP = re.compile(r"date|time|when", re.I)
# what a sign-off's commit shows of who ticked it (see the module docstring)
State = Literal["verified", "author-matches", "mismatch"]


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

    def signer_field(self) -> tuple[str, str | None]:
        """(label, name): the field naming the signer (the first that is not a date) and
        the name written in it; the item's text as the label when it has no such field."""
        for label, value in self.fields.items():
            if not _NAME_FIELD_SKIP.search(label):
                return label, value or None
        return " ".join(self.text.split()), None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "text": self.text,
            "done": self.done,
            "fields": self.fields,
            "ticked": self.ticked.to_dict() if self.ticked else None,
            "filled": {k: v.to_dict() for k, v in self.filled.items()},
        }


@dataclass(slots=True)
class SignOffCheck:
    """The verdict on one ticked sign-off of one run (see the module docstring)."""

    path: str
    item: str
    line: int
    label: str
    name: str | None
    commit: Commit
    state: State
    stale: bool
    detail: str  # why this state, in words
    signature: Signature | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.state == "verified"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "item": self.item,
            "label": self.label,
            "name": self.name,
            "state": self.state,
            "verified": self.verified,
            "stale": self.stale,
            "detail": self.detail,
            "commit": self.commit.sha,
            "author": self.commit.author,
            "email": self.commit.email,
            "signature": self.signature.to_dict() if self.signature is not None else None,
            "findings": [f.to_dict() for f in self.findings],
        }


# ---------------------------------------------------------------------- states from events


def _owned(model: Runbook) -> list[tuple[Section, list[Item]]]:
    """Every section in document order with its own items (nested ones included)."""
    return [(sec, list(sec.own_items())) for sec in model.sections()]


def signoff_states(owned: list[tuple[Section, list[Item]]], history: RunHistory) -> list[SignOff]:
    """The sign-offs among ``owned`` items, with who ticked each and filled its fields."""
    candidates = [(sec, item) for sec, own in owned for item in own if sec.kind == "sign-off" or item.fields]
    by_item: dict[str, list[TickEvent]] = {}
    if candidates and history.available:  # the events of these items only (a run has ~200)
        ids = {item.id for _, item in candidates}
        for ev in history.events:
            if ev.item in ids:
                by_item.setdefault(ev.item, []).append(ev)
    out = []
    for _sec, item in candidates:
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


def _signoffs_from_events(facts: _Facts, rh: RunHistory) -> list[SignOff]:
    """Sign-offs as the events leave them (the committed state), items from the template."""
    by_item = rh.by_item()
    out = []
    for _sec, item in facts.candidates:
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


# ---------------------------------------------------------------------- configuration


def signers(project: Project, template: Runbook | None) -> dict[str, People]:
    """Sign-off label or name → the people allowed to sign it.

    From ``signers:`` in the ``runbookgen`` plugin options of ``mkdocs.yml`` and in the
    template's front matter (the template wins for a key in both). A malformed entry is a
    :class:`RunbookgenError` naming the file.
    """
    out = parse_signers(project.settings.get("signers"), "mkdocs.yml")
    if template is not None:
        out.update(parse_signers(template.front_matter.get("signers"), template.path or "the runbook"))
    return out


def policy(project: Project) -> Policy:
    """The project's ``signoffs:`` policy (plugin options in ``mkdocs.yml``)."""
    return policy_of(project.settings, Path(project.root))


# ---------------------------------------------------------------------- checking


@dataclass(slots=True)
class _Run:
    relpath: str
    facts: _Facts
    signoffs: list[SignOff]
    history: RunHistory
    people: dict[str, People]
    suspects: list[TickEvent] | None = None  # changes that could make a sign-off stale

    def changes(self) -> list[TickEvent]:
        """Events that could make a sign-off stale: anything but a tick, on a task."""
        if self.suspects is None:
            kinds = self.facts.kinds
            self.suspects = [
                ev
                for ev in self.history.events
                if ev.kind != "ticked" and kinds.get(ev.item) in ("tasks", "conditional")
            ]
        return self.suspects


@dataclass(slots=True)
class _Facts:
    """What the checks need of a runbook's items, worked out once per model (the runs of
    one template share it): each item's section kind and text, the sign-off candidates."""

    model: Runbook
    kinds: dict[str, str]
    texts: dict[str, str]
    candidates: list[tuple[Section, Item]]


_FACTS: dict[int, _Facts] = {}  # per template, for the process (a site's workers)


def _facts(model: Runbook, cache: dict[int, _Facts]) -> _Facts:
    got = cache.get(id(model))
    if got is None or got.model is not model:
        if len(cache) > 64:
            cache.clear()
        pairs = list(model.items_with_sections())
        got = cache[id(model)] = _Facts(
            model,
            {item.id: sec.kind for sec, item in pairs},
            {item.id: item.text for _, item in pairs},
            [(sec, item) for sec, item in pairs if sec.kind == "sign-off" or item.fields],
        )
    return got


def check_signoffs(
    records: Iterable[RunRecord],
    project: Project,
    history: History | None = None,
    policy_: Policy | None = None,
    states: Mapping[str, Sequence[SignOff]] | None = None,
) -> list[SignOffCheck]:
    """The verdict on every ticked sign-off of ``records`` (parsed run records); empty when
    history is unavailable. ``states`` (relpath → sign-offs) saves working them out again
    when the caller has them (a :class:`Timeline`'s). Raises :class:`RunbookgenError` for
    bad ``signers:`` or ``signoffs:`` options."""
    records = list(records)
    pol = policy_ if policy_ is not None else policy(project)
    if not records:
        return []
    history = history if history is not None else load_history(project)
    if not history.available:
        return []
    runs = []
    for record in records:
        rh = history.for_run(record.relpath)
        if not rh.available:
            continue
        given = states.get(record.relpath) if states is not None else None
        sos = list(given) if given is not None else signoff_states(_owned(record.model), rh)
        if not any(so.ticked is not None for so in sos):
            continue
        # the template's facts when there is one: the same ids, shared by all its runs
        facts = _facts(record.template or record.model, _FACTS)
        runs.append(_Run(record.relpath, facts, sos, rh, signers(project, record.template)))
    return _check(runs, project, pol, history.head)


def check_signoffs_for_paths(
    paths: Iterable[str | os.PathLike[str]],
    project: Project,
    history: History | None = None,
    policy_: Policy | None = None,
) -> list[SignOffCheck]:
    """:func:`check_signoffs` without parsing the run files again (for ``check``).

    The committed state comes from the events themselves and the items from the run's
    template, so checking 1,000 runs does not parse 1,000 files twice. Files that cannot be
    read, or without a template, are skipped: ``check`` reports those itself.
    """
    paths = list(paths)
    pol = policy_ if policy_ is not None else policy(project)
    if not paths:
        return []
    history = history if history is not None else load_history(project)
    if not history.available:
        return []
    runs = []
    cache: dict[int, _Facts] = {}
    people: dict[int, dict[str, People]] = {}
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
        facts = _facts(template, cache)
        if id(template) not in people:
            people[id(template)] = signers(project, template)
        runs.append(_Run(rel, facts, _signoffs_from_events(facts, rh), rh, people[id(template)]))
    return _check(runs, project, pol, history.head)


def signoff_findings(
    records: Iterable[RunRecord], project: Project, history: History | None = None
) -> list[Finding]:
    """Findings about sign-offs git contradicts (codes ``signoff-stale``,
    ``signoff-identity``, ``signoff-unverified``); see :func:`check_signoffs`."""
    return [f for c in check_signoffs(records, project, history) for f in c.findings]


def signoff_findings_for_paths(
    paths: Iterable[str | os.PathLike[str]], project: Project, history: History | None = None
) -> list[Finding]:
    """:func:`signoff_findings` for run files by path, without parsing them (for ``check``)."""
    return [f for c in check_signoffs_for_paths(paths, project, history) for f in c.findings]


_GRAPHS: dict[tuple[str, str | None], Ancestry] = {}


def _graph(root: Path, head: str | None) -> Ancestry:
    """One commit graph per repository and HEAD for the process (a site checks its runs
    one at a time, in several processes; each reads the graph at most once)."""
    key = (str(root), head)
    got = _GRAPHS.get(key)
    if got is None:
        if len(_GRAPHS) > 4:
            _GRAPHS.clear()
        got = _GRAPHS[key] = Ancestry(root)
    return got


def warm_signatures(project: Project, history: History) -> None:
    """Check, in one batch, the signatures a site build will ask about run by run: every
    ticked sign-off's commit (and with ``verify_ticks``, every tick's). The results land in
    the caches :func:`verify_commits` reads, so the build's worker processes start no git
    process of their own. Nothing to do without a trust store."""
    pol = policy(project)
    if not pol.has_trust_store or not history.available:
        return
    check_signoffs_for_paths([Path(project.root, rel) for rel in history.runs], project, history, pol)
    if pol.verify_ticks:
        shas = {ev.commit.sha for rh in history.runs.values() for ev in rh.events if ev.kind == "ticked"}
        verify_commits(Path(project.root), shas, pol)


def verified_ticks(
    project: Project, commits: Iterable[Commit], policy_: Policy | None = None
) -> dict[str, Signature]:
    """The commits among ``commits`` whose signature vouches for their author — a good
    signature by a key the trust store gives the author's email, or GitHub's key (which
    signs for the account it records as author) — keyed by sha. Only with
    ``signoffs: {verify_ticks: true}``; empty otherwise (checking costs a process per
    signed commit the first time)."""
    pol = policy_ if policy_ is not None else policy(project)
    if not pol.verify_ticks:
        return {}
    by_sha = {c.sha: c for c in commits}
    sigs = verify_commits(Path(project.root), by_sha, pol)
    return {
        sha: sig
        for sha, sig in sigs.items()
        if sig.good and (sig.by_github or by_sha[sha].email.strip().casefold() in sig.identities)
    }


def _check(runs: list[_Run], project: Project, pol: Policy, head: str | None) -> list[SignOffCheck]:
    ticked = [(run, so) for run in runs for so in run.signoffs if so.ticked is not None]
    if not ticked:
        return []
    sigs: dict[str, Signature] = {}
    if pol.has_trust_store:
        sigs = verify_commits(
            Path(project.root), (so.ticked.commit.sha for _, so in ticked if so.ticked), pol
        )
    graph = _graph(Path(project.root), head)
    out = []
    for run, so in ticked:
        assert so.ticked is not None
        out.append(_verdict(run, so, so.ticked, sigs.get(so.ticked.commit.sha), pol, graph))
    return out


def _verdict(
    run: _Run, so: SignOff, tick: TickEvent, sig: Signature | None, pol: Policy, graph: Ancestry
) -> SignOffCheck:
    c = tick.commit
    label, name = so.signer_field()
    people = run.people.get(name_key(label))
    if people is None and name:
        people = run.people.get(name_key(name))
    what = f"the {label} sign-off" + (f" ({name})" if name else "")
    who = f"{c.author} <{c.email}>"
    signed_by = _signed_by(sig, c) if sig is not None and sig.good else None
    # identity: what a signature proves, else what the author claims
    state: State
    if people is not None:
        if signed_by is not None and any(people.matches_signer(i) for i in signed_by):
            via = (
                f"GitHub's key, for the author's account {c.email}" if sig and sig.by_github else signed_by[0]
            )
            state, detail = "verified", f"commit {c.short} is signed by {via} (key {sig.key if sig else ''})"
        elif people.matches_email(c.email):
            state, detail = "author-matches", f"commit {c.short} is by {who}, an allowed signer (unverified)"
        else:
            state = "mismatch"
            detail = f"commit {c.short} that ticked it is by {who}, who is not among its signers ({people})"
    elif name is None or _same_person(name, c):
        state, detail = "author-matches", f"commit {c.short} is by {who} (unverified)"
    else:
        state = "mismatch"
        detail = (
            f"commit {c.short} that ticked it is by {who}, not the person it names; if that is the "
            f"same person, list their email or GitHub login under 'signers:' for {quoted(label)} in "
            "the runbook's front matter or the runbookgen options in mkdocs.yml"
        )
    check = SignOffCheck(run.relpath, so.item, so.line, label, name, c, state, False, detail, sig)
    severity = pol.severity
    if pol.require == "verified" and state != "verified":
        if people is None:
            why = f"no 'signers:' entry for {quoted(label)} says who may sign it"
        elif signed_by is None:
            why = f"commit {c.short}: {sig.text if sig is not None else 'signature not checked'}"
        else:
            why = f"commit {c.short} is signed by {', '.join(signed_by)}, not one of its signers ({people})"
        check.findings.append(
            Finding(run.relpath, so.line, "error", "signoff-unverified", f"{what} is not verified: {why}")
        )
    elif state == "mismatch":
        check.findings.append(
            Finding(run.relpath, so.line, severity, "signoff-identity", f"{what}: {detail}")
        )
    stale = _stale(run, so, tick, graph)
    if stale is not None:
        check.stale = True
        check.findings.append(Finding(run.relpath, so.line, severity, "signoff-stale", stale))
    return check


def _signed_by(sig: Signature, c: Commit) -> tuple[str, ...]:
    """Whom a good signature vouches for: the key's identities, or, for GitHub's own key,
    the account GitHub recorded as the author (it signs web edits and merges for them)."""
    if sig.by_github:
        return (c.email.strip().casefold(),)
    return sig.identities


def _same_person(name: str, c: Commit) -> bool:
    """Without ``signers:``: the name written is the author's name, email or GitHub login
    (exactly; ``jdoe`` is not ``jdoe@evil.example``)."""
    key = name_key(name)
    email = c.email.strip().casefold()
    return key in (name_key(c.author), email) or (github_login(email) or "\0") == key


def _stale(run: _Run, so: SignOff, tick: TickEvent, graph: Ancestry) -> str | None:
    """Why the sign-off is stale, or None: a task settled (done or skipped) in what the
    signing commit had seen changed in a commit it had not seen."""
    signed = tick.commit.sha
    events = run.history.events
    suspects = [ev for ev in run.changes() if ev.commit.sha != signed]  # cheap, no graph yet
    if not suspects:
        return None
    items = {ev.item for ev in suspects}
    relevant = [ev for ev in events if ev.item in items]
    seen = graph.seen_by(signed, {ev.commit.sha for ev in relevant})
    state: dict[str, str] = {}
    for ev in relevant:
        if ev.commit.sha in seen:
            if ev.kind in ("ticked", "skipped"):
                state[ev.item] = ev.kind
            elif ev.kind in ("unticked", "unskipped"):
                state.pop(ev.item, None)
    changed = [ev for ev in suspects if ev.commit.sha not in seen and ev.item in state]
    if not changed:
        return None
    ev = changed[0]
    what = " ".join(run.facts.texts.get(ev.item, ev.item).split())
    more = f" (and {len(changed) - 1} more change{'s' * (len(changed) > 2)})" if len(changed) > 1 else ""
    return (
        f"sign-off '{so.text}' is stale: '{what}' was {ev.kind} in commit {ev.commit.short} by "
        f"{ev.commit.author}, which the sign-off's commit {tick.commit.short} had not seen{more}"
    )
