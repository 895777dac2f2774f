"""Replay: the diffs of the ``git log`` stream turned into tick events per run file.

Every tick arrives in a commit: this module follows each run file through the commits
that changed it (``gitlog.py`` reads them) and turns each change into events — ticked,
unticked, skipped, unskipped, a sign-off field filled or cleared, the run's status
changed — each with its commit.

How, and why this way:

* **History as git simplifies it** (no ``--first-parent``, no ``--full-history``): every
  commit that explains the current files is walked, so a tick made on a pull request branch
  belongs to the commit that made it, not to the merge (merges show no diff).
* **Order by the commit graph**: commits come parents first (``--topo-order``) and events
  keep that order, never the author or committer dates, which are whatever the committer's
  clock or environment said (a backdated commit stays where the graph puts it).
* **Items are matched by id, not by line**: each file version's line → item id map comes
  from a real parse (:func:`runbookgen.markdown.loads`), but parsing costs ~20 ms, so a map is
  reused while the change is only ticks, skips and field values on existing task lines
  (the common case), and shared between files whose *skeleton* (structure with the
  per-run text blanked out) is equal — runs of one template parse once.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.history.events import Commit, RunHistory, TickEvent
from runbookgen.history.gitlog import Blobs, Change, GitLog, Hunk, commits, merge_prs
from runbookgen.markdown.grammar import gfm_checked, label_pattern, open_all, read_task_text, task_line

_STATUS_LINE = re.compile(r"^status[ \t]*+:(?P<value>.*+)")

# item state: (checked, skipped, skip reason, ((field, value), ...))
State = tuple[bool, bool, str | None, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class _LineMap:
    """Where the items of one file version are: line → id, multi-line item texts, and the
    last front matter line (0 without front matter)."""

    ids: dict[int, str]
    multi: dict[int, int]  # first line → number of text lines, for items spanning lines
    fm_end: int


@dataclass(slots=True)
class _Version:
    lines: list[str]
    map: _LineMap
    states: dict[str, State]


class _States:
    """Item state from a task line, read by the one task grammar
    (:mod:`runbookgen.markdown.grammar`) like the parser reads it.

    Memoised by text: runs of one template repeat the same item texts thousands of times.
    """

    def __init__(self, labels: frozenset[str]) -> None:
        self.label_re = label_pattern(labels)
        self.memo: dict[str, tuple[str, bool, str | None, tuple[tuple[str, str], ...]]] = {}

    def _text(self, text: str) -> tuple[str, bool, str | None, tuple[tuple[str, str], ...]]:
        got = self.memo.get(text)
        if got is not None:
            return got
        task = read_task_text(text, self.label_re)
        got = (task.key, task.skipped, task.reason, tuple((f.name, f.value) for f in task.fields))
        if len(self.memo) < 200_000:
            self.memo[text] = got
        return got

    def of_text(self, line: str, text: str) -> tuple[str, State]:
        """(identity key, state) of the item whose first line is ``line`` and text ``text``."""
        key, skipped, reason, fields = self._text(text)
        return key, (gfm_checked(line) is True, skipped, reason, fields)

    def of_lines(self, lines: list[str], lineno: int, count: int = 1) -> tuple[str, State] | None:
        line = lines[lineno - 1]
        task = task_line(line)
        if task is None:
            return None
        text = task.text
        if count > 1:
            text = "\n".join([text, *(x.strip() for x in lines[lineno : lineno + count - 1])])
        return self.of_text(line, text)


_EMPTY: State = (False, False, None, ())
_Transition = tuple[str, "str | None", "str | None"]
_Spec = tuple[str, int, tuple[_Transition, ...]]  # item id, line, transitions
_NOT_QUICK: Any = ("not quick",)


def _transitions(old: State, new: State) -> Iterator[_Transition]:
    """Events that take an item from ``old`` to ``new``: (kind, field, value)."""
    o_checked, o_skipped, o_reason, o_fields = old
    n_checked, n_skipped, n_reason, n_fields = new
    if o_skipped and not n_skipped:
        yield "unskipped", None, None
    if n_skipped and (not o_skipped or o_reason != n_reason):
        yield "skipped", None, n_reason
    o_done = o_checked and not o_skipped
    n_done = n_checked and not n_skipped
    if n_done and not o_done:
        yield "ticked", None, None
    elif o_done and not n_done and not n_skipped:
        yield "unticked", None, None
    if n_fields != o_fields:
        before = dict(o_fields)
        for name, value in n_fields:
            if before.get(name, "") != value:
                yield ("filled" if value else "cleared"), name, value


# ---------------------------------------------------------------------- the replayer


class Replayer:
    """Reads the ``git log`` stream once and turns it into events per run file.

    ``boundary`` holds the commits a shallow clone was cut at: their files are a baseline,
    not a flood of ticks. ``versions_kept`` bounds the file versions held in memory (a
    version evicted is read back from git when a later change needs it).
    """

    def __init__(
        self,
        root: Path,
        labels: frozenset[str],
        boundary: set[str] | None = None,
        progress: Callable[[int], None] | None = None,
        versions_kept: int = 512,
    ) -> None:
        self.labels = labels
        self.states = _States(labels)
        self.progress = progress
        self.boundary = boundary or set()
        self.versions_kept = versions_kept
        self.versions: dict[str, _Version] = {}
        self.skeletons: dict[str, _LineMap] = {}
        self.hunks: dict[tuple[int, int, str], Any] = {}
        self.fulls: dict[tuple[str, str], tuple[dict[str, State], dict[str, int], list[_Spec]]] = {}
        self.events: dict[str, list[TickEvent]] = {}
        self.blobs = Blobs(root)
        self.root = root
        self.seq = 0

    def resume(self, runs: dict[str, RunHistory]) -> None:
        """Start from the events of a history already read up to an ancestor commit, so
        ``run`` needs the log of the commits after it only (``git log NEW ^OLD``). The file
        versions those commits start from are read from git as they are needed."""
        for path, rh in runs.items():
            if rh.available:
                self.events[path] = list(rh.events)
        self.seq = max((e.seq for rh in runs.values() for e in rh.events), default=0)

    def run(self, log: GitLog) -> dict[str, RunHistory]:
        """Read ``log`` to the end; the events of every run file (current path → history)."""
        try:
            prs = merge_prs(self.root)  # a second, small git process, while git log runs
            # hundreds of thousands of small, long-lived objects and no cycles: the cyclic
            # collector would re-scan them over and over
            gc_was = gc.isenabled()
            gc.disable()
            try:
                for commit, changes in commits(log.blocks(), prs):
                    self._commit(commit, changes)
            finally:
                if gc_was:
                    gc.enable()
                self.blobs.close()
            log.finish()
        finally:
            log.close()
        runs = {}
        incomplete = bool(self.boundary)
        for path, events in self.events.items():
            events.sort(key=_by_seq)  # a rename can append older events to a newer path
            runs[path] = RunHistory(path, True, None, events, False, incomplete)
        return runs

    # -------------------------------------------------------------- one commit
    def _commit(self, commit: Commit, changes: list[Change]) -> None:
        self.seq += 1
        if self.progress is not None:
            self.progress(self.seq)
        baseline = commit.sha in self.boundary
        for ch in changes:
            if not ch.new_path.endswith(".md") or ch.status == "D":
                continue
            if ch.status == "R" and ch.old_path in self.events:
                self.events.setdefault(ch.new_path, []).extend(self.events.pop(ch.old_path))
            if ch.new_path.rsplit("/", 1)[-1].lower() == "readme.md":
                continue
            self._change(commit, ch, baseline)

    def _change(self, commit: Commit, ch: Change, baseline: bool) -> None:
        old: _Version | None = None
        if ch.status not in ("A", "C") and ch.old_sha.strip("0"):
            old = self._version(ch.old_sha)
        quick = self._quick(old, ch) if old is not None and not ch.binary else None
        if quick is not None:
            version, specs, fm_touched = quick
        else:
            new_lines: list[str] | None = None
            if ch.binary:
                new_lines = None
            elif old is None and ch.status in ("A", "C"):
                new_lines = [x[1:] for hunk in ch.hunks for x in hunk[4]]
            elif old is not None:
                new_lines = _apply(old.lines, ch.hunks)
            if new_lines is None:
                new_lines = self.blobs.get(ch.new_sha) or []
            version, specs = self._full(new_lines, old)
            fm_touched = True
        self._remember(ch.new_sha, version)
        if baseline:
            return
        events = self.events.get(ch.new_path)
        if events is None:
            events = self.events[ch.new_path] = []
        path, seq = ch.new_path, self.seq
        for ident, line, transitions in specs:
            for kind, fname, value in transitions:
                events.append(TickEvent(ident, kind, commit, path, line, fname, value, seq))
        if fm_touched:
            old_status = _status(old.lines, old.map.fm_end) if old is not None else None
            new_status = _status(version.lines, version.map.fm_end)
            if new_status is not None and new_status != old_status:
                events.append(TickEvent("", "status", commit, path, 0, "status", new_status, seq))

    def _version(self, sha: str) -> _Version | None:
        v = self.versions.get(sha)
        if v is not None:
            return v
        lines = self.blobs.get(sha)
        if lines is None:
            return None
        v = self._full(lines, None)[0]
        self._remember(sha, v)
        return v

    def _remember(self, sha: str, v: _Version) -> None:
        """Keep the last versions seen (first in, first out; a miss costs one cat-file)."""
        versions = self.versions
        versions[sha] = v
        if len(versions) > self.versions_kept:
            del versions[next(iter(versions))]

    # -------------------------------------------------------------- versions
    def _quick(self, old: _Version, ch: Change) -> tuple[_Version, list[_Spec], bool] | None:
        """The new version when the change only touched the state of existing task lines
        (or front matter values): same line → id map, states updated line by line.

        Returns (version, events to emit, front matter touched) or None for the full path.
        Hunks are memoised: runs of one template tick the same lines with the same text.
        """
        lm = old.map
        memo = self.hunks
        new_lines = old.lines.copy()
        states: dict[str, State] | None = None
        specs: list[_Spec] = []
        fm_touched = False
        for a, b, _c, d, body in ch.hunks:
            if b != d or not b or len(body) != 2 * b:
                return None
            key = (id(lm), a, "\n".join(body))
            got = memo.get(key)
            if got is None:
                if len(memo) > 100_000:
                    memo.clear()
                got = memo[key] = self._hunk(lm, a, b, body)
            if got is _NOT_QUICK:
                return None
            updates, hunk_specs, fm = got
            new_lines[a - 1 : a - 1 + b] = [x[1:] for x in body[b:]]
            if updates:
                if states is None:
                    states = dict(old.states)
                states.update(updates)
            specs.extend(hunk_specs)
            fm_touched = fm_touched or fm
        return _Version(new_lines, lm, states if states is not None else old.states), specs, fm_touched

    def _hunk(self, lm: _LineMap, a: int, b: int, body: list[str]) -> Any:
        """(state updates, events, front matter touched) for one same-size hunk of changed
        lines, or _NOT_QUICK when a line is not a task line keeping its identity."""
        updates: dict[str, State] = {}
        specs: list[_Spec] = []
        fm = False
        for k in range(b):
            n = a + k
            old_line, new_line = body[k][1:], body[b + k][1:]
            if n < lm.fm_end:
                if n == 1 or "title:" in old_line or "title:" in new_line:
                    return _NOT_QUICK
                fm = True
                continue
            ident = lm.ids.get(n)
            if ident is None or n in lm.multi:
                return _NOT_QUICK
            got = self._pair(old_line, new_line)
            if got is _NOT_QUICK:
                return _NOT_QUICK
            updates[ident] = got[0]
            if got[1]:
                specs.append((ident, n, got[1]))
        return updates, tuple(specs), fm

    def _pair(self, old_line: str, new_line: str) -> tuple[State, tuple[_Transition, ...]]:
        """(new state, transitions) for one changed task line; _NOT_QUICK when the change
        could move ids (prefix or identity key changed)."""
        before, after = task_line(old_line), task_line(new_line)
        if before is None or after is None or before.lead != after.lead:
            return _NOT_QUICK
        key_new, new = self.states.of_text(new_line, after.text)
        key_old, old = self.states.of_text(old_line, before.text)
        if key_new != key_old:
            return _NOT_QUICK
        return new, tuple(_transitions(old, new))

    def _full(self, lines: list[str], old: _Version | None) -> tuple[_Version, list[_Spec]]:
        """Map items by parsing (once per skeleton), read each item's state from its lines,
        and diff against the old version by id (memoised for new files of one template)."""
        skel = _skeleton(lines)
        lm = self.skeletons.get(skel)
        if lm is None:
            lm = self._parse(lines)
            self.skeletons[skel] = lm
        nlines = len(lines)
        sig = "\n".join([lines[n - 1] for n in lm.ids if n <= nlines])
        memo_key = (skel, sig)
        hit = self.fulls.get(memo_key)
        if hit is None:
            states: dict[str, State] = {}
            lines_of: dict[str, int] = {}
            for n, ident in lm.ids.items():
                if n > nlines:
                    continue
                got = self.states.of_lines(lines, n, lm.multi.get(n, 1))
                if got is not None:
                    states[ident] = got[1]
                    lines_of[ident] = n
            created = [
                (i, lines_of[i], t) for i, st in states.items() if (t := tuple(_transitions(_EMPTY, st)))
            ]
            hit = (states, lines_of, created)
            if len(self.fulls) < 4096:
                self.fulls[memo_key] = hit
        states, lines_of, created = hit
        version = _Version(lines, lm, states)
        if old is None:
            return version, created
        specs = []
        old_states = old.states
        for ident, st in states.items():
            before = old_states.get(ident, _EMPTY)
            if before != st:
                t = tuple(_transitions(before, st))
                if t:
                    specs.append((ident, lines_of[ident], t))
        return version, specs

    def _parse(self, lines: list[str]) -> _LineMap:
        from runbookgen.markdown import loads

        text = "\n".join(lines) + "\n"
        try:
            model = loads(text, field_labels=self.labels)
        except RunbookgenError:
            end = _front_matter_end(lines)
            if not end:
                return _LineMap({}, {}, 0)
            try:  # broken front matter: the body still has its items, at the same lines
                model = loads("\n" * end + "\n".join(lines[end:]) + "\n", field_labels=self.labels)
            except RunbookgenError:
                return _LineMap({}, {}, end)
        ids = {}
        multi = {}
        for item in model.items():
            ids[item.line] = item.id
            if "\n" in item.text:
                multi[item.line] = item.text.count("\n") + 1
        fm_end = model.body_line - 1 if model.front_matter or _front_matter_end(lines) else 0
        return _LineMap(ids, multi, fm_end)


def _apply(old: list[str], hunks: list[Hunk]) -> list[str]:
    """Apply zero-context hunks to the old lines."""
    out: list[str] = []
    pos = 0  # 0-based index into old
    for a, b, _c, _d, lines in hunks:
        start = a - 1 if b else a  # with b == 0, ``a`` is the line *after which* to insert
        out.extend(old[pos:start])
        out.extend(x[1:] for x in lines if x[:1] == "+")
        pos = start + b
    out.extend(old[pos:])
    return out


def _front_matter_end(lines: list[str]) -> int:
    """1-based line of the closing ``---`` of front matter, 0 without front matter."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for n in range(1, len(lines)):
        if lines[n].rstrip() in ("---", "..."):
            return n + 1
    return 0


