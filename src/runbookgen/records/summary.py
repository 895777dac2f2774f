"""``summary``: what a pull request did to run records, as Markdown for its job summary.

Compares each run file touched between the merge base of ``--base`` and ``--head`` (or
the working tree): items ticked, unticked and skipped per phase, progress before → after,
and triggered rollback criteria as a caution block. The result stays below GitHub's
1 MiB step-summary limit by cutting lists short with an "N more" line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.gitutil import GitError, git, git_bytes, repo_root
from runbookgen.model import Item, Runbook, Section
from runbookgen.project import Project
from runbookgen.records.progress import Progress, compute
from runbookgen.text import quoted

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


def _shallow(root: Path) -> bool:
    return git("rev-parse", "--is-shallow-repository", cwd=root, check=False).strip() == "true"


def _check_revision(root: Path, option: str, rev: str) -> None:
    """One clear line for a --base/--head that is not a commit here (instead of git's
    usage text, or an option smuggled into git's command line)."""
    if not rev.strip() or rev.startswith("-") or not rev.isprintable():
        raise RunbookgenError(f"{option} {quoted(rev)} is not a git revision")
    found = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=root, check=False).strip()
    if not found and _shallow(root):
        raise RunbookgenError(
            f"{option} {quoted(rev)} is not in this shallow clone. Fetch the whole history (in GitHub "
            "Actions: actions/checkout with 'fetch-depth: 0'; locally: git fetch --unshallow)"
        )
    if not found:
        raise RunbookgenError(
            f"{option} {quoted(rev)} is not a commit in this repository "
            "(a branch, tag or commit such as main or origin/main; fetch it first if it is remote)"
        )


def _merge_base(root: Path, base: str, head: str | None) -> str:
    _check_revision(root, "--base", base)
    if head is not None:
        _check_revision(root, "--head", head)
    try:
        return git("merge-base", base, head or "HEAD", cwd=root).strip()
    except GitError as exc:
        if _shallow(root):
            raise RunbookgenError(
                f"cannot find where {head or 'HEAD'} branched from {quoted(base)}: this is a shallow clone "
                "without that history. Fetch the whole history (in GitHub Actions: "
                "actions/checkout with 'fetch-depth: 0'; locally: git fetch --unshallow)"
            ) from None
        raise RunbookgenError(f"cannot compare with {quoted(base)}: {exc.message}") from None


def _changed_files(root: Path, runs_rel: str, base: str, head: str | None) -> tuple[str, list[str]]:
    mb = _merge_base(root, base, head)
    args = ["diff", "--name-only", "--no-renames", "-z", mb]
    if head:
        args.append(head)
    names = [n for n in git(*args, "--", runs_rel, cwd=root).split("\0") if n]
    if head is None:
        untracked = git("ls-files", "-z", "--others", "--exclude-standard", "--", runs_rel, cwd=root)
        names += [n for n in untracked.split("\0") if n]
    md = sorted({n for n in names if n.endswith(".md") and Path(n).name.lower() != "readme.md"})
    return mb, md


def _read(project: Project, root: Path, rev: str | None, name: str) -> str | None:
    """A run file's text in the work tree (``rev`` None) or in a commit; None when absent.

    Work tree files go through the safe reader: a symlink out of the repository, a FIFO
    or an oversized file is an error, never read."""
    from runbookgen.files import decode, too_big

    rel = project.rel(root / name)
    if rev is None:
        p = root / name
        if not os.path.lexists(p):
            return None
        return project.read_text(p, "a run record")
    try:
        data = git_bytes("show", f"{rev}:{name}", cwd=root)
    except GitError:
        return None
    if len(data) > project.max_file_bytes:
        raise RunbookgenError(too_big(len(data), project.max_file_bytes), rel)
    return decode(data, rel)


