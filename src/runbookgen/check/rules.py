"""``check``: findings about run records, each with file and line.

Every rule is a small function ``(record, context) -> findings`` listed in ``RULES``;
other modules (history's stale sign-offs) pass more findings in through ``extra`` so
there is one report, one ordering and one exit code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.findings import Finding
from runbookgen.model import Item, Runbook, Section
from runbookgen.project import Project
from runbookgen.records.progress import Progress, compute, is_counted
from runbookgen.records.record import MergeConflict, RunRecord, load_run
from runbookgen.records.schema import STATUSES, digest, front_matter_problems
from runbookgen.text import for_terminal, quoted, shorten

# The runbook's own rule (the seed's Notes say it); templates may also set ``gating:``.
GATING_RULE = re.compile(
    r"(?:all\s+)?(?:check\s*boxes|checkboxes|items|tasks)\s+must\s+be\s+(?:completed|done|ticked)\s+"
    r"before\s+(?:proceeding|moving|continuing|going)\s+(?:on\s+)?to\s+(?:the\s+)?next\s+"
    r"(?:phase|stage|step)",
    re.I,
)
_NUMBERED = re.compile(r"^\s*(?:\*\*)?(?:phase|stage|step)\s+\d+\b", re.I)
# The body's "Status: [ ] Success [ ] Partial [ ] Rolled Back" choice → front matter status.
CHOICE_STATUS = {
    "success": "success",
    "successful": "success",
    "partial": "partial",
    "rolled back": "rolled-back",
    "rolled-back": "rolled-back",
    "rollback": "rolled-back",
    "aborted": "aborted",
    "in progress": "in-progress",
    "planned": "planned",
}


@dataclass
class Context:
    """What the rules share for one run: the project, its progress and template facts."""

    project: Project
    progress: Progress
    template: Runbook | None
    template_text: str | None
    strict: bool
    cache: dict[Any, Any] = field(default_factory=dict)  # template facts shared across runs


Rule = Callable[[RunRecord, Context], Iterable[Finding]]


def _f(rec: RunRecord, line: int | None, severity: str, code: str, message: str) -> Finding:
    return Finding(rec.relpath, line, severity, code, message)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- front matter
def rule_front_matter(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    """The record's own front matter (``records/schema.py``), then what needs the project:
    a template of that name, and the path ``new-run`` would have given the run."""
    problems = front_matter_problems(
        rec.front_matter,
        rec.key_line,
        has_front_matter=rec.model.body_line != 1,
        template_has_version=ctx.template is None or bool(ctx.template.version),
        written=rec.raw,
    )
    for p in problems:
        yield _f(rec, p.line, p.severity, p.code, p.message)
        if p.code == "front-matter-missing":
            return
    fm = rec.front_matter
    name = fm.get("runbook")
    if isinstance(name, str) and name and rec.template is None:
        names = ctx.project.runbook_names
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; known: {', '.join(names)}" if names else "")
        yield _f(
            rec,
            rec.key_line("runbook"),
            "error",
            "unknown-runbook",
            f"runbook {quoted(name)} has no template {ctx.project.content_dir}/{name}.md{hint}",
        )
    yield from _misplaced(rec, ctx)


def _misplaced(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    """The path new-run gives a run is runs/<runbook>/<date>-<release>.md; say when it differs,
    because the site, history and summary find runs by that path."""
    name, release, day = rec.runbook, rec.release, rec.date
    if not (name and release and day) or not rec.relpath.startswith(ctx.project.runs_dir + "/"):
        return
    expected = f"{ctx.project.runs_dir}/{name}/{day}-{release}.md"
    if rec.relpath != expected:
        yield _f(
            rec,
            rec.key_line("release"),
            "warning",
            "misplaced",
            f"front matter says runbook {name}, date {day}, release {release}: the file would be {expected}",
        )


# ---------------------------------------------------------------------------- drift
def _sequence(model: Runbook) -> list[tuple[Section, Item]]:
    return list(model.items_with_sections())


def _key(pair: tuple[Section, Item]) -> tuple[str, str]:
    return pair[0].id, pair[1].key


def drift(
    run: Runbook,
    template: Runbook,
    cache: dict[Any, Any] | None = None,
) -> tuple[list[Item], list[Item], list[tuple[Item, Item]]]:
    """Tasks (removed from the template, added in the run, reworded: (template, run))."""
    cache = cache if cache is not None else {}
    if ("seq", id(template)) not in cache:
        seq = _sequence(template)
        cache[("seq", id(template))] = (seq, [_key(p) for p in seq], template)  # keeps id valid
    a, ka, _ = cache[("seq", id(template))]
    b = _sequence(run)
    kb = [_key(p) for p in b]
    if ka == kb:
        return [], [], []
    removed: list[Item] = []
    added: list[Item] = []
    reworded: list[tuple[Item, Item]] = []
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        if op == "replace":
            n = min(len(olds), len(news))
            for (so, io), (sn, inew) in zip(olds[:n], news[:n], strict=True):
                if so.id == sn.id:
                    reworded.append((io, inew))
                else:
                    removed.append(io)
                    added.append(inew)
            olds, news = olds[n:], news[n:]
        removed.extend(i for _, i in olds)
        added.extend(i for _, i in news)
    return removed, added, reworded


def rule_drift(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    tpl = ctx.template
    if tpl is None or ctx.template_text is None:
        return
    current = digest(ctx.template_text)
    removed, added, reworded = drift(rec.model, tpl, ctx.cache)
    changed = bool(removed or added or reworded)
    if rec.template_digest and rec.template_digest != current:
        run_v, tpl_v = rec.template_version, tpl.version or ""
        if run_v and tpl_v and run_v != tpl_v:
            # seen from the template: what it has and the run lacks was *added* to it since
            parts = [
                f"{verb} {n} task{'s' * (n != 1)}"
                for verb, n in (("gained", len(removed)), ("lost", len(added)), ("reworded", len(reworded)))
                if n
            ]
            said = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
            extra = f"; since then the template {said}" if changed else ""
            yield _f(
                rec,
                rec.key_line("template_version"),
                "warning",
                "outdated-template",
                f"made from template version {run_v}, the template is now {tpl_v}{extra}; "
                f"run 'runbookgen upgrade {rec.relpath}'",
            )
            return
        yield _f(
            rec,
            rec.key_line("template_digest"),
            "warning",
            "template-changed",
            f"the template changed since this run was made (version {tpl_v or '?'} both); "
            f"differences below may come from the template: 'runbookgen upgrade {rec.relpath}'",
        )
    tpl_rel = tpl.path or ""
    for item in removed:
        yield _f(
            rec,
            _where_removed(rec.model, tpl, item),
            "error",
            "task-removed",
            f"task removed: '{shorten(item.text, 70)}' ({tpl_rel}:{item.line}); restore it, or "
            "strike it through to skip: - [x] ~~text~~ n/a: reason",
        )
    for item in added:
        yield _f(
            rec,
            item.line,
            "error",
            "task-added",
            f"task not in the template: '{shorten(item.text, 70)}'; record extra work as a note "
            "(indented text without a box) under an item",
        )
    for old, new in reworded:
        yield _f(
            rec,
            new.line,
            "error",
            "task-reworded",
            f"task reworded: '{shorten(new.text, 70)}' was '{shorten(old.text, 70)}' ({tpl_rel}:{old.line})",
        )


def _where_removed(run: Runbook, tpl: Runbook, item: Item) -> int | None:
    """A line in the run near where the removed task was: its section's heading."""
    for sec, it in tpl.items_with_sections():
        if it is item:
            for rsec in run.sections():
                if rsec.id == sec.id:
                    return rsec.line
    return None


