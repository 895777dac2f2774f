"""Loading a project's history: from the cache when HEAD is unchanged, else git + replay.

When the cache holds the history of an earlier commit of HEAD's first-parent line (the
previous build's, in CI restored by ``actions/cache``: see ``.github/workflows/pages.yml``),
only the commits since then are read from git and replayed on top of it. A cache file
that is committed to the repository is never read (``cache.trusted_cache_file``).

Nothing here raises for a missing git, a directory that is not a repository or a file
that was never committed: the result says history is unavailable and why. A shallow
clone gives what it has plus a warning with the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from runbookgen.errors import RunbookgenError
from runbookgen.gitutil import have_git
from runbookgen.history import cache
from runbookgen.history.events import History, RunHistory
from runbookgen.history.gitlog import (
    SHALLOW_FIX,
    GitLog,
    on_main_line,
    repo_info,
    shallow_boundary,
    uncommitted,
)
from runbookgen.history.replay import Replayer

if TYPE_CHECKING:
    from runbookgen.project import Project

COMMITTED_CACHE = (
    "the history cache .cache/runbookgen/history.json is committed to the repository (or "
    "reached through a symlink), so it was not read (a pull request could forge who ticked "
    "what through it); remove it with 'git rm --cached' and ignore .cache/"
)


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
        info = repo_info(root)
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
        self.key = cache.cache_key(head, self.shallow, project.runs_dir, self.labels)
        self.hist = cache.recall(self.key) if use_cache else None
        self.warnings: list[str] = []
        on_disk = use_cache and self.hist is None and cache.cache_path(root).is_file()
        if on_disk and not cache.trusted_cache_file(root, cache.cache_path(root)):
            self.warnings.append(COMMITTED_CACHE)
            self.use_cache = on_disk = False
        if self.hist is None and not on_disk:
            try:
                self.log = GitLog(root, project.runs_dir)
            except OSError:
                self.log = None  # result() tries again and reports the error

    def result(self) -> History:
        if self.done is not None:
            return self.done
        root, project = self.root, self.project
        hist = self.hist
        base: History | None = None  # an ancestor's history to extend
        if hist is None and self.use_cache:
            with cache.paused_gc():  # as in the build: many small objects, no cycles
                entry = cache.read_disk_entry(root)
            if entry is not None and entry[0] == self.key:
                hist = entry[1]
            elif entry is not None and self._extends(*entry):
                base = entry[1]
        if hist is None:
            boundary = shallow_boundary(self.git_dir) if self.shallow else set()
            try:
                if base is not None and base.head is not None:
                    log = GitLog(root, project.runs_dir, (self.head, "^" + base.head))
                else:
                    log = self.log if self.log is not None else GitLog(root, project.runs_dir)
                self.log = log
                with cache.paused_gc():  # ~200,000 events and no cycles among them
                    replayer = Replayer(root, self.labels, boundary, self.progress)
                    if base is not None:
                        replayer.resume(base.runs)
                    runs = replayer.run(log)
            except (OSError, RunbookgenError) as exc:
                self.done = History(False, f"cannot read git history: {exc}")
                return self.done
            finally:
                self.close()
            hist = History(True, None, [], bool(boundary), self.head, runs, project.runs_dir)
            if self.use_cache:
                cache.write_disk_cache(root, self.key, hist)
        self.close()
        if self.use_cache:
            cache.remember(self.key, hist)
        # the working tree is not part of the cache key: look at it every time
        warnings = ([SHALLOW_FIX] if self.shallow else []) + self.warnings
        out = History(True, None, warnings, self.shallow, self.head, dict(hist.runs), project.runs_dir)
        for path in uncommitted(root, project.runs_dir):
            if path in out.runs:
                rh = out.runs[path]
                out.runs[path] = RunHistory(rh.path, rh.available, rh.reason, rh.events, True, rh.incomplete)
        self.done = out
        return out

    def _extends(self, key: str, old: History) -> bool:
        """Whether the cached ``old`` can be extended to HEAD: read with the same settings
        (its key says so), from a full clone, at an earlier commit of HEAD's first-parent
        line. (A commit merged in from a branch is an ancestor too, but the events read
        there predate the merge that names their pull request.) The commits after it then
        come after all of its own, as in a full read: git's ``--topo-order --reverse`` lists a
        merged branch's commits after the main line's commits before the merge."""
        head = old.head
        if head is None or self.shallow or old.shallow or not old.available:
            return False
        if cache.cache_key(head, False, self.project.runs_dir, self.labels) != key:
            return False
        return on_main_line(self.root, head, self.head)

    def close(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None
