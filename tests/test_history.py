"""History from real git: who ticked what and when, across branches, merges and renames.

One repository is built per module (git is the slow part): three authors at fixed dates,
a squash-style ``(#12)`` title, a pull request branch merged with ``Merge pull request
#13``, an untick on main while the branch was open, a rename in a ``(#14)`` commit, a
skip, a wait step ticked too soon, a filled sign-off, and a task unticked after it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import GIT_ENV, SEED, run_cli
from runbookgen import history as h
from runbookgen.project import Project
from runbookgen.records.record import load_run

ALICE = ("Alice Ops", "alice@example.com")
BOB = ("Bob Dev", "bob@example.com")
CAROL = ("Carol SRE", "carol@example.com")
RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"
DRAFT = "runs/production-deployment/draft.md"
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
CQ = "pre-deployment-24-hours-before/code-quality/"
P1 = "during-deployment/phase-1-database-migration-if-required/"
P4 = "during-deployment/phase-4-traffic-migration/"
SIGN = "deployment-sign-off/pre-deployment-approval/engineering-manager-date"


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-12-01T{hhmm}:00+00:00")


class Repo:
    """A scratch repository where every commit has a chosen author and date."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, who: tuple[str, str] = ALICE, when: str = "09:00") -> str:
        stamp = at(when).isoformat()
        env = {
            **os.environ,
            **GIT_ENV,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        proc = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def edit(self, path: str, *pairs: tuple[str, str]) -> None:
        p = self.root / path
        text = p.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        p.write_text(text, encoding="utf-8")

    def commit(self, message: str, who: tuple[str, str], when: str) -> None:
        self.git("add", "-A", who=who, when=when)
        self.git("commit", "-q", "-m", message, who=who, when=when)


def tick(text: str) -> tuple[str, str]:
    return f"- [ ] {text}", f"- [x] {text}"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return build_repo(tmp_path_factory.mktemp("hist") / "repo")


def build_repo(root: Path) -> Repo:
    """A run created, ticked on main and on a pull request branch (merged, with an untick
    on main meanwhile), renamed, ticked through a wait step, signed off, then changed."""
    r = Repo(root)
    r.root.mkdir()
    r.git("init", "-q", "-b", "main")
    (r.root / "content").mkdir()
    (r.root / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
    (r.root / "runs" / "production-deployment").mkdir(parents=True)
    (r.root / DRAFT).write_text(FRONT + SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r.commit("New run v2.4.0", ALICE, "09:00")
    r.edit(DRAFT, tick("All code reviewed and approved"), tick("All tests passing"))
    r.commit("Tick code quality (#12)", ALICE, "09:10")
    # a pull request branch, ticked by Bob
    r.git("checkout", "-q", "-b", "bob/phase-1")
    r.edit(
        DRAFT,
        tick("Create final database backup"),
        (
            "- [ ] Put application in maintenance mode (if needed)",
            "- [x] ~~Put application in maintenance mode (if needed)~~ n/a: online migration",
        ),
    )
    r.commit("Phase 1 started", BOB, "09:20")
    # a tick plus a note: lines move, so this takes the full (parse) path, not the fast one
    r.edit(DRAFT, ("- [ ] Run database migrations", "- [x] Run database migrations\n  Took 4 minutes."))
    r.commit("Migrations ran", BOB, "09:35")
    # meanwhile on main, Alice unticks a box
    r.git("checkout", "-q", "main")
    r.edit(DRAFT, ("- [x] All tests passing", "- [ ] All tests passing"))
    r.commit("Tests are red again", ALICE, "09:25")
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #13 from bob/phase-1\n\nPhase 1",
        "bob/phase-1",
        who=CAROL,
        when="09:40",
    )
    # rename and tick in one squash-merged commit
    r.git("mv", DRAFT, RUN, when="09:45")
    r.edit(RUN, tick("Verify migration success"))
    r.commit("Name the run after its release (#14)", ALICE, "09:45")
    # a wait step ticked too soon
    r.edit(RUN, tick("Route 10% of traffic to new version"))
    r.commit("10%", BOB, "10:00")
    r.edit(RUN, tick("Monitor for 10 minutes"), tick("Route 25% of traffic to new version"))
    r.commit("25%", BOB, "10:03")
    # sign-off by Carol in the name of Jane Doe, then a task changes after it
    r.edit(
        RUN,
        (
            "- [ ] Engineering Manager: _________________ Date: _______",
            "- [x] Engineering Manager: Jane Doe Date: 2026-12-01",
        ),
    )
    r.commit("Pre-deployment approval", CAROL, "10:10")
    r.edit(RUN, ("- [x] All code reviewed and approved", "- [ ] All code reviewed and approved"))
    r.commit("Review reopened", BOB, "10:20")
    return r


@pytest.fixture(scope="module")
def hist(repo: Repo) -> h.History:
    h.clear_cache()
    return h.load_history(Project.from_root(repo.root), use_cache=False)


def _rows(rh: h.RunHistory) -> list[tuple]:
    return [
        (e.item, e.kind, e.field, e.value, e.commit.author, e.time, e.commit.pr, e.path) for e in rh.events
    ]


def test_exact_events_with_authors_times_prs_merge_and_rename(hist: h.History) -> None:
    assert hist.available and not hist.warnings
    assert list(hist.runs) == [RUN]
    rh = hist.for_run(RUN)
    assert rh.available and not rh.incomplete
    a, b, c = ALICE[0], BOB[0], CAROL[0]
    assert _rows(rh) == [
        ("", "status", "status", "in-progress", a, at("09:00"), None, DRAFT),
        (CQ + "all-code-reviewed-and-approved", "ticked", None, None, a, at("09:10"), 12, DRAFT),
        (CQ + "all-tests-passing-unit-integration-e2e", "ticked", None, None, a, at("09:10"), 12, DRAFT),
        # commit-graph order, not dates: main's untick (09:25) and Bob's branch (09:20, 09:35)
        # are parallel; git's topological order puts one line of history before the other
        (CQ + "all-tests-passing-unit-integration-e2e", "unticked", None, None, a, at("09:25"), None, DRAFT),
        # Bob's branch commits carry the PR number of the merge that brought them in
        (
            P1 + "put-application-in-maintenance-mode-if-needed",
            "skipped",
            None,
            "online migration",
            b,
            at("09:20"),
            13,
            DRAFT,
        ),
        (P1 + "create-final-database-backup", "ticked", None, None, b, at("09:20"), 13, DRAFT),
        (P1 + "run-database-migrations", "ticked", None, None, b, at("09:35"), 13, DRAFT),
        # the merge itself (Carol, 09:40) changed nothing of its own: no events
        (P1 + "verify-migration-success", "ticked", None, None, a, at("09:45"), 14, RUN),
        (P4 + "route-10-of-traffic-to-new-version", "ticked", None, None, b, at("10:00"), None, RUN),
        (P4 + "monitor-for-10-minutes", "ticked", None, None, b, at("10:03"), None, RUN),
        (P4 + "route-25-of-traffic-to-new-version", "ticked", None, None, b, at("10:03"), None, RUN),
        (SIGN, "ticked", None, None, c, at("10:10"), None, RUN),
        (SIGN, "filled", "Engineering Manager", "Jane Doe", c, at("10:10"), None, RUN),
        (SIGN, "filled", "Date", "2026-12-01", c, at("10:10"), None, RUN),
        (CQ + "all-code-reviewed-and-approved", "unticked", None, None, b, at("10:20"), None, RUN),
    ]
    ev = rh.events[1]
    assert ev.commit.email == ALICE[1] and ev.time.tzinfo is not None and len(ev.commit.sha) == 40


def test_events_replay_to_the_state_of_the_file(repo: Repo, hist: h.History) -> None:
    """Cross-check of the line-level fast path: folding the events gives the parsed file."""
    project = Project.from_root(repo.root)
    record = load_run(repo.root / RUN, project)
    latest = hist.for_run(RUN).latest()
    for item in record.model.items():
        ev = latest.get(item.id)
        kind = ev.kind if ev else "unticked"
        assert (kind == "ticked") == item.done, item.id
        assert (kind == "skipped") == item.skipped, item.id


def test_timeline_durations_waits_and_signoffs(repo: Repo, hist: h.History) -> None:
    project = Project.from_root(repo.root)
    record = load_run(repo.root / RUN, project)
    tl = h.timeline(record, hist.for_run(RUN))
    by_id = {s.id: s for s in tl.sections}
    p1 = by_id[P1.rstrip("/")]
    assert (p1.first, p1.last) == (at("09:20"), at("09:45"))
    assert p1.duration == timedelta(minutes=25) and p1.estimate is not None
    assert (p1.estimate.min, p1.estimate.max) == (10, 15) and p1.over
    p4 = by_id[P4.rstrip("/")]
    assert p4.duration == timedelta(minutes=3) and not p4.over
    assert by_id["during-deployment"].first == at("09:20")
    assert tl.start == at("09:10") and tl.end == at("10:20")  # first and last item event
    waits = {w.item: w for w in tl.waits}
    first = waits[P4 + "monitor-for-10-minutes"]
    assert first.minutes == 10 and first.waited == timedelta(minutes=3) and first.short
    assert first.start is not None and first.start.item == P4 + "route-10-of-traffic-to-new-version"
    assert not waits[P4 + "monitor-for-10-minutes-2"].short  # nothing after it is ticked yet
    so = next(s for s in tl.signoffs if s.item == SIGN)
    assert so.done and so.fields == {"Engineering Manager": "Jane Doe", "Date": "2026-12-01"}
    assert so.ticked is not None and so.ticked.commit.author == CAROL[0]
    assert so.filled["Engineering Manager"].time == at("10:10")
    assert tl.items[CQ + "all-code-reviewed-and-approved"].kind == "unticked"
    json.dumps(tl.to_dict())  # the site can serialise it


def test_signoff_findings_stale_and_identity(repo: Repo, hist: h.History) -> None:
    project = Project.from_root(repo.root)
    record = load_run(repo.root / RUN, project)
    found = h.signoff_findings([record], project, hist)
    codes = sorted(f.code for f in found)
    assert codes == ["signoff-identity", "signoff-stale"]
    stale = next(f for f in found if f.code == "signoff-stale")
    assert stale.severity == "warning" and stale.path == RUN
    assert stale.line == next(i.line for i in record.model.items() if i.id == SIGN)
    assert "All code reviewed and approved" in stale.message and "unticked" in stale.message
    ident = next(f for f in found if f.code == "signoff-identity")
    assert "Jane Doe" in ident.message and "Carol SRE" in ident.message
    # check's variant reads the committed state from the events, without parsing the run
    fast = h.signoff_findings_for_paths([repo.root / RUN], project, hist)
    assert [(f.code, f.line) for f in fast] == [(f.code, f.line) for f in found]
    # a mapping of names to git identities in mkdocs.yml settles the identity question
    project.settings["signers"] = {"Jane Doe": ["carol@example.com"]}
    found = h.signoff_findings([record], project, hist)
    assert [f.code for f in found] == ["signoff-stale"]
    assert [f.code for f in h.signoff_findings_for_paths([repo.root / RUN], project, hist)] == [
        "signoff-stale"
    ]


def test_versions_evicted_from_memory_are_read_back_from_git(repo: Repo, hist: h.History) -> None:
    from runbookgen.history.gitlog import GitLog
    from runbookgen.history.replay import Replayer

    project = Project.from_root(repo.root)
    replayer = Replayer(repo.root, project.field_labels, versions_kept=1)
    again = replayer.run(GitLog(repo.root, project.runs_dir))
    assert replayer.blobs.proc is not None  # evicted versions were read back with cat-file
    assert _rows(again[RUN]) == _rows(hist.for_run(RUN))


def test_cache_by_head_on_disk_and_in_memory(repo: Repo, hist: h.History) -> None:
    project = Project.from_root(repo.root)
    h.clear_cache()
    first = h.load_history(project)
    assert (repo.root / ".cache" / "runbookgen" / "history.json").is_file()
    h.clear_cache()
    from_disk = h.load_history(project)
    assert _rows(from_disk.for_run(RUN)) == _rows(hist.for_run(RUN)) == _rows(first.for_run(RUN))
    assert h.load_history(project).runs[RUN].events is h.load_history(project).runs[RUN].events


def test_uncommitted_and_never_committed_files(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(repo.root), str(clone)], check=True, env={**os.environ, **GIT_ENV}
    )
    project = Project.from_root(clone)
    path = clone / RUN
    path.write_text(path.read_text().replace("- [ ] Linting passes", "- [x] Linting passes"))
    new = clone / "runs" / "production-deployment" / "2026-12-08-v2.5.0.md"
    new.write_text(FRONT + SEED.read_text())
    hist = h.load_history(project, use_cache=False)
    assert hist.for_run(RUN).uncommitted
    other = hist.for_run(project.rel(new))
    assert not other.available and "not committed" in (other.reason or "")


def test_shallow_clone_warns_with_the_fix_and_keeps_what_it_has(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone)],
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    hist = h.load_history(Project.from_root(clone), use_cache=False)
    assert hist.available and hist.shallow
    assert any("fetch-depth: 0" in w for w in hist.warnings)
    rh = hist.for_run(RUN)
    assert rh.incomplete
    # the boundary commit is a baseline, not a flood of fake ticks; the last one is real
    assert _rows(rh) == [
        (CQ + "all-code-reviewed-and-approved", "unticked", None, None, BOB[0], at("10:20"), None, RUN)
    ]