# ---------------------------------------------------------------------------- gating
def has_gating_rule(template: Runbook | None, template_text: str | None) -> bool:
    if template is None:
        return False
    declared = template.front_matter.get("gating")
    if isinstance(declared, bool):
        return declared
    return bool(template_text and GATING_RULE.search(template_text))


def phase_sequences(stages: list[Section]) -> list[list[Section]]:
    """Ordered phases: runs of consecutive ``tasks`` stages (reference stages in between are
    transparent; triggers, rollback procedure and sign-off end a run), and numbered
    sub-sections ("Phase 1", "Step 2", ordered-list steps) within any stage."""
    seqs: list[list[Section]] = []
    current: list[Section] = []
    for st in stages:
        if st.kind == "tasks":
            current.append(st)
        elif st.kind != "reference":
            if len(current) > 1:
                seqs.append(current)
            current = []
    if len(current) > 1:
        seqs.append(current)
    for st in stages:
        for sec in st.walk():
            numbered = [s for s in sec.sections if s.step or _NUMBERED.match(s.title)]
            if len(numbered) > 1:
                seqs.append(numbered)
    return seqs


def _phase_state(sec: Section, rolling_back: bool) -> tuple[Item | None, list[Item]]:
    """(first tick, open required items) of a phase, in one walk."""
    first: Item | None = None
    still: list[Item] = []
    for sub in sec.walk():
        counted = is_counted(sub, rolling_back)
        for item in sub.own_items():
            if item.skipped:
                continue
            if item.checked:
                if first is None and counted:
                    first = item
            elif counted and not item.optional:
                still.append(item)
    return first, still


