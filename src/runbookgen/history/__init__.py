"""Who ticked what, and when: tick events for every run record, read from git.

GitHub records no name or time when a box is ticked in a file, but every tick arrives in
a commit. The modules, in the order data flows:

* ``gitlog.py``   the one ``git log`` of the runs directory, file versions, pull requests
* ``replay.py``   diffs → events per run file (ticked, skipped, a field filled, status)
* ``events.py``   the data: :class:`Commit`, :class:`TickEvent`, :class:`RunHistory`, :class:`History`
* ``cache.py``    kept by HEAD, in process and under ``.cache/runbookgen/`` (JSON)
* ``load.py``     :func:`load_history`: the cache or git + replay; never raises for git trouble
* ``timeline.py`` per-section first/last tick against estimates, wait checks
* ``identity.py`` ``signers:`` entries (emails, GitHub logins) and exact matching
* ``signatures.py`` commit signatures against the repository's trust store; the policy
* ``signoffs.py`` sign-off states (verified, author matches, mismatch, stale) and findings
* ``labels.py``   item texts for events; a run file's runbook, read cheaply
* ``stats.py``    statistics across the runs of a runbook (no git)

The public API::

    hist = load_history(project)            # once per build; History(.available, .warnings)
    rh = hist.for_run(record.relpath)       # RunHistory(.available, .reason, .events, ...)
    rh.latest()                             # item id -> TickEvent: who ticked it, when, PR
    tl = timeline(record, rh)               # per-section first/last tick, waits, sign-offs
    check_signoffs(records, project, hist)     # per sign-off: verified / author-matches /
                                            # mismatch, stale, findings (policy severity)
    signoff_findings(records, project, hist)   # just the findings

Every result has ``to_dict()`` (JSON-ready, times in ISO 8601 with their offset).
"""

from runbookgen.history.cache import (
    cache_path,
    cache_wanted,
    clear_cache,
    pack,
    pack_bytes,
    unpack,
    unpack_bytes,
)
from runbookgen.history.events import EVENT_KINDS, STATE_KINDS, Commit, History, RunHistory, TickEvent
from runbookgen.history.gitlog import SHALLOW_FIX
from runbookgen.history.labels import item_labels, runbook_of
from runbookgen.history.load import PendingHistory, load_history, start_history
from runbookgen.history.signatures import Policy, Signature, verify_commits
from runbookgen.history.signoffs import (
    SignOff,
    SignOffCheck,
    check_signoffs,
    check_signoffs_for_paths,
    policy,
    signers,
    signoff_findings,
    signoff_findings_for_paths,
    verified_ticks,
    warm_signatures,
)
from runbookgen.history.timeline import SectionTiming, Span, Timeline, WaitCheck, timeline, wait_minutes

__all__ = [
    "EVENT_KINDS",
    "SHALLOW_FIX",
    "STATE_KINDS",
    "Commit",
    "History",
    "PendingHistory",
    "Policy",
    "RunHistory",
    "SectionTiming",
    "SignOff",
    "SignOffCheck",
    "Signature",
    "Span",
    "TickEvent",
    "Timeline",
    "WaitCheck",
    "cache_path",
    "cache_wanted",
    "check_signoffs",
    "check_signoffs_for_paths",
    "clear_cache",
    "item_labels",
    "load_history",
    "pack",
    "pack_bytes",
    "policy",
    "runbook_of",
    "signers",
    "signoff_findings",
    "signoff_findings_for_paths",
    "start_history",
    "timeline",
    "unpack",
    "unpack_bytes",
    "verified_ticks",
    "verify_commits",
    "wait_minutes",
    "warm_signatures",
]
