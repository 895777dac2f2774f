"""Statistics across runs, on hand-built run facts (no repository, no site)."""

from __future__ import annotations

from runbookgen.history import stats
from runbookgen.history.stats import Phase, RunFacts
from runbookgen.markdown import load
from test_site_support import SEED

P1 = Phase("p1", "Phase 1", 10, 15)
P2 = Phase("p2", "Phase 2", 5, 10)
LABELS = {
    "a": "Put application in maintenance mode",
    "b": "Secrets rotated",
    "t1": "Error rate exceeds 1%",
    "t2": "Response time > 2s",
}


def runs() -> list[RunFacts]:
    return [
        RunFacts(
            "r1.md",
            "2026-09-03",
            "success",
            "v1",
            ["a"],
            [],
            60.0,
            {"p1": 12.0, "p2": 4.0},
            "2026-09-03T10:00:00+00:00",
        ),
        RunFacts(
            "r2.md",
            "2026-10-01",
            "success",
            "v2",
            ["a", "b"],
            [],
            90.0,
            {"p1": 20.0},
            "2026-10-01T11:00:00+00:00",
        ),
        RunFacts("r3.md", "2026-10-20", "rolled-back", "v3", ["a"], ["t1", "t2"], 30.0, {"p1": 16.0}),
        RunFacts("r4.md", "2026-11-02", "partial", "v4", [], ["t1"], None, {}),
        # open runs: counted as runs, not in success rate or durations
        RunFacts(
            "r5.md",
            "2026-12-01",
            "in-progress",
            "v5",
            ["b"],
            [],
            500.0,
            {"p1": 99.0},
            "2026-12-01T09:00:00+00:00",
        ),
        RunFacts("bad.md", "2026-12-24", "success", errors=["runs/bad.md:1: front matter lacks 'date'"]),
    ]


def test_outcomes_success_rate_and_last_exercised() -> None:
    st = stats.compute(runs(), [P1, P2], LABELS)
    assert st.runs == 5  # the broken file is left out
    assert st.outcomes == {"success": 2, "partial": 1, "rolled-back": 1, "in-progress": 1}
    assert st.finished == 4 and st.success_rate == 0.5
    assert (st.last_date, st.last_release, st.last_relpath) == ("2026-12-01", "v5", "r5.md")
    assert st.last_tick == "2026-12-01T09:00:00+00:00"
    assert st.by_month == {
        "2026-09": {"success": 1},
        "2026-10": {"success": 1, "rolled-back": 1},
        "2026-11": {"partial": 1},
        "2026-12": {"in-progress": 1},
    }


def test_durations_use_finished_runs_with_history_only() -> None:
    st = stats.compute(runs(), [P1, P2], LABELS)
    assert st.median_minutes == 60.0 and st.timed_runs == 3  # 30, 60, 90; r4 has no history
    p1, p2 = st.phases
    assert (p1.runs, p1.median, p1.over, p1.median_over) == (3, 16.0, 2, True)  # 12, 16, 20 vs 15
    assert (p2.runs, p2.median, p2.over, p2.median_over) == (1, 4.0, 0, False)
    assert p1.to_dict()["estimate"] == {"min": 10, "max": 15}


def test_most_skipped_and_most_triggered() -> None:
    st = stats.compute(runs(), [P1], LABELS, top=5)
    assert [(c.id, c.text, c.count) for c in st.skipped] == [
        ("a", "Put application in maintenance mode", 3),
        ("b", "Secrets rotated", 2),
    ]
    assert [(c.text, c.count) for c in st.triggered] == [
        ("Error rate exceeds 1%", 2),
        ("Response time > 2s", 1),
    ]
    assert [c.id for c in stats.compute(runs(), top=1).skipped] == ["a"]


def test_no_runs_and_nothing_finished() -> None:
    st = stats.compute([], [P1])
    assert (st.runs, st.success_rate, st.median_minutes, st.last_date) == (0, None, None, None)
    assert st.phases[0].median is None and st.skipped == [] and st.to_dict()["last"]["date"] is None
    open_only = stats.compute([RunFacts("x.md", "2026-01-01", "in-progress", minutes=5.0)])
    assert open_only.success_rate is None and open_only.median_minutes is None


def test_phases_of_the_seed_are_the_estimated_sections() -> None:
    phases = stats.phases_of(load(SEED))
    assert [(p.title, p.min, p.max) for p in phases] == [
        ("Phase 1: Database Migration (if required)", 10, 15),
        ("Phase 2: Backend Deployment", 10, 15),
        ("Phase 3: Frontend Deployment", 5, 10),
        ("Phase 4: Traffic Migration", 40, 50),
        ("Phase 5: Verification", 15, 20),
    ]
