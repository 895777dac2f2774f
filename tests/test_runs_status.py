"""``status`` and the issue's "Done when" scenario, end to end with real git."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from runbookgen.markdown import loads
from runbookgen.records.progress import compute
from runs_support import RUN, git, make_repo, new_run, status_json, tick_lines


def test_done_when_scenario(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo)
    assert path.relative_to(repo).as_posix() == RUN
    assert git(repo, "branch", "--show-current").strip() == "run/production-deployment/2026-12-01-v2.4.0"
    # again: fails, changes nothing
    before = path.read_bytes()
    again = run_cli(
        "new-run", "production-deployment", "--release", "v2.4.0", "--date", "2026-12-01", cwd=repo
    )
    assert again.returncode == 1 and path.read_bytes() == before
    # fresh: 0 done of 164 (206 less 14 triggers, 20 rollback-procedure items and 8 optional
    # items left open, which are counted apart like skipped ones)
    [fresh] = status_json(repo)
    assert (fresh["done"], fresh["total"], fresh["skipped"], fresh["percent"]) == (0, 164, 0, 0.0)
    assert fresh["triggered"] == []
    # five ticks and one strike
    tick_lines(
        path,
        "All code reviewed",
        "All tests passing",
        "Linting passes",
        "Changelog updated",
        "DNS records verified",
    )
    strike = run_cli(
        "tick", RUN, "Put application in maintenance mode", "--skip", "online migration", cwd=repo
    )
    assert strike.returncode == 0, strike.stderr
    [run] = status_json(repo, RUN)
    # skipping an optional item changes no total: it was counted apart already
    assert (run["done"], run["skipped"], run["total"]) == (5, 1, 164)
    check = run_cli("check", RUN, "--format", "text", cwd=repo)
    assert check.returncode == 0, check.stdout + check.stderr
    # summary on the run branch lists the ticked items
    summary = run_cli("summary", "--base", "main", cwd=repo)
    assert summary.returncode == 0, summary.stderr
    for text in ("All code reviewed and approved", "Linting passes with no errors", "DNS records verified"):
        assert f"ticked: {text}" in summary.stdout
    skipped = "skipped: Put application in maintenance mode (if needed) — n/a: online migration"
    assert skipped in summary.stdout
    # deleting a task line: check exits 1 naming the item
    text = path.read_text()
    path.write_text(text.replace("- [ ] Rollback tested on staging\n", ""))
    broken = run_cli("check", "--format", "text", cwd=repo)
    assert broken.returncode == 1
    assert "task removed: 'Rollback tested on staging'" in broken.stdout
    assert f"{RUN}:" in broken.stdout


def test_status_json_contract(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    new_run(repo, "--no-git")
    [run] = status_json(repo)
    for key in (
        "path",
        "runbook",
        "release",
        "status",
        "done",
        "total",
        "skipped",
        "percent",
        "triggered",
        "sections",
    ):
        assert key in run
    assert run["path"] == RUN and run["runbook"] == "production-deployment" and run["release"] == "v2.4.0"
    sections = {s["title"]: s for s in run["sections"]}
    for s in run["sections"]:
        assert {"title", "kind", "done", "total", "skipped", "counted"} <= s.keys()
    assert sections["Rollback Criteria"]["kind"] == "triggers"
    assert sections["Rollback Criteria"]["total"] == 0
    assert sections["Rollback Procedure"]["counted"] is False
    assert sections["Deployment Sign-Off"]["total"] == 5


def test_trigger_makes_rollback_procedure_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo, "--no-git")
    tick_lines(path, "Error rate exceeds 1%", "Announce rollback decision")
    [run] = status_json(repo)
    # 164 + 16 procedure items (its 4 "(if needed)" database steps are optional), one done
    assert run["total"] == 180 and run["done"] == 1
    assert [t["text"] for t in run["triggered"]] == ["Error rate exceeds 1%"]
    text = run_cli("status", cwd=repo, env={"NO_COLOR": "1"})
    assert "TRIGGERED: Error rate exceeds 1%" in text.stdout
    assert "\x1b[" not in text.stdout


def test_rolled_back_status_counts_procedure() -> None:
    body = "## Rollback Procedure\n\nIf rollback is required:\n\n- [x] Stop traffic\n- [ ] Restore\n"
    model = loads(body)
    assert compute(model, "in-progress").total == 0
    rb = compute(model, "rolled-back")
    assert (rb.done, rb.total) == (1, 2)


def test_nested_and_skipped_counting() -> None:
    body = (
        "## Deploy\n- [x] Monitor\n  - [x] Error rate\n  - [ ] Latency\n"
        "- [x] ~~Maintenance mode (if needed)~~ n/a: online\n- [ ] ~~Old step~~\n"
    )
    prog = compute(loads(body))
    assert (prog.done, prog.total, prog.skipped) == (2, 3, 2)


def test_two_branches_ticking_different_items_merge_cleanly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo)
    run_branch = git(repo, "branch", "--show-current").strip()
    git(repo, "switch", "-q", "-c", "alice")
    tick_lines(path, "All code reviewed", "Security audit completed")
    git(repo, "commit", "-q", "-am", "alice ticks")
    git(repo, "switch", "-q", run_branch)
    git(repo, "switch", "-q", "-c", "bob")
    # one untouched line between alice's and bob's ticks: git's line merge conflicts on
    # changes to *adjacent* lines, whatever they are
    tick_lines(
        path, "No critical or high-severity", "CDN configuration verified", "Final database backup created"
    )
    git(repo, "commit", "-q", "-am", "bob ticks")
    git(repo, "switch", "-q", "alice")
    git(repo, "merge", "-q", "--no-edit", "bob")  # asserts success (no conflict)
    assert "<<<<<<<" not in path.read_text()
    [run] = status_json(repo)
    assert run["done"] == 5


def test_status_reports_unreadable_files_and_continues(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    new_run(repo, "--no-git")
    bad = repo / "runs/production-deployment/2026-12-02-v2.4.1.md"
    bad.write_bytes(b"---\nrunbook: production-deployment\n---\n# X\n- [ ] caf\xe9\n")
    res = run_cli("status", "--format", "json", cwd=repo)
    assert res.returncode == 1
    assert len(json.loads(res.stdout)) == 1
    assert "2026-12-02-v2.4.1.md:5: not valid UTF-8" in res.stderr


def test_status_with_no_runs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    res = run_cli("status", cwd=repo)
    assert res.returncode == 0 and "No run records" in res.stdout


def test_done_when_in_a_clone_of_this_repository(tmp_path: Path) -> None:
    from conftest import ROOT

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    res = run_cli(
        "new-run", "production-deployment", "--release", "v2.4.0", "--date", "2026-12-01", cwd=clone
    )
    assert res.returncode == 0, res.stderr
    assert "\nlead: Test Author\n" in (clone / RUN).read_text()  # git's author name by default
    assert git(clone, "branch", "--show-current").strip() == "run/production-deployment/2026-12-01-v2.4.0"
    [run] = [r for r in status_json(clone) if r["path"] == RUN]
    assert (run["done"], run["total"]) == (0, 164)
    assert run_cli("check", RUN, "--format", "text", cwd=clone).returncode == 0
