"""Who ticked what, and when: tick events for every run record, read from git.

GitHub records no name or time when a box is ticked in a file, but every tick arrives in
a commit. This module turns the commits that touched the runs directory into events
(ticked, unticked, skipped, unskipped, a sign-off field filled or cleared, the run's
status changed), each with its author, time, commit and pull request number.

How, and why this way:

* **One git process for every run file** (``git log --reverse --topo-order -M --raw -p
  -U0 -- runs/``): a process per file costs ~0.7 s each on a large repository, one pass
  over everything costs about as much as a single one (perf-baseline §5). A second, cheap
  ``git log`` of the commit graph (no diffs) attributes branch commits to the pull request
  merge that brought them in.
* **History as git simplifies it** (no ``--first-parent``, no ``--full-history``): every
  commit that explains the current files is walked, so a tick made on a pull request branch
  belongs to the commit that made it, not to the merge (merges show no diff). Squash
  merges carry the PR number in their title, ``Fix things (#12)``.
* **Items are matched by id, not by line**: each file version's line → item id map comes
  from a real parse (:func:`runbookgen.markdown.loads`), but parsing costs ~20 ms, so a map is
  reused while the change is only ticks, skips and field values on existing task lines
  (the common case), and shared between files whose *skeleton* (structure with the
  per-run text blanked out) is equal — runs of one template parse once.
* **Cached by HEAD**: in-process and on disk under ``.cache/runbookgen/`` (JSON, never
  pickle: the cache directory is inside a repository that may come from a pull request).

Nothing here raises for a missing git, a directory that is not a repository or a file
that was never committed: the result says history is unavailable and why. A shallow
clone gives what it has plus a warning with the fix.

What the site (or any caller) uses::

    hist = load_history(project)            # once per build; History(.available, .warnings)
    rh = hist.for_run(record.relpath)       # RunHistory(.available, .reason, .events, ...)
    rh.latest()                             # item id -> TickEvent: who ticked it, when, PR
    tl = timeline(record, rh)               # Timeline: per-section first/last tick and
                                            # duration vs estimate, wait checks, sign-offs
    signoff_findings(records, project, hist)   # Finding warnings (stale, wrong signer)

Every result has ``to_dict()`` (JSON-ready, times in ISO 8601 with their offset).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookgen.errors import RunbookgenError
from runbookgen.findings import Finding
from runbookgen.gitutil import git_env, have_git
from runbookgen.markdown.grammar import open_all, task_line

if TYPE_CHECKING:
    from runbookgen.model import Estimate, Item, Runbook, Section
    from runbookgen.project import Project
    from runbookgen.records.record import RunRecord

FORMAT_VERSION = 3
SHALLOW_FIX = (
    "the repository is a shallow clone, so history is incomplete; fetch the whole "
    "history (GitHub Actions: 'fetch-depth: 0' under 'with:' of actions/checkout; "
    "locally: git fetch --unshallow)"
)

EVENT_KINDS = ("ticked", "unticked", "skipped", "unskipped", "filled", "cleared", "status")
STATE_KINDS = frozenset({"ticked", "unticked", "skipped", "unskipped"})

_PR_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_PR_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_STATUS_LINE = re.compile(r"^status\s*:\s*(?P<value>.*?)\s*$")
_WAIT = re.compile(
    r"\bfor\s+(?:at\s+least\s+)?(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h|m)\b",
    re.I,
)
_NAME_FIELD_SKIP = re.compile(r"date|time|when", re.I)

# item state: (checked, skipped, skip reason, ((field, value), ...))
State = tuple[bool, bool, str | None, tuple[tuple[str, str], ...]]


# ---------------------------------------------------------------------- data


@dataclass(slots=True)
class Commit:
    """One commit, as the events refer to it. ``time`` is the author date (when the box was
    ticked); ``commit_time`` the committer date (when it landed, e.g. a rebase merge).
    Treat as immutable."""

    sha: str
    author: str
    email: str
    time: datetime
    committer: str
    committer_email: str
    commit_time: datetime
    subject: str
    pr: int | None = None

    @property
    def short(self) -> str:
        return self.sha[:7]

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.sha,
            "author": self.author,
            "email": self.email,
            "time": self.time.isoformat(),
            "committer": self.committer,
            "committer_email": self.committer_email,
            "commit_time": self.commit_time.isoformat(),
            "subject": self.subject,
            "pr": self.pr,
        }


@dataclass(slots=True)
class TickEvent:
    """One change to one item of a run, made by one commit.

    ``kind`` is one of :data:`EVENT_KINDS`. ``field``/``value`` are set for ``filled`` and
    ``cleared`` (a sign-off blank) and ``status`` (front matter); ``value`` is the reason
    for ``skipped``. ``item`` is ``""`` for ``status``. ``path`` is the file's path in
    that commit (it differs from the run's current path after a rename); ``line`` is the
    item's line in that version; ``seq`` orders commits parents-first.
    """

    item: str
    kind: str
    commit: Commit
    path: str
    line: int = 0
    field: str | None = None
    value: str | None = None
    seq: int = 0

    @property
    def time(self) -> datetime:
        return self.commit.time

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "kind": self.kind}
        if self.field is not None:
            out["field"] = self.field
        if self.value is not None:
            out["value"] = self.value
        out.update(self.commit.to_dict())
        out["path"] = self.path
        out["line"] = self.line
        return out


@dataclass(slots=True)
class RunHistory:
    """The events of one run record (current path ``path``), oldest first."""

    path: str
    available: bool
    reason: str | None = None
    events: list[TickEvent] = field(default_factory=list)
    uncommitted: bool = False  # the working copy has changes git has not recorded yet
    incomplete: bool = False  # shallow clone: the oldest events are missing

    def by_item(self) -> dict[str, list[TickEvent]]:
        """Every event per item id, oldest first."""
        out: dict[str, list[TickEvent]] = {}
        for ev in self.events:
            if ev.item:
                out.setdefault(ev.item, []).append(ev)
        return out

    def latest(self) -> dict[str, TickEvent]:
        """Per item, the last event that set its state (ticked, unticked, skipped, unskipped).

        For a ticked item this is who ticked it and when; for a skipped one, who skipped it.
        """
        out: dict[str, TickEvent] = {}
        for ev in self.events:
            if ev.kind in STATE_KINDS:
                out[ev.item] = ev
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "available": self.available,
            "reason": self.reason,
            "uncommitted": self.uncommitted,
            "incomplete": self.incomplete,
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(slots=True)
class History:
    """History of every run record in a project (``runs`` keyed by current relative path)."""

    available: bool
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    shallow: bool = False
    head: str | None = None
    runs: dict[str, RunHistory] = field(default_factory=dict)
    runs_dir: str = "runs"

    def for_run(self, relpath: str) -> RunHistory:
        """The history of one run; unavailable (with the reason) when there is none."""
        if not self.available:
            return RunHistory(relpath, False, self.reason)
        found = self.runs.get(relpath)
        if found is not None:
            return found
        if not relpath.startswith(self.runs_dir.rstrip("/") + "/"):
            return RunHistory(relpath, False, f"not a run record: history covers {self.runs_dir}/ only")
        return RunHistory(relpath, False, "not committed yet: history starts with its first commit")


# ---------------------------------------------------------------------- entry point

_MEMORY: dict[str, History] = {}


def load_history(
    project: Project, *, use_cache: bool = True, progress: Callable[[int], None] | None = None
) -> History:
    """History of every run record of ``project``; never raises for git trouble.

    ``progress`` is called with the number of commits processed so far (for a bar).
    Results are cached by HEAD commit, in memory and under ``.cache/runbookgen/``.
    """
    return start_history(project, use_cache=use_cache, progress=progress).result()


def start_history(
    project: Project, *, use_cache: bool = True, progress: Callable[[int], None] | None = None
) -> PendingHistory:
    """:func:`load_history` in two steps: the cheap checks and git now, the parsing in
    :meth:`PendingHistory.result` — so git can run while the caller does other work."""
    return PendingHistory(project, use_cache, progress)


class PendingHistory:
    """A history being read (see :func:`start_history`). ``result()`` once; ``close()``
    stops git when the result is no longer wanted."""

    def __init__(self, project: Project, use_cache: bool, progress: Callable[[int], None] | None) -> None:
        self.project, self.use_cache, self.progress = project, use_cache, progress
        self.root = root = Path(project.root)
        self.log: GitLog | None = None
        self.done: History | None = None
        self.hist: History | None = None
        if not have_git():
            self.done = History(False, "git is not installed or not on PATH")
            return
        info = _repo_info(root)
        if info is None:
            self.done = History(False, "not a git repository")
            return
        self.git_dir, self.shallow, head = info
        if head is None:
            self.done = History(False, "the repository has no commits yet")
            return
        self.head: str = head
        try:
            self.labels = project.field_labels
        except RunbookgenError:  # a broken template is check's to report; history still works
            self.labels = frozenset()
        self.key = _cache_key(head, self.shallow, project.runs_dir, self.labels)
        self.hist = _MEMORY.get(self.key) if use_cache else None
        if self.hist is None and not (use_cache and cache_path(root).is_file()):
            try:
                self.log = GitLog(root, project.runs_dir)
            except OSError:
                self.log = None  # result() tries again and reports the error

    def result(self) -> History:
        if self.done is not None:
            return self.done
        root, project = self.root, self.project
        hist = self.hist
        if hist is None and self.use_cache:
            gc_was = gc.isenabled()
            gc.disable()  # as in the build: many small objects, no cycles
            try:
                hist = _read_disk_cache(root, self.key)
            finally:
                if gc_was:
                    gc.enable()
        if hist is None:
            try:
                hist = _Builder(
                    root, project.runs_dir, self.labels, self.git_dir, self.shallow, self.progress
                ).run(self.log)
            except (OSError, RunbookgenError) as exc:
                self.done = History(False, f"cannot read git history: {exc}")
                return self.done
            finally:
                self.log = None
            hist.head = self.head
            if self.use_cache:
                _write_disk_cache(root, self.key, hist)
        self.close()
        if self.use_cache:
            _MEMORY[self.key] = hist
            while len(_MEMORY) > 4:
                _MEMORY.pop(next(iter(_MEMORY)))
        # the working tree is not part of the cache key: look at it every time
        warnings = [SHALLOW_FIX] if self.shallow else []
        out = History(True, None, warnings, self.shallow, self.head, dict(hist.runs), project.runs_dir)
        for path in _uncommitted(root, project.runs_dir):
            if path in out.runs:
                rh = out.runs[path]
                out.runs[path] = RunHistory(rh.path, rh.available, rh.reason, rh.events, True, rh.incomplete)
        self.done = out
        return out

    def close(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None


def run_history(record: RunRecord, project: Project, history: History | None = None) -> RunHistory:
    """The history of one run record (loading the project's history when not given)."""
    history = history if history is not None else load_history(project)
    return history.for_run(record.relpath)


# ---------------------------------------------------------------------- git plumbing


def _run_git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, env=git_env(), check=False)


def _repo_info(root: Path) -> tuple[Path, bool, str | None] | None:
    """(git dir, shallow?, HEAD sha or None) or None when ``root`` is not in a repository."""
    proc = _run_git(root, "rev-parse", "--absolute-git-dir", "--is-shallow-repository")
    if proc.returncode != 0:
        return None
    lines = proc.stdout.decode("utf-8", "replace").split("\n")
    git_dir = Path(lines[0].strip())
    shallow = len(lines) > 1 and lines[1].strip() == "true"
    head = _run_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    sha = head.stdout.decode().strip() if head.returncode == 0 else None
    return git_dir, shallow, sha or None


def _uncommitted(root: Path, runs_dir: str) -> list[str]:
    """Run files (relative to ``root``) with changes not yet committed."""
    proc = _run_git(
        root,
        "-c",
        "core.quotePath=false",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=no",
        "--",
        runs_dir,
    )
    if proc.returncode != 0:
        return []
    prefix = _run_git(root, "rev-parse", "--show-prefix").stdout.decode().strip()
    out = []
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) > 3 and entry[2] == " ":
            path = entry[3:]
            out.append(path[len(prefix) :] if prefix and path.startswith(prefix) else path)
    return out


