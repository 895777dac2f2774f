"""Journeys a new team takes through the real CLI, and the rough edges found on them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli
from runs_support import RUN, git, make_repo, new_run

TEMPLATE = "content/production-deployment.md"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", use_git=False)
    new_run(repo, "--no-git")
    return repo


@pytest.mark.parametrize("command", ["status", "tick", "upgrade"])
def test_a_runbook_template_is_not_taken_for_a_run(repo: Path, command: str) -> None:
    """`status content/x.md` showed the template as a run with 'no status'; tick and
    upgrade each had their own wording. One rule, one message, nothing changed."""
    before = (repo / TEMPLATE).read_bytes()
    args = {"status": [TEMPLATE], "tick": [TEMPLATE, "All code reviewed"], "upgrade": [TEMPLATE]}[command]
    res = run_cli(command, *args, cwd=repo)
    assert res.returncode == 1, res.stdout
    assert res.stderr == (
        f"Error: {TEMPLATE}: not a run record (a runbook template in content/); run records "
        "live under runs/ and are made with 'runbookgen new-run RUNBOOK --release R'\n"
    )
    assert "status: no status" not in res.stdout
    assert (repo / TEMPLATE).read_bytes() == before


def test_status_of_a_template_beside_a_run_shows_the_run_and_fails(repo: Path) -> None:
    res = run_cli("status", RUN, TEMPLATE, cwd=repo)
    assert res.returncode == 1
    assert "production-deployment v2.4.0" in res.stdout
    assert res.stderr.count("Error: ") == 1 and "not a run record" in res.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["status", "{run}"],
        ["status", "--format", "json", "{run}"],
        ["check", "{run}"],
        ["tick", "{run}", "All code reviewed"],
        ["upgrade", "--dry-run", "{run}"],
    ],
    ids=["status", "status-json", "check", "tick", "upgrade"],
)
def test_run_commands_work_from_outside_the_repository(repo: Path, tmp_path: Path, args: list[str]) -> None:
    """Given a run record's path, every command finds its repository (as `history` did),
    instead of 'not inside a runbook repository' for the directory the user stands in."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    res = run_cli(*[a.format(run=repo / RUN) for a in args], cwd=elsewhere)
    assert res.returncode == 0, res.stderr
    assert "not inside a runbook repository" not in res.stderr
    if "--format" in args:
        assert json.loads(res.stdout)[0]["path"] == RUN
    if args[0] == "tick":
        assert "ticked: All code reviewed and approved" in res.stdout
        assert "- [x] All code reviewed and approved" in (repo / RUN).read_text(encoding="utf-8")


