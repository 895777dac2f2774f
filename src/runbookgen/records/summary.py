"""``summary``: what a pull request did to run records, as Markdown for its job summary.

Compares each run file touched between the merge base of ``--base`` and ``--head`` (or
the working tree): items ticked, unticked and skipped per phase, progress before → after,
and triggered rollback criteria as a caution block. The result stays below GitHub's
1 MiB step-summary limit by cutting lists short with an "N more" line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.gitutil import GitError, git, git_bytes, repo_root
from runbookgen.model import Item, Runbook, Section
from runbookgen.project import Project
from runbookgen.records.progress import Progress, compute

LIMIT = 1_000_000  # bytes; GitHub rejects step summaries over 1 MiB (1,048,576)


@dataclass
class ItemChange:
    stage: str
    item: Item
    action: str  # ticked | unticked | skipped | unskipped | triggered | cleared


@dataclass
class RunChange:
    path: str
    runbook: str
    release: str
    before: Progress | None
    after: Progress | None
    status_before: str = ""
    status_after: str = ""
    changes: list[ItemChange] = field(default_factory=list)
    error: str | None = None


def _stage_of(model: Runbook) -> dict[str, tuple[Section, Section]]:
    """item id → (stage, section)."""
    out: dict[str, tuple[Section, Section]] = {}
    for stage in model.stages:
        for sec in stage.walk():
            for item in sec.own_items():
                out[item.id] = (stage, sec)
    return out


def compare(before: Runbook | None, after: Runbook | None) -> list[ItemChange]:
    """Item-level changes between two versions of a run, in the after version's order."""
    old = before.item_index() if before is not None else {}
    changes: list[ItemChange] = []
    if after is None:
        return changes
    where = _stage_of(after)
    for item in after.items():
        stage, sec = where[item.id]
        prev = old.get(item.id)
        was_checked = bool(prev and prev.checked and not prev.skipped)
        was_skipped = bool(prev and prev.skipped)
        trigger = sec.kind == "triggers"
        title = stage.title
        if item.skipped and not was_skipped:
            changes.append(ItemChange(title, item, "skipped"))
        elif was_skipped and not item.skipped:
            changes.append(ItemChange(title, item, "unskipped"))
        if not item.skipped:
            if item.checked and not was_checked:
                changes.append(ItemChange(title, item, "triggered" if trigger else "ticked"))
            elif was_checked and not item.checked:
                changes.append(ItemChange(title, item, "cleared" if trigger else "unticked"))
    return changes


def _changed_files(root: Path, runs_rel: str, base: str, head: str | None) -> tuple[str, list[str]]:
    try:
        mb = git("merge-base", base, head or "HEAD", cwd=root).strip()
    except GitError as exc:
        raise RunbookgenError(f"cannot compare with {base!r}: {exc.message}") from None
    args = ["diff", "--name-only", "--no-renames", "-z", mb]
    if head:
        args.append(head)
    names = [n for n in git(*args, "--", runs_rel, cwd=root).split("\0") if n]
    if head is None:
        untracked = git("ls-files", "-z", "--others", "--exclude-standard", "--", runs_rel, cwd=root)
        names += [n for n in untracked.split("\0") if n]
    md = sorted({n for n in names if n.endswith(".md") and Path(n).name.lower() != "readme.md"})
    return mb, md


def _read(root: Path, rev: str | None, name: str) -> str | None:
    if rev is None:
        p = root / name
        return p.read_bytes().decode("utf-8-sig", "replace") if p.is_file() else None
    try:
        return git_bytes("show", f"{rev}:{name}", cwd=root).decode("utf-8-sig", "replace")
    except GitError:
        return None


