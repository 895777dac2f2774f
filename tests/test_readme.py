"""The README's "Start your own runbook repository" block works as written (issue 12.6):
`init`, the first commit, then `new-run` makes a run record on its own branch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import GIT_ENV, ROOT


def _quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Start your own runbook repository", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block under 'Start your own runbook repository'"
    return [ln for ln in block.group(1).splitlines() if ln.strip()]


def test_quick_start_makes_a_run_on_its_own_branch(tmp_path: Path) -> None:
    lines = _quick_start()
    assert any(ln.startswith("git init") and "git commit" in ln for ln in lines), "no first commit"
    # everything but installing and serving, with this checkout's runbookgen
    script = [
        ln.replace("runbookgen ", f"{sys.executable} -m runbookgen ")
        for ln in lines
        if not ln.startswith(("pip install", "mkdocs serve"))
    ]
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "On branch run/example-deployment/" in proc.stdout
    mkdocs_yml = (tmp_path / "my-runbooks" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "site_name: My Runbooks\n" in mkdocs_yml  # not "My Runbooks Runbooks"


def test_repository_layout_names_only_what_exists() -> None:
    """The layout section is how a newcomer meets the package: every directory and module
    it names must exist (it listed a long-gone layout once), and every subpackage of
    ``src/runbookgen`` must be named."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"((?:^    .*\n)+)", section, re.M)
    assert len(blocks) == 2, "expected the top-level tree and the package's layers"
    top, package = blocks
    src = ROOT / "src" / "runbookgen"
    for line in top.splitlines():
        name = line.split()[0].replace("<runbook>/", "")
        assert (ROOT / name).exists(), name
    named: set[str] = set()
    for line in package.splitlines():
        # names at the start of a line or after a comma/colon/space: "web/", "rules.py"
        for name in re.findall(r"(?<![\w./-])([a-z_]+(?:\.py|/))(?![\w])", line):
            named.add(name)
    packages = {p.name + "/" for p in src.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= named, sorted(packages - named)
    modules = {name for name in named if name.endswith(".py")}
    everywhere = {p.name for p in src.rglob("*.py")}
    assert modules and modules <= everywhere, sorted(modules - everywhere)
    for name in named - modules:
        assert (src / name).is_dir() or any(src.rglob(name.rstrip("/"))), name
