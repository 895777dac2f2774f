"""Honest durations from real git: measured only across commits, never "0 min".

Times come from commits, so a section ticked in one commit has no measurable duration
(it is "ticked together in one commit"), unless the section before it ended in an earlier
commit; a run's duration is its during-deployment stages, not the day-before checks.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from conftest import GIT_ENV, SEED
from runbookgen import history as h
from runbookgen.history import stats
from runbookgen.project import Project
from runbookgen.records.record import load_run

RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"
FRONT = """---
runbook: production-deployment
template_version: 2.0.0
template_digest: sha256:0
release: v2.4.0
date: 2026-12-01
lead: "@alice"
status: in-progress
---
"""
P1 = "during-deployment/phase-1-database-migration-if-required"
P2 = "during-deployment/phase-2-backend-deployment"
P3 = "during-deployment/phase-3-frontend-deployment"
CQ = "pre-deployment-24-hours-before/code-quality"
P1_ITEMS = ["Create final database backup", "Run database migrations", "Verify migration success"]
P2_ITEMS = ["Deploy backend to green environment", "Verify backend health checks pass"]
P3_ITEMS = ["Build frontend with production config", "Deploy frontend to CDN/S3"]


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp + ":00+00:00")


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        (root / "content").mkdir()
        (root / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
        (root / "runs" / "production-deployment").mkdir(parents=True)
        (root / RUN).write_text(FRONT + SEED.read_text(encoding="utf-8"), encoding="utf-8")
        self.git("init", "-q", "-b", "main")
        self.commit("New run", "2026-11-30T09:00")

    def git(self, *args: str, when: str = "2026-11-30T09:00") -> None:
        stamp = at(when).isoformat()
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        proc = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    def commit(self, message: str, when: str, *ticks: str) -> None:
        p = self.root / RUN
        text = p.read_text(encoding="utf-8")
        for t in ticks:
            assert f"- [ ] {t}" in text, t
            text = text.replace(f"- [ ] {t}", f"- [x] {t}", 1)
        p.write_text(text, encoding="utf-8")
        self.git("add", "-A", when=when)
        self.git("commit", "-q", "-m", message, when=when)

    def timeline(self) -> h.Timeline:
        project = Project.from_root(self.root)
        hist = h.load_history(project, use_cache=False)
        return h.timeline(load_run(self.root / RUN, project), hist.for_run(RUN))


def test_durations_only_where_measured(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit("Day before", "2026-11-30T15:00", "All code reviewed and approved", "All tests passing")
    r.commit("Phase 1 starts", "2026-12-01T10:00", *P1_ITEMS[:2])
    r.commit("Phase 1 done", "2026-12-01T10:12", P1_ITEMS[2])
    r.commit("Phases 2 and 3", "2026-12-01T10:30", *P2_ITEMS, *P3_ITEMS)
    tl = r.timeline()
    by = {s.id: s for s in tl.sections}
    # first and last tick in different commits: measured
    p1 = by[P1]
    assert p1.basis == "ticks" and p1.duration == timedelta(minutes=12) and not p1.together
    # one commit, but Phase 1 ended in an earlier one: measured from there
    p2 = by[P2]
    assert p2.basis == "previous" and p2.duration == timedelta(minutes=18)
    assert p2.since == at("2026-12-01T10:12")
    assert p2.since_title == "Phase 1: Database Migration (if required)"
    # ticked in the same commit as the section before it: no duration, never "0 min"
    p3 = by[P3]
    assert p3.together and p3.duration is None and not p3.over
    assert p3.to_dict()["minutes"] is None and p3.to_dict()["together"] is True
    # a stage ticked in one commit with no stage before it: not measured either
    cq = by[CQ]
    assert cq.together and cq.duration is None
    # the run: first to last tick of the During Deployment stage, not since the day before
    assert tl.deployment is not None and tl.deployment.what == "During Deployment"
    assert tl.deployment.duration == timedelta(minutes=30) and tl.deployment.minutes == 30
    assert tl.end is not None and tl.start is not None
    assert tl.end - tl.start == timedelta(hours=19, minutes=30)  # the whole span, for the record
    assert tl.to_dict()["deployment"]["what"] == "During Deployment"


def test_a_deployment_ticked_in_one_commit_has_no_duration(tmp_path: Path) -> None:
    r = Repo(tmp_path / "r")
    r.commit("Day before", "2026-11-30T15:00", "All code reviewed and approved")
    r.commit("Everything at once", "2026-12-01T11:00", *P1_ITEMS, *P2_ITEMS)
    tl = r.timeline()
    assert tl.deployment is not None and tl.deployment.together
    assert tl.deployment.duration is None and tl.deployment.minutes is None
    by = {s.id: s for s in tl.sections}
    assert by[P1].together and by[P2].together  # same commit as the phase before it
    assert all(s.duration is None or s.duration > timedelta(0) for s in tl.sections)


def test_medians_count_measured_runs_only() -> None:
    phase = stats.Phase(P1, "Phase 1", 10, 15)
    runs = [
        stats.RunFacts("a.md", "2026-12-01", "success", minutes=30.0, phase_minutes={P1: 12.0}),
        stats.RunFacts("b.md", "2026-12-02", "success", minutes=50.0, phase_minutes={P1: 20.0}),
        # ticked together in one commit: no duration, so not a zero in the medians
        stats.RunFacts("c.md", "2026-12-03", "success", minutes=None, phase_minutes={}),
    ]
    st = stats.compute(runs, [phase])
    assert st.median_minutes == 40.0 and st.timed_runs == 2
    (p,) = st.phases
    assert p.runs == 2 and p.median == 16.0 and p.over == 1
