"""Helpers for the in-flight (live) run tests: a team's repositories with real git.

``Team`` is a bare repository on disk standing in for GitHub, with one clone per engineer
(each with its own git identity) and ``ci()``: a fresh ``fetch-depth: 0`` clone, as
actions/checkout makes it (main checked out, every other branch only remote-tracking).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import GIT_ENV, SEED, run_cli

RUNBOOK = "production-deployment"
MKDOCS = """\
site_name: Live test
docs_dir: content
repo_url: https://github.com/acme/ops
edit_uri: edit/main/content/
theme:
  name: material
  font: false
plugins:
  - search
  - runbookgen:
      workers: 1
markdown_extensions:
  - admonition
  - attr_list
"""


def git(repo: Path, *args: str, who: tuple[str, str] | None = None, date: str | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if who is not None:
        env.update(
            GIT_AUTHOR_NAME=who[0],
            GIT_AUTHOR_EMAIL=who[1],
            GIT_COMMITTER_NAME=who[0],
            GIT_COMMITTER_EMAIL=who[1],
        )
    if date is not None:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


ALICE = ("Alice Adams", "alice@example.com")
BOB = ("Bob Brown", "bob@example.com")


class Team:
    """A remote and the engineers' clones of it."""

    def __init__(self, tmp: Path, template: str | None = None, mkdocs: str = MKDOCS) -> None:
        self.tmp = tmp
        self.remote = tmp / "remote.git"
        seed = tmp / "seed"
        seed.mkdir()
        (seed / "mkdocs.yml").write_text(mkdocs, encoding="utf-8")
        (seed / "content").mkdir()
        (seed / "content" / f"{RUNBOOK}.md").write_text(
            template if template is not None else SEED.read_text(encoding="utf-8"), encoding="utf-8"
        )
        (seed / "runs").mkdir()
        (seed / "runs" / "README.md").write_text("Run records.\n", encoding="utf-8")
        git(seed, "init", "-q", "-b", "main")
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "init", date="2026-11-01T09:00:00+00:00")
        git(tmp, "clone", "-q", "--bare", str(seed), str(self.remote))
        self.clones: dict[str, Path] = {}

    def clone(self, who: tuple[str, str]) -> Path:
        path = self.clones.get(who[1])
        if path is None:
            path = self.tmp / who[1].split("@")[0]
            git(self.tmp, "clone", "-q", str(self.remote), str(path))
            git(path, "config", "user.name", who[0])
            git(path, "config", "user.email", who[1])
            self.clones[who[1]] = path
        return path

    def new_run(self, who: tuple[str, str], release: str, date: str = "2026-12-01") -> str:
        """``new-run --push`` from ``who``'s clone; returns the run file's path."""
        repo = self.clone(who)
        git(repo, "switch", "-q", "main")
        git(repo, "pull", "-q", "--ff-only")
        env = {
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
        }
        res = run_cli(
            "new-run",
            RUNBOOK,
            "--release",
            release,
            "--date",
            date,
            "--lead",
            "@alice",
            "--push",
            cwd=repo,
            env=env,
        )
        assert res.returncode == 0, res.stderr
        return f"runs/{RUNBOOK}/{date}-{release}.md"

    def tick(
        self,
        who: tuple[str, str],
        branch: str,
        run: str,
        *needles: str,
        date: str | None = None,
        edit: str | None = None,
    ) -> None:
        """``who`` checks out ``branch``, ticks the first open box containing each needle
        (or replaces the file's text with ``edit``), commits and pushes."""
        repo = self.clone(who)
        git(repo, "fetch", "-q", "origin")
        if git(repo, "branch", "--list", branch).strip():
            git(repo, "switch", "-q", branch)
            git(repo, "merge", "-q", "--ff-only", f"origin/{branch}")
        else:
            git(repo, "switch", "-q", "-c", branch, f"origin/{branch}")
        path = repo / run
        if edit is not None:
            path.write_text(edit, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            for needle in needles:
                lines = text.split("\n")
                for n, line in enumerate(lines):
                    if needle in line and "[ ]" in line:
                        lines[n] = line.replace("[ ]", "[x]", 1)
                        break
                else:
                    raise AssertionError(f"no open box with {needle!r}")
                text = "\n".join(lines)
            path.write_text(text, encoding="utf-8")
        git(repo, "commit", "-q", "-am", f"Tick {', '.join(needles) or 'edit'}", who=who, date=date)
        git(repo, "push", "-q", "origin", branch)

    def merge(self, who: tuple[str, str], branch: str, delete: bool = False) -> None:
        """Merge ``branch`` into main with a merge commit (as GitHub's merge button does)."""
        repo = self.clone(who)
        git(repo, "fetch", "-q", "origin")
        git(repo, "switch", "-q", "main")
        git(repo, "merge", "-q", "--ff-only", "origin/main")
        git(
            repo,
            "merge",
            "-q",
            "--no-ff",
            "-m",
            f"Merge pull request #7 from acme/{branch}",
            f"origin/{branch}",
            who=who,
        )
        git(repo, "push", "-q", "origin", "main")
        if delete:
            git(repo, "push", "-q", "origin", "--delete", branch)

    def ci(self, name: str = "ci") -> Path:
        """A fresh clone with the whole history, main checked out (actions/checkout, fetch-depth 0)."""
        path = self.tmp / name
        if path.exists():
            git(path, "fetch", "-q", "--prune", "origin")
            git(path, "reset", "-q", "--hard", "origin/main")
        else:
            git(self.tmp, "clone", "-q", "--no-local", str(self.remote), str(path))
        return path
