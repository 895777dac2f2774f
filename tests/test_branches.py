"""In-flight runs read from unmerged run branches with real git (history/branches.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from live_support import ALICE, BOB, RUNBOOK, Team, git
from runbookgen.errors import RunbookgenError
from runbookgen.history.branches import match, patterns_of, read_in_flight
from runbookgen.project import Project

BRANCH = f"run/{RUNBOOK}/2026-12-01-v2.4.0"


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("run/**", "run/production-deployment/2026-12-01-v2.4.0", True),
        ("run/**", "run/x", True),
        ("run/**", "runs/x", False),
        ("run/**", "feature/run/x", False),
        ("run/*", "run/a/b", False),
        ("run/*/2026-*", "run/prod/2026-12-01-v1", True),
        ("**/run/**", "team/run/prod/x", True),
        ("release-*", "release-1.2", True),
        ("run/**", "run/" + "a/" * 2000 + "b", True),
    ],
)
def test_branch_patterns(pattern: str, name: str, expected: bool) -> None:
    assert match(pattern, name) is expected


def test_pattern_setting() -> None:
    assert patterns_of(None) == ("run/**",)
    assert patterns_of(False) == ()
    assert patterns_of(["run/**", "hotfix/*"]) == ("run/**", "hotfix/*")
    with pytest.raises(RunbookgenError, match="run_branches"):
        patterns_of(3)


def test_run_branch_pushed_by_two_authors_is_in_flight(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    team.tick(BOB, BRANCH, run, "All tests passing", date="2026-12-01T10:05:00+00:00")
    ci = team.ci()
    assert not (ci / run).exists(), "the run is only on its branch"
    got = read_in_flight(Project.from_root(ci))
    assert got.available, got.reason
    assert [b.name for b in got.branches] == [BRANCH]
    assert got.branches[0].ref == f"refs/remotes/origin/{BRANCH}"
    (live,) = got.runs.values()
    assert live.relpath == run and live.branch.name == BRANCH and not live.on_main
    assert live.text is not None and "- [x] All code reviewed" in live.text
    assert "- [x] All tests passing" in live.text
    assert live.last.author == "Bob Brown"
    assert len(live.commits) == 3  # start + two ticks


def test_merged_branch_disappears_and_deleted_branch_too(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(BOB, BRANCH, run, "All code reviewed")
    team.merge(ALICE, BRANCH)
    ci = team.ci()
    assert (ci / run).is_file()
    got = read_in_flight(Project.from_root(ci))
    assert got.branches == [] and got.runs == {}, "a merged branch is not in flight"
    # a later tick on the same branch makes it in flight again, newer than main
    team.tick(BOB, BRANCH, run, "All tests passing")
    got = read_in_flight(Project.from_root(team.ci()))
    (live,) = got.runs.values()
    assert live.on_main and live.text is not None and "- [x] All tests passing" in live.text
    git(team.clone(ALICE), "push", "-q", "origin", "--delete", BRANCH)
    got = read_in_flight(Project.from_root(team.ci()))
    assert got.runs == {} and got.branches == []


def test_two_releases_both_in_flight(tmp_path: Path) -> None:
    team = Team(tmp_path)
    a = team.new_run(ALICE, "v2.4.0")
    b = team.new_run(BOB, "v2.5.0", date="2026-12-02")
    team.tick(BOB, BRANCH, a, "All code reviewed")
    got = read_in_flight(Project.from_root(team.ci()))
    assert sorted(got.runs) == sorted([a, b])
    assert got.runs[b].branch.name == f"run/{RUNBOOK}/2026-12-02-v2.5.0"


def _local_branch(team: Team, who: tuple[str, str]) -> Path:
    """``who``'s clone on main with a local run branch at origin's tip (not checked out)."""
    repo = team.clone(who)
    git(repo, "switch", "-q", "main")
    git(repo, "fetch", "-q")
    git(repo, "branch", "-q", "-f", BRANCH, f"origin/{BRANCH}")
    return repo


def _commit_tick(repo: Path, run: str, needle: str, who: tuple[str, str], date: str) -> None:
    """Tick the open box with ``needle`` on the checked-out branch, committed at ``date``."""
    path = repo / run
    lines = path.read_text().split("\n")
    n = next(k for k, line in enumerate(lines) if needle in line and "[ ]" in line)
    lines[n] = lines[n].replace("[ ]", "[x]", 1)
    path.write_text("\n".join(lines))
    git(repo, "commit", "-q", "-am", f"Tick {needle}", who=who, date=date)


def test_local_and_remote_branch_by_graph_not_dates(tmp_path: Path) -> None:
    """The ref that contains the other's commits shows, whatever their dates say."""
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    # ahead: Alice ticks locally without pushing, her commit backdated to 2000
    alice = _local_branch(team, ALICE)
    git(alice, "switch", "-q", BRANCH)
    _commit_tick(alice, run, "Linting passes", ALICE, "2000-01-01T00:00:00+00:00")
    git(alice, "switch", "-q", "main")
    live = read_in_flight(Project.from_root(alice)).runs[run]
    assert live.branch.ref == f"refs/heads/{BRANCH}", "local is ahead of origin: it contains it"
    assert live.text is not None and "- [x] Linting passes" in live.text
    # behind: her branch is at her tick dated 2099; Bob ticks after it (dated 2020) and pushes
    git(alice, "push", "-q", "origin", BRANCH)
    git(alice, "switch", "-q", BRANCH)
    _commit_tick(alice, run, "All code reviewed", ALICE, "2099-01-01T00:00:00+00:00")
    git(alice, "push", "-q", "origin", BRANCH)
    git(alice, "switch", "-q", "main")
    team.tick(BOB, BRANCH, run, "All tests passing", date="2020-01-01T00:00:00+00:00")
    git(alice, "fetch", "-q")
    got = read_in_flight(Project.from_root(alice))
    live = got.runs[run]
    assert live.branch.ref == f"refs/remotes/origin/{BRANCH}", "origin contains the 2099 local tip"
    assert live.text is not None and "- [x] All tests passing" in live.text
    assert live.last.author == "Bob Brown" and got.warnings == []
    # diverged: Alice's new local tick and Bob's pushed one: her local branch, and a warning
    git(alice, "switch", "-q", "-C", BRANCH, f"origin/{BRANCH}~1")
    _commit_tick(alice, run, "TypeScript compilation", ALICE, "2026-12-01T12:00:00+00:00")
    git(alice, "switch", "-q", "main")
    got = read_in_flight(Project.from_root(alice))
    assert got.runs[run].branch.ref == f"refs/heads/{BRANCH}"
    assert len(got.branches) == 1
    assert any("diverged" in w and "pull" in w for w in got.warnings), got.warnings


