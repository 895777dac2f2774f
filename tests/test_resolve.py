"""``runbookgen resolve``: two people tick neighbouring boxes of one run; git refuses the
adjacent changes; resolve keeps both sides' ticks (real git: a bare remote, two clones)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import GIT_ENV, run_cli
from runbookgen.records.merge import merge3
from runs_support import RUN, git, make_repo, new_run

BRANCH = "run/production-deployment/2026-12-01-v2.4.0"
FIRST, SECOND = "All code reviewed and approved", "All tests passing (unit, integration, e2e)"


# ---------------------------------------------------------------- the merge itself
def test_adjacent_changes_are_both_kept() -> None:
    base = "a\n- [ ] one\n- [ ] two\nz\n"
    ours = "a\n- [x] one\n- [ ] two\nz\n"
    theirs = "a\n- [ ] one\n- [x] two\nz\n"
    merged = merge3(base, ours, theirs)
    assert merged.text == "a\n- [x] one\n- [x] two\nz\n"
    assert merged.taken == (1, 1) and merged.clashes == []


def test_the_same_change_on_both_sides_is_taken_once() -> None:
    base, both = "- [ ] one\n- [ ] two\n", "- [x] one\n- [ ] two\n"
    assert merge3(base, both, both).text == both


def test_a_note_beside_a_tick_merges() -> None:
    base = "- [ ] one\n- [ ] two\n"
    ours = "- [x] one\n- [ ] two\n"
    theirs = "- [ ] one\n\n  took longer: index rebuilt\n- [x] two\n"
    assert merge3(base, ours, theirs).text == "- [x] one\n\n  took longer: index rebuilt\n- [x] two\n"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("- [x] one\n- [ ] two\n", "- [x] ~~one~~ n/a: not needed\n- [ ] two\n"),  # same line
        ("note\n- [ ] one\n- [ ] two\n", "other\n- [ ] one\n- [ ] two\n"),  # both insert at the top
        ("- [x] one\n- [ ] two\n", "added\n- [ ] two\n"),  # overlapping lines
    ],
    ids=["tick-vs-skip", "two-inserts", "overlap"],
)
def test_changes_to_the_same_lines_clash(ours: str, theirs: str) -> None:
    merged = merge3("- [ ] one\n- [ ] two\n", ours, theirs)
    assert merged.text is None and merged.clashes == [1]


# ---------------------------------------------------------------- through git
def _sh(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _tick(clone: Path, who: str, item: str, *extra: str) -> None:
    res = run_cli("tick", RUN, item, *extra, cwd=clone)
    assert res.returncode == 0, res.stderr
    email = f"{who.lower()}@example.com"
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": email}
    subprocess.run(["git", "commit", "-qam", who], cwd=clone, env=env, check=True, capture_output=True)


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path]:
    """A run pushed to a bare remote; Alice and Bob each clone it and check out its branch."""
    origin = make_repo(tmp_path / "origin")
    new_run(origin)
    _sh(tmp_path, "git", "init", "-q", "--bare", "remote.git")
    git(origin, "push", "-q", str(tmp_path / "remote.git"), "main", BRANCH)
    out = []
    for name in ("alice", "bob"):
        _sh(tmp_path, "git", "clone", "-q", "-b", BRANCH, str(tmp_path / "remote.git"), name)
        out.append(tmp_path / name)
    return out[0], out[1]


def _conflicted(repo: Path) -> list[str]:
    return git(repo, "diff", "--name-only", "--diff-filter=U").split()


def test_neighbouring_ticks_from_two_clones_merge_with_resolve(clones: tuple[Path, Path]) -> None:
    alice, bob = clones
    _tick(alice, "Alice", FIRST)
    git(alice, "push", "-q")
    _tick(bob, "Bob", SECOND)
    pull = _sh(bob, "git", "pull", "-q", "--no-rebase", "--no-edit", ok=False)
    assert pull.returncode != 0 and _conflicted(bob) == [RUN]  # git refuses adjacent lines

    res = run_cli("resolve", cwd=bob)
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{RUN}: merged: 1 change from this branch, 1 change from the other\n"
    assert _conflicted(bob) == []  # staged
    text = (bob / RUN).read_text(encoding="utf-8")
    assert f"- [x] {FIRST}\n- [x] {SECOND}\n" in text and "<<<<<<<" not in text
    assert run_cli("check", RUN, cwd=bob).returncode == 0
    git(bob, "commit", "-q", "--no-edit")
    git(bob, "push", "-q")
    status = run_cli("status", "--format", "json", RUN, cwd=bob)
    assert '"done": 2' in status.stdout


def test_resolve_during_a_rebase(clones: tuple[Path, Path]) -> None:
    alice, bob = clones
    _tick(alice, "Alice", SECOND)
    git(alice, "push", "-q")
    _tick(bob, "Bob", FIRST)
    assert _sh(bob, "git", "pull", "-q", "--rebase", ok=False).returncode != 0
    assert run_cli("resolve", cwd=bob).returncode == 0
    _sh(bob, "git", "-c", "core.editor=true", "rebase", "--continue")
    log = git(bob, "log", "--format=%an", "-2").split()
    assert log == ["Bob", "Alice"]
    assert f"- [x] {FIRST}\n- [x] {SECOND}\n" in (bob / RUN).read_text(encoding="utf-8")


def test_tick_against_skip_of_the_same_box_stays_a_conflict(clones: tuple[Path, Path]) -> None:
    alice, bob = clones
    _tick(alice, "Alice", FIRST)
    git(alice, "push", "-q")
    _tick(bob, "Bob", FIRST, "--skip", "reviewed in the release PR")
    assert _sh(bob, "git", "pull", "-q", "--no-rebase", "--no-edit", ok=False).returncode != 0
    before = (bob / RUN).read_bytes()
    res = run_cli("resolve", cwd=bob)
    assert res.returncode == 1
    assert res.stderr.startswith(f"Error: {RUN}:17: both sides changed line 17: keep the lines you want")
    assert (bob / RUN).read_bytes() == before and _conflicted(bob) == [RUN]


def test_nothing_to_resolve(clones: tuple[Path, Path]) -> None:
    alice, _ = clones
    res = run_cli("resolve", cwd=alice)
    assert (res.returncode, res.stdout) == (0, "No run records with merge conflicts.\n")
    named = run_cli("resolve", RUN, "--dry-run", cwd=alice)
    assert (named.returncode, named.stdout) == (0, f"{RUN}: no merge conflict\n")


def test_outside_git_it_says_so(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    res = run_cli("resolve", cwd=repo)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "not a git repository" in res.stderr


def test_a_version_that_is_a_symlink_is_never_merged_as_text(clones: tuple[Path, Path]) -> None:
    """A pull request that swaps the run file for a symlink: its 'text' is the link target;
    merging it into the run record would plant a path there."""
    alice, bob = clones
    run = alice / RUN
    run.unlink()
    run.symlink_to("../README.md")
    git(alice, "commit", "-qam", "swap for a link")
    git(alice, "push", "-q")
    _tick(bob, "Bob", FIRST)
    assert _sh(bob, "git", "pull", "-q", "--no-rebase", "--no-edit", ok=False).returncode != 0
    before = _conflicted(bob)
    assert RUN in before
    res = run_cli("resolve", cwd=bob)
    assert res.returncode == 1
    assert f"Error: {RUN}: is not a regular file in every version; merge it by hand" in res.stderr
    assert _conflicted(bob) == before