def rule_gating(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    key = ("gating", rec.runbook)
    if key not in ctx.cache:
        ctx.cache[key] = has_gating_rule(ctx.template, ctx.template_text)
    if not ctx.cache[key]:
        return
    severity = "error" if ctx.strict else "warning"
    rb = ctx.progress.rolling_back
    for seq in phase_sequences(rec.model.stages):
        states = [_phase_state(phase, rb) for phase in seq]
        for n, phase in enumerate(seq[1:], start=1):
            tick = states[n][0]
            if tick is None:
                continue
            for earlier, (_, still) in zip(seq[:n], states[:n], strict=True):
                if still:
                    yield _f(
                        rec,
                        tick.line,
                        severity,
                        "gating",
                        f"'{shorten(phase.title, 50)}' has ticks while '{shorten(earlier.title, 50)}' "
                        f"has {len(still)} open required item{'s' * (len(still) != 1)} "
                        f"(first: line {still[0].line} '{shorten(still[0].text, 50)}'); the runbook "
                        "says all checkboxes must be completed before proceeding to the next phase",
                    )
                    break


# ---------------------------------------------------------------------------- status
def _body_status(model: Runbook) -> tuple[str | None, int | None, list[str]]:
    """The body's own Deployment Status choice: (status, line, selected options)."""
    for sec in model.sections():
        for choice in sec.choices:
            if choice.name.strip().lower() in ("status", "deployment status", "outcome", "result"):
                mapped = [CHOICE_STATUS.get(" ".join(s.lower().split()), s) for s in choice.selected]
                return (mapped[0] if len(mapped) == 1 else None), choice.line, choice.selected
    return None, None, []


def rule_status(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    status = rec.status
    prog = ctx.progress
    line = rec.key_line("status")
    if status == "success":
        open_items = [
            i
            for sp in prog.sections()
            if sp.counted
            for i in sp.section.own_items()
            if not i.checked and not i.skipped and not i.optional
        ]
        if open_items:
            yield _f(
                rec,
                line,
                "error",
                "status-success-open",
                f"status is success but {len(open_items)} required item"
                f"{'s are' if len(open_items) != 1 else ' is'} open "
                f"(first: line {open_items[0].line} '{shorten(open_items[0].text, 50)}')",
            )
        if prog.triggered:
            t = prog.triggered[0]
            yield _f(
                rec,
                line,
                "error",
                "status-success-triggered",
                "status is success but a rollback criterion is ticked: "
                f"line {t.line} '{shorten(t.text, 50)}'",
            )
    elif status == "rolled-back":
        conditional = [i for s in rec.model.sections() if s.kind == "conditional" for i in s.own_items()]
        if conditional and not any(i.checked for i in conditional):
            yield _f(
                rec,
                line,
                "error",
                "status-rolled-back-untouched",
                "status is rolled-back but no rollback procedure item is ticked",
            )
    elif prog.triggered and status not in ("aborted", "partial"):
        t = prog.triggered[0]
        yield _f(
            rec,
            t.line,
            "warning",
            "triggered",
            f"rollback criterion ticked: '{shorten(t.text, 50)}'; follow the rollback "
            "procedure and set status: rolled-back",
        )
    body, body_line, selected = _body_status(rec.model)
    if len(selected) > 1:
        yield _f(
            rec,
            body_line,
            "error",
            "status-choice",
            f"the Status choice has {len(selected)} options ticked ({', '.join(selected)}); tick one",
        )
    elif body and status in STATUSES and body != status:
        yield _f(
            rec,
            body_line,
            "error",
            "status-mismatch",
            f"the body's Status says {quoted(selected[0])} but the front matter says status: "
            f"{status} (line {line})",
        )


# ---------------------------------------------------------------------------- sign-off
def rule_signoff(rec: RunRecord, ctx: Context) -> Iterator[Finding]:
    for sec, item in rec.model.items_with_sections():
        if not item.fields or not item.checked or item.skipped:
            continue
        if sec.kind != "sign-off" and len(item.fields) < 2:
            continue
        empty = [f.name for f in item.fields if not f.filled]
        if empty:
            yield _f(
                rec,
                item.line,
                "error",
                "signoff-empty",
                f"sign-off ticked with {' and '.join(quoted(e) for e in empty)} empty: "
                f"'{shorten(item.text, 60)}'; fill {'them' if len(empty) > 1 else 'it'} in "
                "or untick it",
            )


RULES: list[Rule] = [rule_front_matter, rule_drift, rule_gating, rule_status, rule_signoff]


# ---------------------------------------------------------------------------- entry points
def check_record(
    rec: RunRecord,
    project: Project,
    strict: bool = False,
    cache: dict[Any, Any] | None = None,
    progress: Progress | None = None,
) -> list[Finding]:
    """Findings for one loaded run record; ``cache`` shares template work across runs,
    ``progress`` is the record's :func:`records.progress.compute` when the caller has it."""
    cache = cache if cache is not None else {}
    tpl_text = None
    expected = rec.template
    if rec.template is not None:
        if ("text", rec.runbook) not in cache:
            from runbookgen.records.newrun import template_text

            cache[("text", rec.runbook)] = template_text(project, rec.runbook)
        tpl_text = cache[("text", rec.runbook)]
        expected = _expected_template(rec, project, tpl_text, cache)
    ctx = Context(
        project=project,
        progress=progress if progress is not None else compute(rec.model, rec.status),
        template=expected,
        template_text=tpl_text,
        strict=strict,
        cache=cache,
    )
    out: list[Finding] = []
    for rule in RULES:
        out.extend(rule(rec, ctx))
    return out


def _expected_template(
    rec: RunRecord, project: Project, tpl_text: str, cache: dict[Any, Any]
) -> Runbook | None:
    """The template as ``new-run`` rendered it for this run: placeholders in tasks
    ("Tag [Release]") are filled in the run, so drift compares against the filled text."""
    from runbookgen.markdown import split_front_matter
    from runbookgen.records.newrun import render_body

    fillable = cache.get(("fillable", rec.runbook))
    if fillable is None:
        _fm, body = split_front_matter(tpl_text)
        probe = {"release": "\0r", "date": "\0d", "lead": "\0l"}
        fillable = cache[("fillable", rec.runbook)] = render_body(body, probe) != body
    if not fillable:
        return rec.template
    key = ("expected", rec.runbook, rec.release, rec.date, rec.lead)
    if key not in cache:
        from runbookgen.markdown import loads

        _fm, body = split_front_matter(tpl_text)
        rendered = tpl_text[: len(tpl_text) - len(body)] + render_body(
            body, {"release": rec.release, "date": rec.date, "lead": rec.lead}
        )
        model = loads(
            rendered, path=rec.template.path if rec.template else None, field_labels=project.field_labels
        )
        if rec.template is not None:
            model.path = rec.template.path
        cache[key] = model
    return cache[key]


def check_paths(
    paths: Iterable[Path], project: Project, strict: bool = False, extra: Iterable[Finding] = ()
) -> list[Finding]:
    """Load and check run files; a file that cannot be read is a finding, not a crash.

    ``paths`` is iterated once (the CLI passes a progress bar)."""
    findings: list[Finding] = []
    cache: dict[Any, Any] = {}
    releases: dict[tuple[str, str], list[RunRecord]] = {}
    for p in paths:
        try:
            rec = load_run(p, project)
        except MergeConflict as exc:
            findings.append(
                Finding(exc.path or project.rel(p), exc.line, "error", "merge-conflict", exc.message)
            )
            continue
        except RunbookgenError as exc:
            findings.append(Finding(exc.path or project.rel(p), exc.line, "error", "unreadable", exc.message))
            continue
        findings.extend(check_record(rec, project, strict, cache))
        if rec.runbook and rec.release:
            releases.setdefault((rec.runbook, rec.release), []).append(rec)
    findings.extend(duplicate_releases(releases))
    findings.extend(extra)
    return finalize(findings, strict)


def duplicate_releases(releases: dict[tuple[str, str], list[RunRecord]]) -> Iterator[Finding]:
    """Two run records of one runbook for the same release: history, badges and summary
    would mix them up (new-run refuses this; a copied file does not)."""
    for (runbook, release), recs in releases.items():
        for rec in recs if len(recs) > 1 else ():
            others = ", ".join(r.relpath for r in recs if r is not rec)
            yield _f(
                rec,
                rec.key_line("release"),
                "warning",
                "duplicate-release",
                f"release {release} of {runbook} also has the run record {others}; "
                "give each deployment its own release name",
            )


def check_runs(
    records: Iterable[RunRecord], project: Project, strict: bool = False, extra: Iterable[Finding] = ()
) -> list[Finding]:
    """Findings for already-loaded records plus ``extra`` ones (e.g. from history)."""
    cache: dict[Any, Any] = {}
    findings = [f for rec in records for f in check_record(rec, project, strict, cache)]
    findings.extend(extra)
    return finalize(findings, strict)


def finalize(findings: list[Finding], strict: bool) -> list[Finding]:
    """Under ``--strict`` warnings are errors; order: by file, then line."""
    if strict:
        findings = [
            Finding(f.path, f.line, "error", f.code, f.message) if f.severity == "warning" else f
            for f in findings
        ]
    return sorted(findings, key=lambda f: (f.path, f.line or 0))


# ---------------------------------------------------------------------------- output
GITHUB_LIMIT = 10  # annotations GitHub shows per type and step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: list[Finding], prefix: str = "") -> list[str]:
    """Workflow commands, errors first; a closing count when GitHub will not show them all.

    ``prefix`` is the project's directory inside the git repository: GitHub resolves
    ``file=`` against the repository root, not the project root.
    """
    lines = []
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity != "error"]
    for f in (*errors, *warnings):
        # control characters become visible escapes first: nothing from a run file can end
        # the command early, start another one or act on the terminal showing the log
        props = [f"file={escape_property(for_terminal(prefix + f.path))}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={escape_property('runbookgen ' + f.code)}")
        message = "\n".join(for_terminal(part) for part in f.message.split("\n"))  # %0A: a line break
        lines.append(f"::{f.severity} {','.join(props)}::{escape_data(message)}")
    if len(errors) > GITHUB_LIMIT or len(warnings) > GITHUB_LIMIT:
        lines.append(
            f"runbookgen check: {len(errors)} error{'s' * (len(errors) != 1)} and {len(warnings)} "
            f"warning{'s' * (len(warnings) != 1)}; "
            f"GitHub shows only the first {GITHUB_LIMIT} of each per step, the full list "
            "is above (or run 'runbookgen check' locally)"
        )
    return lines


def counts(findings: list[Finding]) -> tuple[int, int]:
    errors = sum(f.severity == "error" for f in findings)
    return errors, len(findings) - errors