def _squash_onto_main(team: Team, run: str, who: tuple[str, str], date: str) -> Path:
    """Take the branch's run file onto main in one commit (GitHub's "Squash and merge")."""
    repo = team.clone(who)
    git(repo, "switch", "-q", "main")
    git(repo, "fetch", "-q")
    git(repo, "merge", "-q", "--ff-only", "origin/main")
    git(repo, "checkout", f"origin/{BRANCH}", "--", run)
    git(repo, "commit", "-q", "-m", "Run v2.4.0 (#9)", who=who, date=date)
    git(repo, "push", "-q", "origin", "main")
    return repo


def test_stale_branch_does_not_hide_newer_main(tmp_path: Path) -> None:
    """A branch tick dated 2099, squash-merged; main ticks more (dated 2000): main is newer."""
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(BOB, BRANCH, run, "All code reviewed", date="2099-01-01T00:00:00+00:00")
    alice = _squash_onto_main(team, run, ALICE, "2000-01-01T00:00:00+00:00")
    _commit_tick(alice, run, "All tests passing", ALICE, "2000-01-02T00:00:00+00:00")
    git(alice, "push", "-q", "origin", "main")
    got = read_in_flight(Project.from_root(team.ci()))
    assert got.runs == {} and got.stale[run].name == BRANCH


def test_backdated_branch_tick_is_still_newer(tmp_path: Path) -> None:
    """main merged the run (2026); a later tick on the branch dated 1999 is still newer."""
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    team.merge(ALICE, BRANCH)
    team.tick(BOB, BRANCH, run, "All tests passing", date="1999-01-01T00:00:00+00:00")
    got = read_in_flight(Project.from_root(team.ci()))
    live = got.runs[run]
    assert live.on_main and not live.diverged and live.text is not None
    assert "- [x] All tests passing" in live.text and live.last.author == "Bob Brown"
    # squash-merged instead (main never reaches the branch's commits): the same answer
    (tmp_path / "squash").mkdir()
    team2 = Team(tmp_path / "squash")
    run = team2.new_run(ALICE, "v2.4.0")
    team2.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    _squash_onto_main(team2, run, ALICE, "2026-12-01T11:00:00+00:00")
    team2.tick(BOB, BRANCH, run, "All tests passing", date="1999-01-01T00:00:00+00:00")
    live = read_in_flight(Project.from_root(team2.ci())).runs[run]
    assert not live.diverged and live.text is not None and "- [x] All tests passing" in live.text


