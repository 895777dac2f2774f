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


def git(
    *args: str,
    cwd: str | os.PathLike[str],
    check: bool = True,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run git and return stdout as text; raise GitError with git's own message on failure."""
    return git_bytes(*args, cwd=cwd, check=check, input=input, env=env).decode("utf-8", "replace")


def git_bytes(
    *args: str,
    cwd: str | os.PathLike[str],
    check: bool = True,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> bytes:
    """``env``: extra variables (e.g. ``GIT_INDEX_FILE`` for a private index)."""
    if not have_git():
        raise GitError("git is not installed or not on PATH")
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env={**git_env(), **(env or {})},
            check=False,
        )
    except OSError as exc:  # cwd vanished or is not a directory
        raise GitError(f"git {args[0]} could not start: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {reason(proc.stderr, proc.returncode)}")
    return proc.stdout


def reason(stderr: bytes, returncode: int) -> str:
    """git's whole message on one line: every line of stderr (``fatal:``/``error:``
    prefixes dropped, ``hint:`` lines kept last), not only the last one, which is often
    just advice ("Consider git merge --quit") without the cause."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    hints = [ln.removeprefix("hint:").strip() for ln in lines if ln.startswith("hint:")]
    main = [ln for ln in lines if not ln.startswith("hint:")]
    parts = [ln.removeprefix("fatal: ").removeprefix("error: ") for ln in main] + [h for h in hints if h]
    text = "; ".join(parts)
    if len(text) > 600:
        text = text[:599] + "…"
    return text or f"exit code {returncode}"


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


def committed_or_linked(root: Path, rel: str) -> bool:
    """Whether ``rel`` (a path under ``root``) came from the repository rather than from this
    machine: a symlink on the way to it, or anything there tracked by git. Caches under
    ``.cache/`` must be neither: their keys (commit ids, the trust store) are public, so a
    pull request could commit one that a build would trust (``project.check_build_cache``,
    ``history.cache.trusted_cache_file``)."""
    step = root
    for part in Path(rel).parts:
        step = step / part
        if step.is_symlink():
            return True
    if not step.exists() or not have_git():
        return False
    try:  # outside a repository git fails and prints nothing: nothing there is committed
        return bool(git_bytes("ls-files", "-z", "--", rel, cwd=root, check=False))
    except GitError:
        return False