def _status(lines: list[str], fm_end: int) -> str | None:
    for n in range(1, max(fm_end - 1, 0)):
        m = _STATUS_LINE.match(lines[n])
        if m:
            return _yaml_scalar(m.group("value").strip()) or None
    return None


def _yaml_scalar(value: str) -> str:
    """A one-line YAML value as written, without quotes or a trailing ``# comment``
    (new-run writes ``status: planned  # planned | in-progress | …``)."""
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    cuts = [c for c in (value.find(" #"), value.find("\t#")) if c >= 0]
    return (value[: min(cuts)] if cuts else value).strip()


# Blocks of column-0 prose lines, or of childless column-0 bullets, between blank lines:
# their text cannot change which items exist or how they nest, so a skeleton blanks it.
_PROSE_ONLY = re.compile(r"\A(?:(?:\*\*)?[^\W\d_][^\n|]*+(?:\n|\Z))++")
_BULLETS_ONLY = re.compile(r"\A(?:[-+*][ \t]++(?!\[[ xX]\])(?:\*\*)?[^\W\d_][^\n|]*+(?:\n|\Z))++")


def _skeleton(lines: list[str]) -> str:
    """The file with per-run text blanked: two versions with equal skeletons have the same
    items at the same lines, so one parse serves both.

    Blanked: front matter values (``title`` kept), the box's mark, and blocks (between
    blank lines, after a heading) made only of column-0 paragraph lines or of childless
    column-0 bullets without boxes. Everything else — headings, task text, indented lines —
    is kept, which only ever makes the skeleton finer (more parses), never wrong. Works on
    blocks, not lines: this runs for every new run file.
    """
    fm_end = _front_matter_end(lines)
    head = [
        line if n in (0, fm_end - 1) or line.lstrip().startswith("title:") else "fm"
        for n, line in enumerate(lines[:fm_end])
    ]
    body = "\n".join(lines[fm_end:])
    body = open_all(body)
    blocks = body.split("\n\n")
    last = len(blocks) - 1
    for k, blk in enumerate(blocks):
        title = ""
        if blk[:1] == "#":
            nl = blk.find("\n")
            if nl < 0:
                continue
            title, blk = blk[: nl + 1], blk[nl + 1 :]
        c = blk[:1]
        if (c.isalpha() or blk[:2] == "**") and _PROSE_ONLY.fullmatch(blk):
            blocks[k] = title + "\n".join(["¶"] * (blk.count("\n") + 1))
        elif (
            c in ("-", "*", "+")
            and _BULLETS_ONLY.fullmatch(blk)
            and (k == last or blocks[k + 1][:1] not in (" ", "\t"))
        ):
            blocks[k] = title + "\n".join(["- ¶"] * (blk.count("\n") + 1))
    return "\n".join(head) + "\n" + "\n\n".join(blocks)


def _by_seq(ev: TickEvent) -> int:
    return ev.seq