def test_not_a_repository_is_unavailable_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "runs").mkdir()
    project = Project.from_root(tmp_path)
    hist = h.load_history(project)
    assert not hist.available and hist.reason == "not a git repository"
    assert not hist.for_run("runs/x.md").available
    assert h.signoff_findings([], project, hist) == []


def test_no_git_on_path_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    hist = h.load_history(Project(root=tmp_path))
    assert not hist.available and "git is not installed" in (hist.reason or "")


def test_wait_minutes() -> None:
    assert h.wait_minutes("Monitor for 10 minutes") == 10
    assert h.wait_minutes("Monitor for 30 minutes") == 30
    assert h.wait_minutes("Soak for 1 hour") == 60
    assert h.wait_minutes("Route 10% of traffic") is None


def test_cli_json_lists_each_tick_with_author_time_commit(repo: Repo) -> None:
    res = run_cli("history", RUN, "--format", "json", cwd=repo.root)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [r["path"] for r in data] == [RUN]
    ticks = [e for e in data[0]["events"] if e["kind"] == "ticked"]
    assert ticks[0]["item"] == CQ + "all-code-reviewed-and-approved"
    assert ticks[0]["text"] == "All code reviewed and approved"
    assert ticks[0]["section"] == "Code Quality"
    assert ticks[0]["author"] == "Alice Ops" and ticks[0]["email"] == "alice@example.com"
    assert ticks[0]["time"] == "2026-12-01T09:10:00+00:00" and ticks[0]["pr"] == 12
    assert len(ticks[0]["commit"]) == 40
    assert {e["author"] for e in ticks} == {"Alice Ops", "Bob Dev", "Carol SRE"}
    # without RUNS: every run, item texts from the template (one parse per runbook)
    every = json.loads(run_cli("history", "--format", "json", cwd=repo.root).stdout)
    assert [r["path"] for r in every] == [RUN]
    assert [(e["item"], e["section"], e["kind"]) for e in every[0]["events"]] == [
        (e["item"], e["section"], e["kind"]) for e in data[0]["events"]
    ]
    assert every[0]["events"][1]["text"] == "All code reviewed and approved"


