"""History kept between builds: by HEAD, in process and on disk under ``.cache/runbookgen/``.

The disk cache is JSON, never pickle: the cache directory is inside a repository that may
come from a pull request. :func:`pack` is also how a build hands each worker process the
history of its own runs (compact tables rather than one object per event).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import marshal
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.files import make_dirs, read_bytes, write_replace
from runbookgen.gitutil import committed_or_linked
from runbookgen.history.events import Commit, History, RunHistory, TickEvent

FORMAT_VERSION = 4  # 4: status values without their YAML comment

_MEMORY: dict[str, History] = {}


def cache_key(head: str, shallow: bool, runs_dir: str, labels: frozenset[str]) -> str:
    """What a cached history depends on: the commit, the clone's depth, where runs live
    and the field labels the parse used."""
    raw = json.dumps([FORMAT_VERSION, head, shallow, runs_dir, sorted(labels)])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def cache_path(root: Path) -> Path:
    """Where the history of the repository at ``root`` is cached on disk."""
    return root / ".cache" / "runbookgen" / "history.json"


def trusted_cache_file(root: Path, path: Path) -> bool:
    """Whether a cache file under ``.cache/`` may be read (and rewritten): made by runbookgen
    on this machine (or restored by CI from a build of the main branch), never put there by
    a commit (:func:`runbookgen.gitutil.committed_or_linked`) — else a pull request could say
    who ticked what (``history.json``) or whose signature a commit carries
    (``signatures.json``). A missing file is trusted (nothing to read; it may be written)."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return False
    return not committed_or_linked(root, rel) and (path.is_file() or not path.exists())


def cache_wanted(root: Path) -> bool:
    """Whether a one-off build reads and writes the disk cache: when runbookgen's cache
    directory is there (made by ``serve``, ``check``, ``runbookgen history``, or in CI by the
    workflow that restores the previous build's cache). A fresh checkout has none, and
    writing one there would only cost time."""
    return cache_path(root).parent.is_dir()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection for a while: packing and unpacking make hundreds of
    thousands of small acyclic lists and events, and each collection they trigger walks the
    whole heap (in a build's worker, every parsed run): 5-6x the time of the work itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def pack_bytes(hist: History, paths: Iterable[str] | None = None) -> bytes:
    """:func:`pack` as :mod:`marshal` bytes: what a build sends a worker process."""
    with paused_gc():
        return marshal.dumps(pack(hist, paths))


def unpack_bytes(data: bytes) -> History:
    """The :class:`History` of :func:`pack_bytes` (trusted: from this build's own parent)."""
    with paused_gc():
        return unpack(marshal.loads(data))


def pack(hist: History, paths: Iterable[str] | None = None) -> dict[str, Any]:
    """``hist`` as plain lists, dicts, strings and numbers (for JSON or :mod:`marshal`):
    tables for commits and repeated strings (item ids, paths, kinds) make it a quarter of
    the size of one object per event, and quicker to read back. ``paths`` limits it to
    those runs (a build's worker process gets the history of its own runs only)."""
    with paused_gc():
        return _pack(hist, paths)


def _pack(hist: History, paths: Iterable[str] | None) -> dict[str, Any]:
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
    with paused_gc():
        return _unpack(data)


def _unpack(data: dict[str, Any]) -> History:
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


def write_disk_cache(root: Path, key: str, hist: History) -> None:
    """Store ``hist`` under ``key`` (replaced atomically; nothing when the disk refuses, or
    when ``.cache`` leads out of the repository through a symlink)."""
    path = cache_path(root)
    top = root.resolve()
    try:
        make_dirs(path.parent, root=top)  # refuses before creating anything outside
        data = {"key": key, **pack(hist)}
        write_replace(path, json.dumps(data, separators=(",", ":"), ensure_ascii=False), root=top)
    except (OSError, RunbookgenError):
        pass  # a read-only checkout still builds, just without the cache


def read_disk_cache(root: Path, key: str) -> History | None:
    """The history stored under ``key``, or None (missing, stale, or not ours)."""
    entry = read_disk_entry(root)
    return entry[1] if entry is not None and entry[0] == key else None


def read_disk_entry(root: Path) -> tuple[str, History] | None:
    """The key and history stored on disk, whatever commit they are for, or None (missing,
    another format, or not ours). A build at a later commit extends an ancestor's history
    instead of reading all of git again (``load.py``)."""
    try:
        data = json.loads(read_bytes(cache_path(root), limit=None, root=root.resolve()))
        key = data.get("key")
        if not isinstance(key, str) or data.get("version") != FORMAT_VERSION:
            return None
        return key, unpack(data)
    except (OSError, RunbookgenError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def recall(key: str) -> History | None:
    """The history this process already read for ``key``."""
    return _MEMORY.get(key)


def remember(key: str, hist: History) -> None:
    """Keep ``hist`` for this process (the last four keys)."""
    _MEMORY[key] = hist
    while len(_MEMORY) > 4:
        _MEMORY.pop(next(iter(_MEMORY)))


def clear_cache() -> None:
    """Forget the in-process cache (tests, long-running servers after a reset)."""
    _MEMORY.clear()