def collect(project: Project, base: str, head: str | None = None) -> list[RunChange]:
    """The run changes between ``merge-base(base, head)`` and ``head`` (default: work tree)."""
    from runbookgen.records.record import parse_run, raw_scalars

    root = repo_root(project.root)
    if root is None:
        raise RunbookgenError("summary compares git revisions: not inside a git repository", project.root)
    runs_rel = project.runs_path.relative_to(root).as_posix() if project.runs_path != root else "."
    mb, names = _changed_files(root, runs_rel, base, head)
    out = []
    for name in names:
        rel = project.rel(root / name)
        models: list[Runbook | None] = []
        written: dict[str, str] = {}  # numbers as written (release: 2.10)
        error = None
        for rev in (mb, head):
            try:
                text = _read(project, root, rev, name)
                model = None if text is None else parse_run(text, rel, project)
            except RunbookgenError as exc:
                model, error = None, str(exc)
            models.append(model)
            if model is not None and text is not None:
                written = raw_scalars(model, text)
        before, after = models
        shown = after or before
        fm = shown.front_matter if shown is not None else {}
        rc = RunChange(
            path=rel,
            runbook=str(fm.get("runbook", "")),
            release=written.get("release", str(fm.get("release", ""))),
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


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])")


def md_text(text: str) -> str:
    """Untrusted text (paths, names, statuses, reasons) as literal Markdown on one line:
    every character Markdown or HTML could act on is backslash-escaped, so a file name
    cannot start a block, a link, an image or a tag in the job summary."""
    from runbookgen.text import for_terminal

    return _MD_SPECIAL.sub(r"\\\1", for_terminal(" ".join(text.split())))


def md_code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    from runbookgen.text import for_terminal

    text = for_terminal(" ".join(text.split()))
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_inline(text: str) -> str:
    """An item's text (inline Markdown, rendered as such) on one line; raw HTML is shown as
    text, never interpreted."""
    from runbookgen.text import for_terminal

    return for_terminal(" ".join(text.split())).replace("&", "&amp;").replace("<", "&lt;")


def plain(text: str) -> str:
    """Any text on one line for a terminal (``summary`` run by a person)."""
    from runbookgen.text import for_terminal

    return for_terminal(" ".join(text.split()))


def render(changes: list[RunChange], limit: int = LIMIT, markdown: bool = True) -> str:
    """The Markdown report, cut to ``limit`` bytes with an "N more" line when needed.

    ``markdown=False`` gives the same lines for a terminal: nothing escaped for Markdown
    (``<`` stays ``<``), control characters escaped all the same."""
    lit, code, inline = (md_text, md_code, md_inline) if markdown else (plain, plain, plain)
    head = ["## Run records", ""]
    if not changes:
        return "\n".join([*head, "No run records changed.", ""])
    blocks: list[list[str]] = []
    for rc in changes:
        title = f"{rc.runbook or 'run'} {rc.release}".strip()
        lines = [f"### {lit(title)} — {code(rc.path)}", ""]
        if rc.error:
            lines += [f"> [!WARNING]\n> Cannot read this run record: {lit(rc.error)}", ""]
        if rc.after is None:
            lines += ["Run record removed.", ""]
            blocks.append(lines)
            continue
        status = (
            lit(rc.status_after)
            if rc.status_after == rc.status_before or not rc.before
            else f"{lit(rc.status_before)} → {lit(rc.status_after)}"
        )
        before = "new run" if rc.before is None else _pct(rc.before)
        lines += [f"**Progress**: {before} → **{_pct(rc.after)}** · status: {status}", ""]
        triggered = [c for c in rc.changes if c.action == "triggered"]
        if triggered or rc.after.triggered:
            names = triggered or [ItemChange("", i, "triggered") for i in rc.after.triggered]
            lines += ["> [!CAUTION]", "> Rollback criteria met:"]
            lines += [f"> - **{inline(c.item.text)}** (line {c.item.line})" for c in names]
            lines.append("")
        stage = None
        for c in rc.changes:
            if c.stage != stage:
                stage = c.stage
                lines += ["", f"#### {lit(stage)}", ""] if lines[-1] else [f"#### {lit(stage)}", ""]
            why = c.item.skip_reason if c.action == "skipped" else None
            reason = f" — n/a: {lit(why)}" if why else ""
            lines.append(f"- {_ICON[c.action]}: {inline(c.item.text)}{reason}")
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
