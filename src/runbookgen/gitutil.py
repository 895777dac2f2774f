"""A small wrapper around the ``git`` command (no GitPython: one process, explicit errors).

Inherited ``GIT_*`` variables that point git somewhere else (set when runbookgen runs
inside a git hook, e.g. pre-commit) are removed, so git sees the repository we name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from runbookgen.errors import RunbookgenError

# Variables a git hook exports that would redirect our git calls.
_HOOK_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


class GitError(RunbookgenError):
    """git failed, is missing, or the directory is not a repository."""


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_VARS}
    env["LC_ALL"] = "C"
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    return env


def have_git() -> bool:
    return shutil.which("git") is not None


def git(*args: str, cwd: str | os.PathLike[str], check: bool = True, input: bytes | None = None) -> str:
    """Run git and return stdout as text; raise GitError with git's own message on failure."""
    return git_bytes(*args, cwd=cwd, check=check, input=input).decode("utf-8", "replace")


def git_bytes(
    *args: str, cwd: str | os.PathLike[str], check: bool = True, input: bytes | None = None
) -> bytes:
    if not have_git():
        raise GitError("git is not installed or not on PATH")
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, env=git_env(), check=False
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {detail.removeprefix('fatal: ')}")
    return proc.stdout


def repo_root(path: str | os.PathLike[str]) -> Path | None:
    """The work tree root containing ``path``, or None outside a repository or without git."""
    if not have_git():
        return None
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=path, capture_output=True, env=git_env(), check=False
    )
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip()).resolve()
