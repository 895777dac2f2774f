"""A run's history as its page sees it: the typed seam between ``history/`` and the pages.

The run page asks :class:`PageHistory` — who ticked an item, how long a section took,
which waits were cut short, which commits to list — and nothing else, so another source
of history (branches, signatures) only has to answer the same questions.
:class:`GitRunHistory` answers them from git, through ``runbookgen.history``: every real
build goes through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from runbookgen.history import (
    Commit,
    History,
    RunHistory,
    SectionTiming,
    Signature,
    SignOff,
    SignOffCheck,
    Span,
    TickEvent,
    Timeline,
    WaitCheck,
)
from runbookgen.records.record import RunRecord

#: id prefix of a run page's commit list rows (``rbg-commit-1``…)
COMMIT_ID = "rbg-commit-"


class PageHistory(Protocol):
    """What a run page shows from a run's history (all optional: pages render without)."""

    @property
    def available(self) -> bool:
        """False: the page says why (:attr:`reason`) instead of showing a timeline."""
        ...

    @property
    def reason(self) -> str | None: ...

    @property
    def incomplete(self) -> bool:
        """The oldest events are missing (a shallow clone)."""
        ...

    @property
    def uncommitted(self) -> bool:
        """The file has changes with no author or time yet."""
        ...

    @property
    def github(self) -> str | None:
        """``https://github.com/owner/repo`` for commit and pull request links."""
        ...

    @property
    def start(self) -> datetime | None:
        """The first tick."""
        ...

    @property
    def end(self) -> datetime | None:
        """The last tick."""
        ...

    @property
    def deployment(self) -> Span | None:
        """The run's duration: first to last tick of its during-deployment stages."""
        ...

    def tick(self, item_id: str) -> TickEvent | None:
        """The event that set an item's current state (ticked, skipped, …)."""
        ...

    def section(self, section_id: str) -> SectionTiming | None:
        """First and last tick of a stage or section, against its estimate."""
        ...

    def sections(self) -> Sequence[SectionTiming]: ...

    def wait(self, item_id: str) -> WaitCheck | None:
        """How long a wait step ("Monitor for 10 minutes") really lasted."""
        ...

    def waits(self) -> Sequence[WaitCheck]: ...

    def signoffs(self) -> Sequence[SignOff]: ...

    def signoff_check(self, item_id: str) -> SignOffCheck | None:
        """What ``check`` says of a ticked sign-off: verified, author matches, mismatch; stale."""
        ...

    def verified(self, sha: str) -> Signature | None:
        """A commit whose signature vouches for its author (``signoffs: verify_ticks``)."""
        ...

    def commits(self) -> Sequence[Commit]:
        """Every commit that set a state shown on the page, oldest first, once."""
        ...

    def commit_number(self, sha: str) -> int | None:
        """A commit's row in :meth:`commits` (1-based), for ``#rbg-commit-N`` links."""
        ...


class GitRunHistory:
    """:class:`PageHistory` from git: a run's :class:`runbookgen.history.Timeline`."""

    def __init__(
        self,
        tl: Timeline,
        rh: RunHistory,
        github: str | None = None,
        checks: Sequence[SignOffCheck] = (),
        verified: dict[str, Signature] | None = None,
    ) -> None:
        self.timeline = tl
        self.available = tl.available
        self.reason = tl.reason
        self.incomplete = rh.incomplete
        self.uncommitted = rh.uncommitted
        self.github = github
        self.start = tl.start
        self.end = tl.end
        self.deployment = tl.deployment
        self._checks = {c.item: c for c in checks}
        self._verified = verified or {}
        self._sections = {s.id: s for s in tl.sections}
        self._waits = {w.item: w for w in tl.waits}
        # The page's commit list: every commit that set a shown tick, oldest first, once.
        # Items link to it instead of repeating email, commit and message ~200 times.
        shown = [ev for ev in tl.items.values() if ev.kind in ("ticked", "skipped")]
        shown += [so.ticked for so in tl.signoffs if so.ticked is not None]
        commits: dict[str, Commit] = {}
        for ev in sorted(shown, key=lambda e: e.seq):  # commit-graph order, as the events
            commits.setdefault(ev.commit.sha, ev.commit)
        self._commits = list(commits.values())
        self._number = {sha: n for n, sha in enumerate(commits, 1)}

    @classmethod
    def of(
        cls,
        record: RunRecord,
        history: History,
        github: str | None = None,
        checks: Sequence[SignOffCheck] = (),
        verified: dict[str, Signature] | None = None,
    ) -> GitRunHistory:
        """The history of one run record, from the whole project's history; ``checks`` and
        ``verified`` come from ``history.check_signoffs`` and ``history.verified_ticks``."""
        from runbookgen.history import timeline

        rh = history.for_run(record.relpath)
        if not rh.available and history.shallow:
            # a shallow clone may hold none of a run's commits: say so, not "never committed"
            rh = RunHistory(
                rh.path,
                False,
                "the site was built from a shallow clone that holds none of this run's commits",
                incomplete=True,
            )
        return cls(timeline(record, rh), rh, github, checks, verified)

    def tick(self, item_id: str) -> TickEvent | None:
        return self.timeline.items.get(item_id)

    def section(self, section_id: str) -> SectionTiming | None:
        return self._sections.get(section_id)

    def sections(self) -> Sequence[SectionTiming]:
        return self.timeline.sections

    def wait(self, item_id: str) -> WaitCheck | None:
        return self._waits.get(item_id)

    def waits(self) -> Sequence[WaitCheck]:
        return self.timeline.waits

    def signoffs(self) -> Sequence[SignOff]:
        return self.timeline.signoffs

    def add_signoffs(self, checks: Sequence[SignOffCheck], verified: dict[str, Signature]) -> None:
        """What ``check`` says of the sign-offs, and the ticks whose signature vouches for
        their author (worked out from this history's timeline, so added after it)."""
        self._checks = {c.item: c for c in checks}
        self._verified = verified

    def signoff_check(self, item_id: str) -> SignOffCheck | None:
        return self._checks.get(item_id)

    def verified(self, sha: str) -> Signature | None:
        return self._verified.get(sha)

    def commits(self) -> Sequence[Commit]:
        return self._commits

    def commit_number(self, sha: str) -> int | None:
        return self._number.get(sha)


def history_key(history: History | None, relpath: str) -> tuple[object, ...]:
    """What a run page's history depends on: a ``serve`` rebuild reuses the page while
    this is unchanged (a new commit elsewhere does not re-render every run)."""
    if history is None:
        return ()
    rh = history.for_run(relpath)
    last = rh.events[-1].commit.sha if rh.events else None
    return (rh.available, rh.reason, len(rh.events), last, rh.uncommitted, rh.incomplete, history.shallow)
