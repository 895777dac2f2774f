"""``summary``: Markdown of what a branch changed in run records, under GitHub's size limit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import run_cli
from runbookgen.project import Project
from runbookgen.records.summary import collect, render
from runs_support import RUN, git, make_repo, new_run, tick_lines


def _merged_run(tmp_path: Path) -> tuple[Path, Path]:
    """A repo whose main already holds a fresh run, checked out on a PR branch."""
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo)
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "run/production-deployment/2026-12-01-v2.4.0")
    git(repo, "switch", "-q", "-c", "pr")
    return repo, path


def test_ticks_unticks_skips_and_triggers_by_phase(tmp_path: Path) -> None:
    repo, path = _merged_run(tmp_path)
    tick_lines(path, "All code reviewed", "DNS records verified", "Deploy backend to green")
    git(repo, "commit", "-q", "-am", "first ticks")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "pr")
    git(repo, "switch", "-q", "-c", "pr2")
    text = path.read_text()
    text = text.replace("- [x] DNS records verified", "- [ ] DNS records verified")
    text = text.replace(
        "- [ ] Put application in maintenance mode (if needed)",
        "- [x] ~~Put application in maintenance mode (if needed)~~ n/a: online",
    )
    path.write_text(text)
    tick_lines(path, "Error rate exceeds 1%", "Verify backend health checks pass")
    git(repo, "commit", "-q", "-am", "second")
    res = run_cli("summary", "--base", "main", "--head", "HEAD", cwd=repo)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    # optional items left open ("(if needed)", Phase 1 "(if required)") are counted apart
    assert "**Progress**: 3/164 (1.8%) → **3/180 (1.7%), 1 skipped**" in out
    assert "> [!CAUTION]\n> Rollback criteria met:\n> - **Error rate exceeds 1%**" in out
    pre = out.index("#### Pre-Deployment (24 Hours Before)")
    during = out.index("#### During Deployment")
    assert pre < out.index("↩️ unticked: DNS records verified") < during
    assert during < out.index("✅ ticked: Verify backend health checks pass")
    assert "⏭️ skipped: Put application in maintenance mode (if needed) — n/a: online" in out
    assert "All code reviewed" not in out  # ticked before this branch: not its change


def test_head_defaults_to_the_work_tree(tmp_path: Path) -> None:
    repo, path = _merged_run(tmp_path)
    tick_lines(path, "Changelog updated")  # not committed
    out = run_cli("summary", "--base", "main", cwd=repo).stdout
    assert "✅ ticked: Changelog updated" in out
    assert (
        "No run records changed." in run_cli("summary", "--base", "main", "--head", "HEAD", cwd=repo).stdout
    )


def test_output_file_is_appended(tmp_path: Path) -> None:
    repo, path = _merged_run(tmp_path)
    tick_lines(path, "Changelog updated")
    target = tmp_path / "step_summary.md"
    target.write_text("earlier step\n")
    res = run_cli("summary", "--base", "main", "-o", str(target), cwd=repo)
    assert res.returncode == 0 and res.stdout == ""
    text = target.read_text()
    assert text.startswith("earlier step\n## Run records") and "Changelog updated" in text


def test_truncated_under_the_limit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    new_run(repo)
    path = repo / RUN
    path.write_text(path.read_text().replace("- [ ]", "- [x]"))
    changes = collect(Project.discover(repo), "main")
    full = render(changes)
    assert full.count("- ✅ ticked:") == 172 + 20 - 0 and full.count("🚨") == 14
    short = render(changes, limit=4000)
    assert len(short.encode()) <= 4000
    shown = short.count("\n- ")
    assert f"…and {172 + 20 + 14 - shown} more changes not shown" in short


def test_bad_base_is_one_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    res = run_cli("summary", "--base", "no-such-branch", cwd=repo)
    assert res.returncode == 1
    assert res.stderr.startswith("Error: --base 'no-such-branch' is not a commit in this repository")
    assert len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--base", "main", "--head", "nope"], "--head 'nope' is not a commit in this repository"),
        (["--base=--all"], "--base '--all' is not a git revision"),
        (["--base", "main", "--head=--output=x"], "--head '--output=x' is not a git revision"),
    ],
)
def test_revisions_are_checked_before_git_sees_them(tmp_path: Path, args: list[str], said: str) -> None:
    """A bad --head was blamed on --base, and option-like revisions reached git's command
    line (git's whole usage text came back as the error)."""
    repo = make_repo(tmp_path / "repo")
    res = run_cli("summary", *args, cwd=repo)
    assert res.returncode == 1
    assert res.stderr == f"Error: {said}" + (
        " (a branch, tag or commit such as main or origin/main; fetch it first if it is remote)\n"
        if "not a commit" in said
        else "\n"
    )
    assert not (repo / "x").exists()


def test_a_base_missing_from_a_shallow_clone_says_fetch_depth(tmp_path: Path) -> None:
    """actions/checkout's default (depth 1) has no origin/main: say how to get it."""
    repo = make_repo(tmp_path / "repo")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-local", str(repo), str(clone)],
        check=True,
        capture_output=True,
    )
    res = run_cli("summary", "--base", "origin/release", cwd=clone)
    assert res.returncode == 1
    assert res.stderr.startswith("Error: --base 'origin/release' is not in this shallow clone.")
    assert "'fetch-depth: 0'" in res.stderr and res.stderr.count("\n") == 1
