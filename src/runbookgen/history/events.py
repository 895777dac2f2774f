"""The data history is made of: commits, tick events, and the events of each run.

Everything else in ``runbookgen.history`` produces these (``replay.py`` from git, ``cache.py``
from disk) or derives from them (``timeline.py``, ``signoffs.py``). Every class has
``to_dict()`` (JSON-ready, times in ISO 8601 with their offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_KINDS = ("ticked", "unticked", "skipped", "unskipped", "filled", "cleared", "status")
STATE_KINDS = frozenset({"ticked", "unticked", "skipped", "unskipped"})


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
    item's line in that version; ``seq`` is the commit's place in the topological order
    of the commits that touched the runs (parents first): events are ordered by it, never
    by dates, which are whatever the committer's clock or environment said.
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
    """The events of one run record (current path ``path``), in commit-graph order."""

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