def test_diverged_main_and_branch_show_the_branch_flagged(tmp_path: Path) -> None:
    """main and the branch each ticked what the other has not: no order; the branch's
    version shows, flagged with main's change."""
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed")
    team.merge(ALICE, BRANCH)
    bob = team.clone(BOB)
    git(bob, "switch", "-q", "main")
    git(bob, "pull", "-q", "--ff-only")
    _commit_tick(bob, run, "Linting passes", BOB, "2099-01-01T00:00:00+00:00")
    git(bob, "push", "-q", "origin", "main")
    team.tick(ALICE, BRANCH, run, "All tests passing", date="2000-01-01T00:00:00+00:00")
    got = read_in_flight(Project.from_root(team.ci()))
    live = got.runs[run]
    assert live.diverged and live.on_main and live.main_change is not None
    assert live.main_change.author == "Bob Brown"
    assert live.text is not None and "- [x] All tests passing" in live.text
    assert "- [ ] Linting passes" in live.text, "the branch's version, not a mix"
    # merging main into the branch ends it: the branch has seen main's change
    alice = team.clone(ALICE)
    git(alice, "switch", "-q", BRANCH)
    git(alice, "fetch", "-q")
    git(alice, "merge", "-q", "--no-edit", "origin/main", who=ALICE)
    git(alice, "push", "-q", "origin", BRANCH)
    live = read_in_flight(Project.from_root(team.ci())).runs[run]
    assert not live.diverged and live.text is not None
    assert "- [x] Linting passes" in live.text and "- [x] All tests passing" in live.text


