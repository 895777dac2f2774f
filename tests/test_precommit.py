"""The pre-commit hook: a valid manifest, and ``runbookgen check`` working inside a git hook.

Inside a hook git exports GIT_DIR, GIT_INDEX_FILE and friends; a tool that runs git
itself must not inherit them, or its git calls look at the wrong repository or index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import GIT_ENV, ROOT, run_cli
from runbookgen import starter

BIN = Path(sys.executable).parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
STARTER_CONFIG = ROOT / "src" / "runbookgen" / "starter" / ".pre-commit-config.yaml"


def _yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _check_available() -> bool:
    from runbookgen.cli import cli

    try:
        return cli.get_command(None, "check") is not None  # type: ignore[arg-type]
    except ImportError:
        return False


needs_check = pytest.mark.skipif(not _check_available(), reason="`runbookgen check` is not written yet")


def test_manifest_passes_pre_commits_own_validation() -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_starter_config_passes_validation() -> None:
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(STARTER_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_selects_run_records_only() -> None:
    (hook,) = _yaml(MANIFEST)
    assert hook["id"] == "runbookgen-check"
    assert hook["entry"] == "runbookgen check"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def selected(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    assert selected("runs/production-deployment/2026-12-01-v2-4-0.md")
    assert not selected("runs/README.md")
    assert not selected("runs/production-deployment/README.md")
    assert not selected("content/production-deployment.md")
    assert not selected("runs/production-deployment/notes.txt")


def test_starter_config_runs_the_same_hook() -> None:
    (hook,) = _yaml(MANIFEST)
    (local,) = _yaml(STARTER_CONFIG)["repos"][0]["hooks"]
    for key in ("id", "entry", "files", "exclude"):
        assert local[key] == hook[key], key


def _git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "runbooks"
    starter.init_project(root)
    _git("init", "-q", "-b", "main", cwd=root)
    _git("add", ".", cwd=root)
    assert _git("commit", "-q", "-m", "init", cwd=root).returncode == 0
    return root


@needs_check
def test_check_ignores_git_variables_a_hook_exports(repo: Path, tmp_path: Path) -> None:
    """Same answer with GIT_DIR/GIT_INDEX_FILE pointing elsewhere, as in a hook run from another cwd."""
    made = run_cli("new-run", "example-deployment", "--release", "v1.0.0", "--date", "2026-12-01", cwd=repo)
    assert made.returncode == 0, made.stderr
    plain = run_cli("check", "--format", "text", cwd=repo)
    other = tmp_path / "other"
    other.mkdir()
    _git("init", "-q", cwd=other)
    hooked = run_cli(
        "check",
        "--format",
        "text",
        cwd=repo,
        env={
            "GIT_DIR": str(other / ".git"),
            "GIT_INDEX_FILE": str(other / ".git" / "index"),
            "GIT_WORK_TREE": str(other),
            "GIT_PREFIX": "runs/",
        },
    )
    assert (hooked.returncode, hooked.stdout) == (plain.returncode, plain.stdout), hooked.stderr


@needs_check
@pytest.mark.slow
def test_real_git_commit_runs_the_hook(repo: Path, tmp_path: Path) -> None:
    """pre-commit installed as a git hook blocks a commit with a broken run record."""
    env = {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    inst = subprocess.run(
        [str(BIN / "pre-commit"), "install"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert inst.returncode == 0, inst.stdout + inst.stderr
    made = run_cli(
        "new-run", "example-deployment", "--release", "v1.0.0", "--date", "2026-12-01", cwd=repo, env=env
    )
    assert made.returncode == 0, made.stderr
    run = next((repo / "runs").rglob("2026-12-01-*.md"))
    rel = run.relative_to(repo).as_posix()
    _git("checkout", "-q", "-B", "break", cwd=repo)
    run.write_text(
        run.read_text()
        .replace("status: planned", "status: not-a-status", 1)
        .replace("status: in-progress", "status: not-a-status", 1)
    )
    _git("add", rel, cwd=repo)
    commit = _git("commit", "-m", "tick", cwd=repo, env=env)
    assert commit.returncode != 0, "the hook let a broken run record through"
    output = commit.stdout + commit.stderr
    assert "runbookgen check" in output and "Failed" in output
    assert rel in output, output
