"""The strictest-setup recipe in content/docs/trust.md, run as written.

The page's code blocks after "## Recipe" are taken in order — shell blocks run with bash,
the YAML block becomes mkdocs.yml, the text block .github/CODEOWNERS — in a scratch
repository with a scratch home directory (so ``git config --global`` and ``~/.ssh`` stay
inside the test) and an empty key passphrase. Then a forged sign-off must fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEED
from runbookgen.records.schema import digest

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("ssh-keygen", "jq", "bash")), reason="needs ssh-keygen, jq, bash"
)

PAGE = ROOT / "content" / "docs" / "trust.md"
RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"


def recipe_blocks() -> list[tuple[str, str]]:
    text = PAGE.read_text(encoding="utf-8")
    recipe = text[text.index("## Recipe") :]
    return re.findall(r"^```(\w+)\n(.*?)^```", recipe, re.M | re.S)


def test_recipe_has_the_steps_the_page_promises() -> None:
    kinds = [k for k, _ in recipe_blocks()]
    assert kinds == ["sh", "sh", "yaml", "text", "sh"]


def test_strictest_setup_recipe_runs_as_written(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    repo.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(key, None)

    def sh(script: str, who: tuple[str, str] = ("Alice Ops", "alice@example.com")) -> str:
        names = {
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
        }
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=repo,
            env={**env, **names},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, (script, proc.stdout, proc.stderr)
        return proc.stdout

    # a runbook repository with one run, before the recipe
    (repo / "content").mkdir()
    (repo / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
    (repo / "runs" / "production-deployment").mkdir(parents=True)
    seed = SEED.read_text(encoding="utf-8")
    front = (
        "---\nrunbook: production-deployment\ntemplate_version: 2.0.0\n"
        f"template_digest: {digest(seed)}\nrelease: v2.4.0\ndate: 2026-12-01\n"
        'lead: "@alice"\nstatus: in-progress\n---\n'
    )
    (repo / RUN).write_text(front + seed, encoding="utf-8")
    sh("git init -q -b main && git add -A && git commit -qm 'New run v2.4.0'")

    step1, step2, yaml, owners, step5 = (body for _, body in recipe_blocks())
    sh(step1.replace("ssh-keygen ", "ssh-keygen -q -N '' ", 1))  # no passphrase prompt in a test
    sh(step2)
    (repo / "mkdocs.yml").write_text(yaml, encoding="utf-8")
    (repo / ".github" / "CODEOWNERS").write_text(owners, encoding="utf-8")
    sh("git add -A && git -c commit.gpgsign=false commit -qm 'Trust store and policy'")

    run = repo / RUN
    text = run.read_text(encoding="utf-8")
    text = text.replace(
        "- [ ] Engineering Manager: _________________ Date: _______",
        "- [x] Engineering Manager: Jane Doe Date: 2026-12-01",
        1,
    )
    run.write_text(text, encoding="utf-8")
    out = sh(step5, who=("Jane Doe", "jane@example.com"))
    assert [json.loads(line) for line in out.splitlines()] == [
        {"label": "Engineering Manager", "state": "verified"}
    ]

    # the forgery the page warns about: Jane's name typed in, no signature
    text = run.read_text(encoding="utf-8")
    run.write_text(
        text.replace(
            "- [ ] Engineering Manager: _________________ Date: _______",
            "- [x] Engineering Manager: Jane Doe Date: 2026-12-01",
            1,
        ),
        encoding="utf-8",
    )
    sh(
        "git -c commit.gpgsign=false commit -qam 'Post-deployment sign-off'",
        who=("Jane Doe", "jane@example.com"),
    )
    proc = subprocess.run(
        ["runbookgen", "check", "--format", "json"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [(s["state"], s["verified"]) for s in sorted(data["signoffs"], key=lambda s: s["line"])] == [
        ("verified", True),
        ("author-matches", False),
    ]
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == ["signoff-unverified"]
