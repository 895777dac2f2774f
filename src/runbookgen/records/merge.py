"""Merging two versions of a run record: ``runbookgen resolve``.

Two pull requests that tick neighbouring boxes conflict in git, whose three-way merge
refuses changes to adjacent lines. In a run record each tick, skip or filled field changes
its own line, so a merge that accepts adjacent changes (and refuses only changes to the
same lines) resolves the day-to-day case exactly: every box either side ticked stays
ticked. Changes to the same line on both sides (one ticks, the other skips) stay a
conflict for a person to decide.

The three versions come from git's index during a merge, rebase or cherry-pick (stages 1,
2 and 3 of a conflicted path); the merged text goes through the one run-record parser
before it replaces the file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.files import write_replace
from runbookgen.gitutil import git, git_bytes
from runbookgen.project import Project
from runbookgen.records.record import conflict_line, parse_run

#: beyond this many lines a file is not merged here (difflib's matching is quadratic at
#: worst; a run record of the largest real runbook has about 330 lines)
MAX_LINES = 20_000


@dataclass(frozen=True)
class _Edit:
    start: int  # base lines [start, end) are replaced by ``lines``
    end: int
    lines: tuple[str, ...]
    side: int  # 0: ours, 1: theirs


@dataclass
class Merged:
    """The merge of two versions: ``text``, or the base lines both sides changed."""

    text: str | None
    taken: tuple[int, int] = (0, 0)  # changes kept from ours, from theirs
    clashes: list[int] = field(default_factory=list)  # 1-based lines of the base version


def _edits(base: list[str], other: list[str], side: int) -> list[_Edit]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [
        _Edit(i1, i2, tuple(other[j1:j2]), side)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def merge3(base: str, ours: str, theirs: str) -> Merged:
    """Both sides' changes to ``base`` when they touch different lines, adjacent or not.

    Two changes clash when they replace overlapping lines, or both insert (or one inserts
    and one replaces) at the same place, unless they are the same change.
    """
    b, o, t = (x.splitlines(keepends=True) for x in (base, ours, theirs))
    edits = sorted(_edits(b, o, 0) + _edits(b, t, 1), key=lambda e: (e.start, e.end, e.side))
    kept: list[_Edit] = []
    clashes: list[int] = []
    for e in edits:
        if kept:
            p = kept[-1]
            same_place = e.start == p.start and (e.start == e.end or p.start == p.end)
            if e.start < p.end or same_place:
                if (e.start, e.end, e.lines) != (p.start, p.end, p.lines):
                    clashes.append(p.start + 1)
                continue
        kept.append(e)
    if clashes:
        return Merged(None, clashes=sorted(set(clashes)))
    out: list[str] = []
    pos = 0
    for e in kept:
        out.extend(b[pos : e.start])
        out.extend(e.lines)
        pos = e.end
    out.extend(b[pos:])
    taken = (sum(1 for e in kept if e.side == 0), sum(1 for e in kept if e.side == 1))
    return Merged("".join(out), taken)


@dataclass
class Resolution:
    """What ``resolve`` did with one conflicted run record."""

    relpath: str
    state: str  # "resolved" | "clean" (nothing to resolve) | "conflict" (left for a person)
    note: str
    line: int | None = None


def conflicted(project: Project) -> list[str]:
    """Run records (paths relative to the project root) git lists as unmerged."""
    out = git("ls-files", "-u", "-z", "--", project.runs_dir, cwd=project.root)
    seen: dict[str, None] = {}
    for entry in out.split("\0"):
        if "\t" in entry:
            seen.setdefault(entry.split("\t", 1)[1], None)
    return [p for p in seen if p.endswith(".md")]


def _stages(project: Project, relpath: str) -> dict[int, bytes | None]:
    """git's versions of a conflicted path by stage (1 base, 2 ours, 3 theirs); None for a
    version that is not a regular file (a symlink or submodule is never merged as text)."""
    out = git("ls-files", "-u", "-z", "--", relpath, cwd=project.root)
    stages: dict[int, bytes | None] = {}
    for entry in out.split("\0"):
        meta, _, path = entry.partition("\t")
        if path != relpath:
            continue
        mode, sha, stage = meta.split()
        regular = mode in ("100644", "100755")
        stages[int(stage)] = git_bytes("cat-file", "blob", sha, cwd=project.root) if regular else None
    return stages


def resolve_file(project: Project, relpath: str, *, dry_run: bool = False) -> Resolution:
    """Merge git's versions of one conflicted run record into the work tree and stage it."""
    path = project.inside(project.root / relpath, "run record")
    stages = _stages(project, relpath)
    if not stages:
        return Resolution(relpath, "clean", "no merge conflict")
    if any(v is None for v in stages.values()):
        return Resolution(relpath, "conflict", "is not a regular file in every version; merge it by hand")
    if set(stages) != {1, 2, 3}:
        what = "added on both sides" if set(stages) == {2, 3} else "deleted or renamed on one side"
        return Resolution(relpath, "conflict", f"was {what}; merge it by hand")
    current = project.read_text(path, what="a run record")
    if conflict_line(current) is None:
        return Resolution(
            relpath, "conflict", "has no conflict markers left (resolved by hand?); 'git add' it"
        )
    try:
        base, ours, theirs = ((stages[n] or b"").decode("utf-8") for n in (1, 2, 3))
    except UnicodeDecodeError:
        return Resolution(relpath, "conflict", "a version of it is not UTF-8; merge it by hand")
    if max(s.count("\n") for s in (base, ours, theirs)) > MAX_LINES:
        return Resolution(relpath, "conflict", f"has more than {MAX_LINES:,} lines; merge it by hand")
    merged = merge3(base, ours, theirs)
    if merged.text is None:
        first = merged.clashes[0]
        more = f" (and {len(merged.clashes) - 1} more)" if len(merged.clashes) > 1 else ""
        return Resolution(
            relpath,
            "conflict",
            f"both sides changed line {first}{more}: keep the lines you want, delete the "
            "<<<<<<<, ======= and >>>>>>> lines, and commit",
            first,
        )
    try:
        parse_run(merged.text, relpath, project)  # the merge must still be a run record
    except RunbookgenError as exc:
        return Resolution(
            relpath, "conflict", f"the merge would not be a run record ({exc.message})", exc.line
        )
    ours_n, theirs_n = merged.taken
    note = f"merged: {_changes(ours_n)} from this branch, {_changes(theirs_n)} from the other"
    if not dry_run:
        write_replace(path, merged.text, shown=relpath, root=project.root)
        git("add", "--", relpath, cwd=project.root)
    return Resolution(relpath, "resolved", note)


def _changes(n: int) -> str:
    return f"{n} change" + ("" if n == 1 else "s")


def resolve(project: Project, paths: list[str] | None = None, *, dry_run: bool = False) -> list[Resolution]:
    """Resolve the named run records (default: every conflicted one under runs/)."""
    if git("rev-parse", "--is-inside-work-tree", cwd=project.root, check=False).strip() != "true":
        raise RunbookgenError("not a git repository: resolve merges git's conflicting versions", project.root)
    if paths:
        relpaths = [project.rel(project.inside(Path(p), "run record")) for p in paths]
    else:
        relpaths = conflicted(project)
    return [resolve_file(project, rel, dry_run=dry_run) for rel in relpaths]