def test_several_branches_one_run_by_graph_then_own_branch(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed", date="2099-01-01T00:00:00+00:00")
    # Bob's branch grows from the run branch: it contains Alice's tick, dated 2099
    bob = team.clone(BOB)
    git(bob, "fetch", "-q")
    git(bob, "switch", "-q", "-c", "run/fix/bob", f"origin/{BRANCH}")
    _commit_tick(bob, run, "All tests passing", BOB, "2000-01-01T00:00:00+00:00")
    git(bob, "push", "-q", "origin", "run/fix/bob")
    got = read_in_flight(Project.from_root(team.ci()))
    live = got.runs[run]
    assert live.branch.name == "run/fix/bob" and live.others == (BRANCH,) and live.rivals == ()
    # an unrelated branch (from the run's first commit, not Alice's tick), dated 2099 too:
    # the two do not contain each other; the run's own branch would win, but Bob's contains it
    git(bob, "switch", "-q", "-c", "run/zz/carol", f"origin/{BRANCH}~1")
    _commit_tick(bob, run, "Linting passes", BOB, "2099-06-01T00:00:00+00:00")
    git(bob, "push", "-q", "origin", "run/zz/carol")
    live = read_in_flight(Project.from_root(team.ci())).runs[run]
    assert live.branch.name == "run/fix/bob" and live.rivals == ("run/zz/carol",)
    # without Bob's branch: the run's own branch (named by new-run) wins over the unrelated one
    git(bob, "push", "-q", "origin", "--delete", "run/fix/bob")
    live = read_in_flight(Project.from_root(team.ci())).runs[run]
    assert live.branch.name == BRANCH and live.rivals == ("run/zz/carol",)
    assert live.text is not None and "- [x] All code reviewed" in live.text


def test_pattern_and_setting_choose_branches(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    ci = team.ci()
    proj = Project.from_root(ci)
    assert read_in_flight(proj, ["hotfix/**"]).runs == {}
    assert list(read_in_flight(proj, [f"run/{RUNBOOK}/*"]).runs) == [run]
    proj.settings["run_branches"] = False
    off = read_in_flight(proj)
    assert not off.available and "off" in (off.reason or "")


def test_unreadable_branch_file_is_kept_with_its_error(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    bob = team.clone(BOB)
    git(bob, "fetch", "-q")
    git(bob, "switch", "-q", "-c", BRANCH, f"origin/{BRANCH}")
    (bob / run).write_bytes(b"---\nrunbook: x\n---\n- [ ] caf\xe9\n")
    (bob / "runs" / RUNBOOK / "2026-12-01-escape.md").symlink_to("/etc/passwd")
    git(bob, "add", "-A")
    git(bob, "commit", "-q", "-m", "bad bytes", who=BOB)
    git(bob, "push", "-q", "origin", BRANCH)
    got = read_in_flight(Project.from_root(team.ci()))
    assert "not valid UTF-8" in (got.runs[run].error or "") and got.runs[run].text is None
    esc = got.runs[f"runs/{RUNBOOK}/2026-12-01-escape.md"]
    assert esc.text is None and "refused" in (esc.error or "")


def test_not_a_repository_and_no_commits(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "runs").mkdir()
    proj = Project.from_root(tmp_path)
    got = read_in_flight(proj)
    assert not got.available and got.reason == "not a git repository"
    git(tmp_path, "init", "-q", "-b", "main")
    got = read_in_flight(proj)
    assert not got.available and got.reason == "the repository has no commits yet"


def _count_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Put a `git` on PATH that logs each invocation, then runs the real one."""
    import shutil

    real = shutil.which("git")
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git-calls.log"
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    return log


def test_git_processes_do_not_grow_with_branches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One batch per build: the same git processes for 1 run branch as for 6."""
    team = Team(tmp_path)
    counts = []
    for n, releases in enumerate((["v1.0.0"], ["v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0"])):
        for r in releases:
            run = team.new_run(ALICE, r)
            team.tick(BOB, f"run/{RUNBOOK}/2026-12-01-{r}", run, "All code reviewed")
        ci = team.ci(f"ci{n}")
        (tmp_path / f"calls{n}").mkdir()
        with monkeypatch.context() as mp:
            log = _count_git(mp, tmp_path / f"calls{n}")
            got = read_in_flight(Project.from_root(ci))
        assert len(got.runs) == (1 if n == 0 else 6)
        counts.append(log.read_text().splitlines())
    assert len(counts[0]) == len(counts[1]) == 4, counts
    assert [c.split()[1] for c in counts[1]] == ["rev-parse", "for-each-ref", "-c", "cat-file"]


def _history(repo: Path, pulls: dict[str, int] | None = None) -> tuple[Project, Any, Any]:
    from runbookgen.history import load_history
    from runbookgen.history.branches import branch_history

    proj = Project.from_root(repo)
    inflight = read_in_flight(proj)
    main = load_history(proj, use_cache=False)
    return proj, inflight, branch_history(proj, inflight, main, pulls)


def _ticks(hist: Any, run: str, pr: bool = False) -> list[tuple[Any, ...]]:
    rh = hist.for_run(run)
    assert rh.available, rh.reason
    return [
        (e.kind, e.item.rsplit("/", 1)[-1], e.commit.author, *([e.commit.pr] if pr else []))
        for e in rh.events
        if e.kind == "ticked"
    ]


def test_branch_history_has_the_branch_ticks_and_is_unchanged_after_merge(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    team.tick(BOB, BRANCH, run, "All tests passing", date="2026-12-01T10:05:00+00:00")
    _, inflight, hist = _history(team.ci())
    before = _ticks(hist, run)
    assert before == [
        ("ticked", "all-code-reviewed-and-approved", "Alice Adams"),
        ("ticked", "all-tests-passing-unit-integration-e2e", "Bob Brown"),
    ]
    # the run's pull request (#7, from `gh pr list`) labels the branch's ticks, as its merge will
    _, _, labelled = _history(team.ci(), {BRANCH: 7})
    assert [t[-1] for t in _ticks(labelled, run, pr=True)] == [7, 7]
    team.merge(ALICE, BRANCH)  # "Merge pull request #7 from acme/run/…"
    _, inflight, hist = _history(team.ci())
    assert inflight.runs == {}, "merged: read from main"
    assert _ticks(hist, run) == before, "history unchanged once the branch merges"
    assert _ticks(hist, run, pr=True) == _ticks(labelled, run, pr=True), "pull request numbers too"


def test_branch_history_of_a_run_also_on_main_keeps_mains_events(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed")
    team.merge(ALICE, BRANCH)
    team.tick(BOB, BRANCH, run, "All tests passing")  # after the merge: the branch is newer
    _, inflight, hist = _history(team.ci())
    assert inflight.runs[run].on_main
    assert [a for _, _, a in _ticks(hist, run)] == ["Alice Adams", "Bob Brown"]


def test_two_branches_keep_their_own_events(tmp_path: Path) -> None:
    team = Team(tmp_path)
    a = team.new_run(ALICE, "v2.4.0")
    b = team.new_run(BOB, "v2.5.0", date="2026-12-02")
    team.tick(ALICE, BRANCH, a, "All code reviewed")
    team.tick(BOB, f"run/{RUNBOOK}/2026-12-02-v2.5.0", b, "Linting passes")
    _, _, hist = _history(team.ci())
    assert _ticks(hist, a) == [("ticked", "all-code-reviewed-and-approved", "Alice Adams")]
    assert _ticks(hist, b) == [("ticked", "linting-passes-with-no-errors", "Bob Brown")]