_LOG_FORMAT = "%x00%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%s"


def log_command(runs_dir: str) -> list[str]:
    """The one git invocation that reads every run file's history (printed by the benchmark)."""
    return [
        "git",
        "-c",
        "core.quotePath=false",
        "-c",
        "diff.noprefix=false",
        "-c",
        "log.showSignature=false",
        "log",
        "--reverse",
        "--topo-order",
        "-M",
        "--raw",
        "-p",
        "-U0",
        "--no-abbrev",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--relative",
        f"--format={_LOG_FORMAT}",
        "HEAD",
        "--",
        runs_dir,
    ]


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual paths (``"a\\tb.md"``)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def _pr_of(subject: str) -> int | None:
    m = _PR_MERGE.match(subject) or _PR_SQUASH.search(subject)
    return int(m.group(1)) if m else None


def _merge_prs(root: Path) -> dict[str, int]:
    """Commit sha → number of the pull request whose merge brought it into the main line.

    Walks HEAD's first-parent chain from the root; for each merge, every commit reachable
    from its other parents and not yet seen arrived with that merge. Costs one cheap
    ``git log --first-parent --merges`` when the main line has no merges.
    """
    proc = _run_git(root, "log", "--first-parent", "--merges", "--format=%H%x00%s", "HEAD")
    if proc.returncode != 0:
        return {}
    merge_pr: dict[str, int | None] = {}
    for line in proc.stdout.decode("utf-8", "replace").split("\n"):
        if line:
            sha, _, subject = line.partition("\0")
            merge_pr[sha] = _pr_of(subject)
    if not any(pr is not None for pr in merge_pr.values()):
        return {}
    proc = _run_git(root, "rev-list", "--parents", "HEAD")
    if proc.returncode != 0:
        return {}
    parents: dict[str, list[str]] = {}
    for line in proc.stdout.decode().split("\n"):
        if line:
            sha, *ps = line.split()
            parents[sha] = ps
    chain = []
    cur: str | None = _run_git(root, "rev-parse", "HEAD").stdout.decode().strip()
    while cur and cur in parents:
        chain.append(cur)
        cur = parents[cur][0] if parents[cur] else None
    seen: set[str] = set()
    out: dict[str, int] = {}
    for main in reversed(chain):
        seen.add(main)
        ps = parents[main]
        if len(ps) < 2:
            continue
        pr = merge_pr.get(main)
        stack = [p for p in ps[1:] if p not in seen]
        while stack:
            c = stack.pop()
            if c in seen or c not in parents:
                continue
            seen.add(c)
            if pr is not None:
                out[c] = pr
            stack.extend(p for p in parents[c] if p not in seen)
    return out


