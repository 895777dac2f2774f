"""Who ticked what, and when: tick events for every run record, read from git.

The public API (see ``replay.py`` for how it works)::

    hist = load_history(project)            # once per build; History(.available, .warnings)
    rh = hist.for_run(record.relpath)       # RunHistory(.available, .reason, .events, ...)
    tl = timeline(record, rh)               # per-section first/last tick, waits, sign-offs
    signoff_findings(records, project, hist)   # Finding warnings (stale, wrong signer)
"""

from runbookgen.history.replay import (
    EVENT_KINDS,
    FORMAT_VERSION,
    SHALLOW_FIX,
    STATE_KINDS,
    Commit,
    GitLog,
    History,
    PendingHistory,
    RunHistory,
    SectionTiming,
    SignOff,
    TickEvent,
    Timeline,
    WaitCheck,
    cache_path,
    clear_cache,
    item_labels,
    load_history,
    log_command,
    pack,
    runbook_of,
    signers,
    signoff_findings,
    signoff_findings_for_paths,
    start_history,
    timeline,
    unpack,
    wait_minutes,
)

__all__ = [
    "EVENT_KINDS",
    "FORMAT_VERSION",
    "SHALLOW_FIX",
    "STATE_KINDS",
    "Commit",
    "GitLog",
    "History",
    "PendingHistory",
    "RunHistory",
    "SectionTiming",
    "SignOff",
    "TickEvent",
    "Timeline",
    "WaitCheck",
    "cache_path",
    "clear_cache",
    "item_labels",
    "load_history",
    "log_command",
    "pack",
    "runbook_of",
    "signers",
    "signoff_findings",
    "signoff_findings_for_paths",
    "start_history",
    "timeline",
    "unpack",
    "wait_minutes",
]
