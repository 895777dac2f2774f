"""Helpers for the run-record tests: throwaway runbook repositories with real git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import GIT_ENV, SEED, run_cli

RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"


def git(repo: Path, *args: str) -> str:
    import os

    proc = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def make_repo(
    root: Path, template: str | None = None, name: str = "production-deployment", use_git: bool = True
) -> Path:
    """A runbook repository: mkdocs.yml, content/<name>.md (the seed by default), runs/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\n", encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    (root / "content" / f"{name}.md").write_text(
        template if template is not None else SEED.read_text(encoding="utf-8"), encoding="utf-8"
    )
    (root / "runs").mkdir(exist_ok=True)
    (root / "runs" / "README.md").write_text("Run records.\n", encoding="utf-8")
    if use_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "init")
    return root


def new_run(repo: Path, *extra: str, release: str = "v2.4.0", date: str = "2026-12-01") -> Path:
    res = run_cli(
        "new-run",
        "production-deployment",
        "--release",
        release,
        "--date",
        date,
        "--lead",
        "@alice",
        *extra,
        cwd=repo,
    )
    assert res.returncode == 0, res.stderr
    return repo / f"runs/production-deployment/{date}-{release}.md"


def status_json(repo: Path, *paths: str) -> list[dict]:
    res = run_cli("status", "--format", "json", *paths, cwd=repo)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def tick_lines(path: Path, *needles: str, mark: str = "x") -> None:
    """Tick the first open box whose line contains each needle (as an editor would)."""
    text = path.read_text(encoding="utf-8")
    for needle in needles:
        lines = text.split("\n")
        for n, line in enumerate(lines):
            if needle in line and "[ ]" in line:
                lines[n] = line.replace("[ ]", f"[{mark}]", 1)
                break
        else:
            raise AssertionError(f"no open box with {needle!r}")
        text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