def test_cli_text_timeline_and_errors(repo: Repo, tmp_path: Path) -> None:
    res = run_cli("history", RUN, cwd=repo.root, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert "2026-12-01 09:10  Alice Ops" in res.stdout
    assert re.search(r"skipped +Phase 1: Database Migration \(if required\) › Put application", res.stdout)
    assert "(n/a: online migration)" in res.stdout and "#13)" in res.stdout
    # columns line up: what happened starts in the same column on every line
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("  20")]
    kinds = {"status", "ticked", "unticked", "skipped", "filled", "cleared"}
    starts = {next(ln.index(k) for k in kinds if f" {k} " in ln) for ln in lines}
    assert len(lines) > 3 and len(starts) == 1
    assert "status → in-progress  (" in res.stdout  # the value without its YAML comment
    missing = run_cli("history", "runs/nope.md", cwd=repo.root)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "content").mkdir()
    (tmp_path / "runs").mkdir()
    res = run_cli("history", "--format", "json", cwd=tmp_path)
    assert res.returncode == 1 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1
    assert "history unavailable: not a git repository" in res.stderr
    helptext = run_cli("history", "--help").stdout
    assert "Examples:" in helptext and "--format" in helptext


def test_utc_helper_is_aware() -> None:
    assert at("09:00").tzinfo is not None and at("09:00").utcoffset() == timedelta(0)
    assert datetime(2026, 12, 1, 9, tzinfo=UTC) == at("09:00")