class _Blobs:
    """``git cat-file --batch``, started only when a version is not in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None

    def get(self, sha: str) -> list[str] | None:
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                env=git_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]) + 1)[:-1]
        return _split(data.decode("utf-8", "surrogateescape"))

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait()


class GitLog:
    """The one ``git log`` that :func:`load_history` reads, running from construction.

    git writes to an unlinked temporary file and the reader follows the file as it grows:
    git never waits for Python (as it would on a full pipe), Python parses while git is
    still diffing (two cores), and no thread is needed — so a build can start git early,
    while MkDocs sets up, and still fork its worker processes afterwards.
    """

    BLOCK = 1 << 20

    def __init__(self, root: Path, runs_dir: str) -> None:
        import tempfile

        # owned by this object until close(), not by one block of code
        self.out = tempfile.TemporaryFile()  # noqa: SIM115
        self.err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                log_command(runs_dir),
                cwd=root,
                env=git_env(),
                stdin=subprocess.DEVNULL,
                stdout=self.out,
                stderr=self.err,
            )
        except OSError:
            self.close()
            raise

    def blocks(self) -> Iterator[bytes]:
        """git's output as it is written, until git has exited and all of it is read.
        (``pread``: git shares the file offset, which reading must not move.)"""
        fd, pos, exited = self.out.fileno(), 0, False
        while True:
            block = os.pread(fd, self.BLOCK, pos)
            if block:
                pos += len(block)
                yield block
            elif exited:
                return
            else:
                exited = self.proc.poll() is not None
                if not exited:
                    time.sleep(0.002)

    def finish(self) -> None:
        """Wait for git; raise when it failed (with its last line of error output)."""
        code = self.proc.wait()
        if code != 0:
            self.err.seek(0)
            detail = self.err.read().decode("utf-8", "replace").strip().splitlines()
            raise RunbookgenError("git log failed: " + (detail[-1] if detail else f"exit {code}"))

    def close(self) -> None:
        """Stop git if it still runs (a build that failed early) and drop its output."""
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self.out.close()
        self.err.close()


def _split(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# ---------------------------------------------------------------------- item states


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
        from runbookgen.markdown.grammar import label_pattern, read_task_text

        self.read = read_task_text
        self.label_re = label_pattern(labels)
        self.memo: dict[str, tuple[str, bool, str | None, tuple[tuple[str, str], ...]]] = {}

    def _text(self, text: str) -> tuple[str, bool, str | None, tuple[tuple[str, str], ...]]:
        got = self.memo.get(text)
        if got is not None:
            return got
        task = self.read(text, self.label_re)
        got = (task.key, task.skipped, task.reason, tuple((f.name, f.value) for f in task.fields))
        if len(self.memo) < 200_000:
            self.memo[text] = got
        return got

    def of_text(self, line: str, text: str) -> tuple[str, State]:
        """(identity key, state) of the item whose first line is ``line`` and text ``text``."""
        key, skipped, reason, fields = self._text(text)
        return key, ("[x]" in line or "[X]" in line, skipped, reason, fields)

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


# ---------------------------------------------------------------------- the builder


@dataclass(slots=True)
class _Change:
    status: str
    old_sha: str
    new_sha: str
    old_path: str
    new_path: str
    hunks: list[tuple[int, int, int, int, list[str]]] = field(default_factory=list)
    binary: bool = False


class _Builder:
    """Reads the ``git log`` stream once and turns it into events per run file."""

    VERSIONS_KEPT = 512

    def __init__(
        self,
        root: Path,
        runs_dir: str,
        labels: frozenset[str],
        git_dir: Path,
        shallow: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.root = root
        self.runs_dir = runs_dir
        self.labels = labels
        self.states = _States(labels)
        self.progress = progress
        self.boundary: set[str] = set()
        if shallow:
            try:
                self.boundary = set((git_dir / "shallow").read_text().split())
            except OSError:
                self.boundary = set()
        self.versions: dict[str, _Version] = {}
        self.skeletons: dict[str, _LineMap] = {}
        self.hunks: dict[tuple[int, int, str], Any] = {}
        self.fulls: dict[tuple[str, str], tuple[dict[str, State], dict[str, int], list[_Spec]]] = {}
        self.events: dict[str, list[TickEvent]] = {}
        self.blobs = _Blobs(root)
        self.seq = 0
        self.parses = 0

    # -------------------------------------------------------------- stream
    def run(self, log: GitLog | None = None) -> History:
        """Read ``log`` (started here when not given: see :class:`GitLog`)."""
        log = log if log is not None else GitLog(self.root, self.runs_dir)
        try:
            prs = _merge_prs(self.root)  # a second, small git process, while git log runs
            # hundreds of thousands of small, long-lived objects and no cycles: the cyclic
            # collector would re-scan them over and over
            gc_was = gc.isenabled()
            gc.disable()
            try:
                self._consume(log.blocks(), prs)
            finally:
                if gc_was:
                    gc.enable()
                self.blobs.close()
            log.finish()
        finally:
            log.close()
        runs = {}
        for path, events in self.events.items():
            events.sort(key=lambda e: (e.commit.time, e.seq))
            runs[path] = RunHistory(path, True, None, events, False, bool(self.boundary))
        return History(True, None, [SHALLOW_FIX] if self.boundary else [], bool(self.boundary), None, runs)

    def _consume(self, blocks: Iterable[bytes], prs: dict[str, int]) -> None:
        """Split the stream into commits (each starts with NUL, SOH) as it arrives, so
        Python works while git is still writing; within a commit, split with ``str`` methods
        rather than looping over lines in Python (the stream is ~1M lines for 1,000 runs)."""
        buf = b""
        for block in blocks:
            start = max(0, len(buf) - 1)
            buf += block
            cut = buf.rfind(b"\x00\x01", start)
            if cut <= 0:
                continue
            for piece in buf[:cut].split(b"\x00\x01"):
                if piece:
                    self._commit_text(piece.decode("utf-8", "surrogateescape"), prs)
            buf = buf[cut:]
        for piece in buf.split(b"\x00\x01"):
            if piece:
                self._commit_text(piece.decode("utf-8", "surrogateescape"), prs)

    def _commit_text(self, text: str, prs: dict[str, int]) -> None:
        header, _, rest = text.partition("\n")
        commit = self._header(header, prs)
        parts = rest.split("\ndiff --git ")
        changes = []
        for line in parts[0].split("\n"):
            if line[:1] == ":":
                meta, _, paths = line.partition("\t")
                fields = meta.split()
                names = paths.split("\t")
                if '"' in paths:
                    names = [_unquote(p) for p in names]
                changes.append(_Change(fields[4][0], fields[2], fields[3], names[0], names[-1]))
        for ch, part in zip(changes, parts[1:], strict=False):
            at = part.find("\n@@ -")
            if at < 0:
                ch.binary = "\nBinary files " in part
                continue
            for hunk in part[at:].split("\n@@ -")[1:]:
                lines = hunk.split("\n")
                m = _HUNK.match(lines[0])
                if m is None:
                    continue
                a, b, c, d = m.groups()
                body = lines[1:]
                if "\n\\" in hunk:  # "\ No newline at end of file"
                    body = [x for x in body if x[:1] in ("+", "-")]
                while body and body[-1][:1] not in ("+", "-"):
                    body.pop()
                ch.hunks.append((int(a), int(b) if b else 1, int(c), int(d) if d else 1, body))
        self._commit(commit, changes)

    def _header(self, line: str, prs: dict[str, int]) -> Commit:
        parts = line.split("\0")
        sha, _parents, an, ae, ad, cn, ce, cd = parts[:8]
        subject = parts[8] if len(parts) > 8 else ""
        pr = _pr_of(subject) if "#" in subject else None
        if pr is None and prs:
            pr = prs.get(sha)
        authored = datetime.fromisoformat(ad)
        return Commit(
            sha, an, ae, authored, cn, ce, authored if cd == ad else datetime.fromisoformat(cd), subject, pr
        )

    # -------------------------------------------------------------- one commit
    def _commit(self, commit: Commit, changes: list[_Change]) -> None:
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

    def _change(self, commit: Commit, ch: _Change, baseline: bool) -> None:
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
        if len(versions) > self.VERSIONS_KEPT:
            del versions[next(iter(versions))]

    # -------------------------------------------------------------- versions
    def _quick(self, old: _Version, ch: _Change) -> tuple[_Version, list[_Spec], bool] | None:
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

        self.parses += 1
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


_HUNK = re.compile(r"(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _apply(old: list[str], hunks: list[tuple[int, int, int, int, list[str]]]) -> list[str]:
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
            return m.group("value").strip("'\"") or None
    return None


# Blocks of column-0 prose lines, or of childless column-0 bullets, between blank lines:
# their text cannot change which items exist or how they nest, so a skeleton blanks it.
_PROSE_ONLY = re.compile(r"(?:(?:\*\*)?[^\W\d_][^\n|]*(?:\n|\Z))+")
_BULLETS_ONLY = re.compile(r"(?:[-+*][ \t]+(?!\[[ xX]\])(?:\*\*)?[^\W\d_][^\n|]*(?:\n|\Z))+")


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


# ---------------------------------------------------------------------- disk cache


def _cache_key(head: str, shallow: bool, runs_dir: str, labels: frozenset[str]) -> str:
    raw = json.dumps([FORMAT_VERSION, head, shallow, runs_dir, sorted(labels)])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def cache_path(root: Path) -> Path:
    """Where the history of the repository at ``root`` is cached on disk."""
    return root / ".cache" / "runbookgen" / "history.json"


def pack(hist: History, paths: Iterable[str] | None = None) -> dict[str, Any]:
    """``hist`` as plain lists, dicts, strings and numbers (for JSON or :mod:`marshal`):
    tables for commits and repeated strings (item ids, paths, kinds) make it a quarter of
    the size of one object per event, and quicker to read back. ``paths`` limits it to
    those runs (a build's worker process gets the history of its own runs only)."""
    commits: dict[str, int] = {}
    table: list[list[Any]] = []
    strings: dict[str | None, int] = {}

    def sid(text: str | None) -> int:
        n = strings.get(text)
        if n is None:
            n = strings[text] = len(strings)
        return n

    wanted = hist.runs if paths is None else {p: hist.runs[p] for p in paths if p in hist.runs}
    runs: dict[str, list[Any]] = {}
    for path, rh in wanted.items():
        rows = []
        for e in rh.events:
            c = e.commit
            if c.sha not in commits:
                commits[c.sha] = len(table)
                table.append(
                    [
                        c.sha,
                        c.author,
                        c.email,
                        c.time.isoformat(),
                        c.committer,
                        c.committer_email,
                        c.commit_time.isoformat(),
                        c.subject,
                        c.pr,
                    ]
                )
            rows.append(
                [
                    sid(e.item),
                    sid(e.kind),
                    commits[c.sha],
                    sid(e.path),
                    e.line,
                    sid(e.field),
                    sid(e.value),
                    e.seq,
                ]
            )
        runs[path] = [rh.available, rh.reason, rh.uncommitted, rh.incomplete, rows]
    return {
        "version": FORMAT_VERSION,
        "available": hist.available,
        "reason": hist.reason,
        "warnings": list(hist.warnings),
        "shallow": hist.shallow,
        "head": hist.head,
        "runs_dir": hist.runs_dir,
        "strings": list(strings),
        "commits": table,
        "runs": runs,
    }


def unpack(data: dict[str, Any]) -> History:
    """The :class:`History` that :func:`pack` wrote (raises ``KeyError``, ``IndexError``,
    ``TypeError`` or ``ValueError`` for anything else)."""
    st = data["strings"]
    fromiso = datetime.fromisoformat
    commits = [
        Commit(r[0], r[1], r[2], fromiso(r[3]), r[4], r[5], fromiso(r[6]), r[7], r[8])
        for r in data["commits"]
    ]
    runs = {}
    for path, (available, reason, uncommitted, incomplete, rows) in data["runs"].items():
        events = [
            TickEvent(st[r[0]], st[r[1]], commits[r[2]], st[r[3]], r[4], st[r[5]], st[r[6]], r[7])
            for r in rows
        ]
        runs[path] = RunHistory(path, bool(available), reason, events, bool(uncommitted), bool(incomplete))
    return History(
        bool(data["available"]),
        data["reason"],
        list(data["warnings"]),
        bool(data["shallow"]),
        data["head"],
        runs,
        data["runs_dir"],
    )


def _write_disk_cache(root: Path, key: str, hist: History) -> None:
    data = {"key": key, **pack(hist)}
    path = cache_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only checkout still builds, just without the cache


def _read_disk_cache(root: Path, key: str) -> History | None:
    try:
        data = json.loads(cache_path(root).read_text(encoding="utf-8"))
        if data.get("key") != key or data.get("version") != FORMAT_VERSION:
            return None
        return unpack(data)
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def clear_cache() -> None:
    """Forget the in-process cache (tests, long-running servers after a reset)."""
    _MEMORY.clear()


# ---------------------------------------------------------------------- derived: timeline


@dataclass(slots=True)
class SectionTiming:
    """First and last tick in a stage or section, against its time estimate."""

    id: str
    title: str
    depth: int
    first: datetime | None
    last: datetime | None
    estimate: Estimate | None

    @property
    def duration(self) -> timedelta | None:
        if self.first is None or self.last is None:
            return None
        return self.last - self.first

    @property
    def over(self) -> bool:
        """Took longer than the estimate's upper bound."""
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
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "over": self.over,
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
    start: datetime | None
    end: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "available": self.available,
            "reason": self.reason,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
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


def timeline(record: RunRecord, history: RunHistory) -> Timeline:
    """Derived timing of one run: the data a run page needs, from its events and model.

    One pass over the events and two over the sections (a site computes this for every
    run, so no section's items are walked once per enclosing section)."""
    model = record.model
    latest: dict[str, TickEvent] = {}
    spans: dict[str, tuple[datetime, datetime]] = {}  # item -> first, last tick or skip
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
            span = spans.get(ev.item)
            spans[ev.item] = (t, t) if span is None else (min(span[0], t), max(span[1], t))
    # pre-order, with depth and each section's own items (nested items included)
    order: list[tuple[Section, int, list[Item]]] = []
    stack = [(s, 0) for s in reversed(model.stages)]
    while stack:
        sec, depth = stack.pop()
        order.append((sec, depth, list(sec.own_items())))
        stack.extend((sub, depth + 1) for sub in reversed(sec.sections))
    agg: dict[int, tuple[int, datetime | None, datetime | None]] = {}
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
    sections = []
    for sec, depth, _ in order:
        n, lo, hi = agg[id(sec)]
        if n:
            sections.append(
                SectionTiming(sec.id, sec.title, depth, lo, hi, sec.estimate or estimates.get(sec.id))
            )
    owned = [(sec, own) for sec, _, own in order]
    return Timeline(
        record.relpath,
        history.available,
        history.reason,
        latest,
        sections,
        _waits(owned, latest),
        _signoffs(owned, history),
        start,
        end,
    )


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


def _owned(model: Runbook) -> list[tuple[Section, list[Item]]]:
    """Every section in document order with its own items (nested ones included)."""
    return [(sec, list(sec.own_items())) for sec in model.sections()]


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


def _signoffs(owned: list[tuple[Section, list[Item]]], history: RunHistory) -> list[SignOff]:
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
                    _signoffs(_owned(record.model), rh),
                    rh,
                    signers(project, record.template),
                )
            )
    return out


_RUNBOOK_KEY = re.compile(r"^runbook\s*:\s*['\"]?(?P<name>[^'\"#\s]+)", re.M)


def runbook_of(path: str | os.PathLike[str]) -> str | None:
    """The ``runbook:`` of a run file's front matter, read cheaply (no YAML, no parse)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head.startswith("---"):
        return None
    m = _RUNBOOK_KEY.search(head)
    return m.group("name") if m else None


def item_labels(model: Runbook) -> dict[str, tuple[str, str]]:
    """Item id → (item text, title of its section): to show events next to their items.

    A run's template gives the same ids as the run itself, so listing many runs needs one
    parse per runbook rather than one per run.
    """
    return {item.id: (item.text, sec.title) for sec, item in model.items_with_sections()}


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