def test_outside_any_repository_the_error_names_where_it_looked(tmp_path: Path) -> None:
    res = run_cli("status", "nowhere/run.md", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1
    assert "not inside a runbook repository" in res.stderr


def test_help_says_what_each_exit_status_means() -> None:
    """The exit statuses the CLI reference tabulates are taught by `runbookgen --help` too
    (tests/test_exit_codes.py proves each one)."""
    from conftest import ROOT

    table = (ROOT / "content" / "docs" / "cli.md").read_text(encoding="utf-8")
    codes = re.findall(r"^\| (\d+) \| ", table, re.M)
    assert codes == ["0", "1", "2", "130"], codes
    res = run_cli("--help", env={"COLUMNS": "100"})
    assert res.returncode == 0
    epilog = res.stdout.split("Exit status:", 1)[1]
    said = re.findall(r"(\d+) (?:done|a problem|a usage mistake|interrupted)", epilog)
    assert said == codes, epilog


def test_status_on_main_points_at_runs_still_on_their_branches(tmp_path: Path) -> None:
    """new-run puts the run on its own branch: back on main, `status` said "start one with
    new-run" although a release was under way."""
    repo = make_repo(tmp_path / "repo")
    new_run(repo)
    git(repo, "checkout", "-q", "main")
    res = run_cli("status", cwd=repo)
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        "No run records in runs/ yet on this branch; 1 run in progress on run branches: "
        "see them with 'runbookgen status --all-branches'.\n"
    )
    # without run branches, the advice is to start one
    git(repo, "branch", "-q", "-D", "run/production-deployment/2026-12-01-v2.4.0")
    res = run_cli("status", cwd=repo)
    assert (
        res.stdout
        == "No run records in runs/ yet; start one with 'runbookgen new-run RUNBOOK --release R'.\n"
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_skip_needs_a_reason(repo: Path, reason: str) -> None:
    """`tick --skip ''` wrote '~~text~~ n/a' with no reason: an audit trail says why."""
    before = (repo / RUN).read_bytes()
    res = run_cli("tick", RUN, "All code reviewed", "--skip", reason, cwd=repo)
    assert res.returncode == 2
    assert "Error: --skip needs a reason: why the item does not apply" in res.stderr
    assert (repo / RUN).read_bytes() == before


def test_new_run_from_another_runs_branch_warns(tmp_path: Path) -> None:
    """new-run leaves you on the run's branch; the next new-run branched from there silently,
    so the second run's pull request carried the first run's commits."""
    repo = make_repo(tmp_path / "repo")
    new_run(repo)  # now on run/production-deployment/2026-12-01-v2.4.0
    res = run_cli("new-run", "production-deployment", "-r", "v2.4.1", "--date", "2026-12-08", cwd=repo)
    assert res.returncode == 0, res.stderr
    assert (
        "warning: you were on the run branch run/production-deployment/2026-12-01-v2.4.0: "
        "run/production-deployment/2026-12-08-v2.4.1 starts from it" in res.stderr
    )
    git(repo, "checkout", "-q", "main")
    res = run_cli("new-run", "production-deployment", "-r", "v2.4.2", "--date", "2026-12-09", cwd=repo)
    assert res.returncode == 0 and "warning" not in res.stderr, res.stderr


def test_status_of_many_runs_keeps_finished_ones_short(repo: Path) -> None:
    """With every run of a repository listed, a finished run's 40 section lines are noise;
    named on the command line it shows in full."""
    done = new_run(repo, "--no-git", release="v2.3.0", date="2026-11-20")
    done.write_text(re.sub(r"(?m)^status: .*$", "status: success", done.read_text()), encoding="utf-8")
    res = run_cli("status", cwd=repo, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    blocks = res.stdout.strip().split("\n\n")
    finished = next(b for b in blocks if "v2.3.0" in b)
    assert finished.count("\n") == 1 and "status: success" in finished
    running = next(b for b in blocks if "v2.4.0" in b)
    assert "During Deployment" in running and running.count("\n") > 20
    assert blocks[-1] == "1 finished run shown without stages; 'runbookgen status RUN' shows one in full."
    full = run_cli("status", done.relative_to(repo).as_posix(), cwd=repo)
    assert "During Deployment" in full.stdout and "without stages" not in full.stdout


def test_ticking_a_rollback_criterion_says_it_triggered(repo: Path) -> None:
    """A tick under Rollback Criteria means the condition happened: `tick` printed a plain
    'ticked:' for it."""
    res = run_cli("tick", RUN, "Error rate exceeds 1%", cwd=repo, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("triggered: Error rate exceeds 1% (line ")
    assert "warning: a rollback criterion is ticked: follow the rollback procedure" in res.stderr
    undo = run_cli("tick", RUN, "Error rate exceeds 1%", "--undo", cwd=repo, env={"NO_COLOR": "1"})
    assert undo.stdout.startswith("cleared: Error rate exceeds 1% (line ") and undo.stderr == ""
    plain = run_cli("tick", RUN, "All code reviewed", cwd=repo, env={"NO_COLOR": "1"})
    assert plain.stdout.startswith("ticked: All code reviewed and approved")