def test_check_warns_about_the_stale_signoff(repo: Repo) -> None:
    res = run_cli("check", RUN, "--format", "json", cwd=repo.root)
    codes = {f["code"]: f for f in json.loads(res.stdout)["findings"]}
    assert codes["signoff-stale"]["severity"] == "warning"
    assert "signoff-identity" in codes


def _small_repo(root: Path) -> Repo:
    """One run, created then ticked twice; objects left loose (no pack)."""
    root.mkdir()
    (root / "content").mkdir()
    (root / "content" / "production-deployment.md").write_text(
        SEED.read_text(encoding="utf-8"), encoding="utf-8"
    )
    r = Repo(root)
    r.git("init", "-q", "-b", "main")
    (root / "runs" / "production-deployment").mkdir(parents=True)
    (root / RUN).write_text(FRONT + SEED.read_text(encoding="utf-8"), encoding="utf-8")
    r.commit("New run", ALICE, "09:00")
    r.edit(RUN, tick("All code reviewed and approved"))
    r.commit("Reviewed (#3)", BOB, "09:10")
    return r


def test_git_log_that_fails_makes_history_unavailable_with_gits_reason(tmp_path: Path) -> None:
    """A real failure: the first version of the run file is missing from the object store."""
    r = _small_repo(tmp_path / "broken")
    first = r.git("rev-parse", "HEAD~1:" + RUN).strip()
    (r.root / ".git" / "objects" / first[:2] / first[2:]).unlink()
    hist = h.load_history(Project.from_root(r.root), use_cache=False)
    assert not hist.available
    assert (hist.reason or "").startswith("cannot read git history: git log failed: fatal:")
    assert first[:7] in (hist.reason or "") or "unable to read" in (hist.reason or "")


def test_started_history_can_be_stopped_and_leaves_no_git_running(tmp_path: Path) -> None:
    r = _small_repo(tmp_path / "stop")
    pending = h.start_history(Project.from_root(r.root), use_cache=False)
    assert pending.log is not None  # git started at once, before result() is asked for
    proc = pending.log.proc
    pending.close()
    assert pending.log is None and proc.returncode is not None  # killed or finished, and reaped
    # a fresh start still reads everything
    hist = h.start_history(Project.from_root(r.root), use_cache=False).result()
    events = [(e.item.rsplit("/", 1)[-1], e.kind, e.commit.author) for e in hist.for_run(RUN).events]
    assert events == [("", "status", "Alice Ops"), ("all-code-reviewed-and-approved", "ticked", "Bob Dev")]


def test_started_history_is_not_started_when_the_disk_cache_is_there(tmp_path: Path) -> None:
    r = _small_repo(tmp_path / "cached")
    project = Project.from_root(r.root)
    first = h.load_history(project)  # writes .cache/runbookgen/history.json
    h.clear_cache()
    pending = h.start_history(Project.from_root(r.root))
    assert pending.log is None  # no git log: the cache answers
    again = pending.result()
    assert again.for_run(RUN).events == first.for_run(RUN).events