def collect(project: Project, base: str, head: str | None = None) -> list[RunChange]:
    """The run changes between ``merge-base(base, head)`` and ``head`` (default: work tree)."""
    from runbookgen.markdown import loads

    root = repo_root(project.root)
    if root is None:
        raise RunbookgenError("summary compares git revisions: not inside a git repository", project.root)
    runs_rel = project.runs_path.relative_to(root).as_posix() if project.runs_path != root else "."
    mb, names = _changed_files(root, runs_rel, base, head)
    labels = project.field_labels
    out = []
    for name in names:
        rel = project.rel(root / name)
        texts = (_read(root, mb, name), _read(root, head, name))
        models: list[Runbook | None] = []
        error = None
        for text in texts:
            if text is None:
                models.append(None)
                continue
            try:
                models.append(loads(text, path=rel, field_labels=labels))
            except RunbookgenError as exc:
                models.append(None)
                error = str(exc)
        before, after = models
        shown = after or before
        fm = shown.front_matter if shown is not None else {}
        rc = RunChange(
            path=rel,
            runbook=str(fm.get("runbook", "")),
            release=str(fm.get("release", "")),
            before=compute(before, str(before.front_matter.get("status", ""))) if before else None,
            after=compute(after, str(after.front_matter.get("status", ""))) if after else None,
            status_before=str(before.front_matter.get("status", "")) if before else "",
            status_after=str(after.front_matter.get("status", "")) if after else "",
            changes=compare(before, after),
            error=error,
        )
        out.append(rc)
    return out


_ICON = {
    "ticked": "✅ ticked",
    "unticked": "↩️ unticked",
    "skipped": "⏭️ skipped",
    "unskipped": "↩️ no longer skipped",
    "triggered": "🚨 **triggered**",
    "cleared": "↩️ trigger cleared",
}


def _pct(p: Progress | None) -> str:
    if p is None:
        return "—"
    skipped = f", {p.skipped} skipped" if p.skipped else ""
    return f"{p.done}/{p.total} ({p.percent:g}%){skipped}"


def _inline(text: str) -> str:
    """An item's text on one line, safe inside a list item."""
    return " ".join(text.split()).replace("<", "&lt;")


def render(changes: list[RunChange], limit: int = LIMIT) -> str:
    """The Markdown report, cut to ``limit`` bytes with an "N more" line when needed."""
    head = ["## Run records", ""]
    if not changes:
        return "\n".join([*head, "No run records changed.", ""])
    blocks: list[list[str]] = []
    for rc in changes:
        title = f"{rc.runbook or 'run'} {rc.release}".strip()
        lines = [f"### {_inline(title)} — `{rc.path}`", ""]
        if rc.error:
            lines += [f"> [!WARNING]\n> Cannot read this run record: {_inline(rc.error)}", ""]
        if rc.after is None:
            lines += ["Run record removed.", ""]
            blocks.append(lines)
            continue
        status = (
            rc.status_after
            if rc.status_after == rc.status_before or not rc.before
            else f"{rc.status_before} → {rc.status_after}"
        )
        before = "new run" if rc.before is None else _pct(rc.before)
        lines += [f"**Progress**: {before} → **{_pct(rc.after)}** · status: {status}", ""]
        triggered = [c for c in rc.changes if c.action == "triggered"]
        if triggered or rc.after.triggered:
            names = triggered or [ItemChange("", i, "triggered") for i in rc.after.triggered]
            lines += ["> [!CAUTION]", "> Rollback criteria met:"]
            lines += [f"> - **{_inline(c.item.text)}** (line {c.item.line})" for c in names]
            lines.append("")
        stage = None
        for c in rc.changes:
            if c.stage != stage:
                stage = c.stage
                lines += ["", f"#### {_inline(stage)}", ""] if lines[-1] else [f"#### {_inline(stage)}", ""]
            why = c.item.skip_reason if c.action == "skipped" else None
            reason = f" — n/a: {_inline(why)}" if why else ""
            lines.append(f"- {_ICON[c.action]}: {_inline(c.item.text)}{reason}")
        if not rc.changes and rc.before is not None:
            lines.append("No boxes changed.")
        lines.append("")
        blocks.append(lines)
    return _fit(head, blocks, limit)


def _fit(head: list[str], blocks: list[list[str]], limit: int) -> str:
    out = list(head)
    size = sum(len(x.encode()) + 1 for x in out)
    budget = limit - 200  # room for the closing "N more" line
    lines = [line for block in blocks for line in block]
    for n, line in enumerate(lines):
        cost = len(line.encode()) + 1
        if size + cost > budget:
            rest = sum(1 for x in lines[n:] if x.startswith("- "))
            out.append(
                f"\n_…and {rest} more changes not shown (GitHub's 1 MiB summary limit); "
                "run `runbookgen summary` locally for the full list._"
            )
            break
        out.append(line)
        size += cost
    return "\n".join(out) + "\n"
