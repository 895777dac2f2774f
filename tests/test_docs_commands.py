"""The documentation works as written.

- every ``runbookgen`` (and ``mkdocs build``) command in the bash/console blocks of README.md
  and content/docs/*.md, and every example in the commands' ``--help``, runs in a real
  runbook repository (with a run in progress and a bare remote) and exits 0 — no usage
  error, no traceback; ``RUN``/``FILE`` stand for that run record;
- the output shown in check.md is what ``check`` prints;
- links in README.md and the docs resolve, anchors included;
- nothing refers to notes that are not in the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import GIT_ENV, ROOT, SEED

DOCS = ROOT / "content" / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"

# Lines a test cannot run as written: installing, serving until Ctrl-C, other tools.
_NOT_RUN = re.compile(
    r"^(?:pip |python3? -m venv|\. \.venv|\.venv/|python3? (?:-m pytest|benchmarks/)|npx |gh |"
    r"git |cd |mkdir |echo |curl |ssh-keygen |GIT_AUTHOR|pre-commit |mkdocs serve|"
    r"runbookgen serve\b|\.venv/bin/python )"
)


def _blocks(page: Path) -> list[tuple[int, str]]:
    """(line, command) of the shell lines in a page's bash, sh and console blocks."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```(bash|sh|console)\n(.*?)^```", text, re.S | re.M):
        first = text.count("\n", 0, m.start()) + 2
        lines = m.group(2).splitlines()
        for i, line in enumerate(lines):
            if m.group(1) == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            while line.endswith("\\") and i + 1 < len(lines):  # continuation lines
                i += 1
                line = line[:-1] + lines[i]
            if line.strip() and not line.startswith((" ", "\t")):
                out.append((first + i, line.strip()))
    return out


def _doc_commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for line, cmd in _blocks(page):
            if _NOT_RUN.match(cmd) or not re.match(r"(runbookgen|mkdocs build|eval |_RUNBOOKGEN)", cmd):
                continue
            found.append((f"{page.relative_to(ROOT)}:{line}", cmd))
    return found


def _help_examples() -> list[tuple[str, str]]:
    from click import Context

    from runbookgen.cli import cli

    ctx = Context(cli, info_name="runbookgen")
    found = []
    for name in [None, *cli.list_commands(ctx)]:
        cmd = cli if name is None else cli.get_command(ctx, name)
        assert cmd is not None
        for line in (cmd.help or "").splitlines():
            line = line.strip()
            if line.startswith("runbookgen ") and not _NOT_RUN.match(line):
                found.append((f"runbookgen {name or ''} --help".replace("  ", " "), line))
    return found


DOC_COMMANDS = _doc_commands()
HELP_EXAMPLES = _help_examples()


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def _shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A repository from ``runbookgen init`` with the seed runbook, pushed to a bare remote,
    and the run v2.4.0 of 2026-12-01 on its branch with a few boxes ticked."""
    base = tmp_path_factory.mktemp("docs")
    env = {
        **os.environ,
        **GIT_ENV,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
        "GITHUB_STEP_SUMMARY": str(base / "step-summary.md"),
        "HOME": str(base / "home"),  # shell-completion.md writes ~/.runbookgen-complete.bash
    }
    (base / "home").mkdir()
    env.pop("GITHUB_ACTIONS", None)
    _git(base, "init", "-q", "--bare", "-b", "main", "remote.git")
    repo = base / "repo"
    proc = _shell("runbookgen init repo", base, env)
    assert proc.returncode == 0, proc.stderr
    shutil.copyfile(SEED, repo / "content" / "production-deployment.md")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.name", "Alice Ops")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Runbook repository")
    _git(repo, "remote", "add", "origin", "../remote.git")
    _git(repo, "push", "-q", "-u", "origin", "main")
    fresh = base / "fresh"  # before any run: for the new-run examples
    shutil.copytree(repo, fresh, symlinks=True)
    script = (
        "runbookgen new-run production-deployment --release v2.4.0 --date 2026-12-01 --lead @alice"
        f" && runbookgen tick {RUN} 'All code reviewed' 'All tests passing'"
        f" && git commit -qam 'Code reviewed, tests pass'"
    )
    proc = _shell(script, repo, env)
    assert proc.returncode == 0, proc.stderr
    return base, env


def _run(world: tuple[Path, dict[str, str]], where: str, command: str, tmp_path: Path) -> None:
    base, env = world
    if re.match(r"runbookgen init\b", command):
        cwd = tmp_path / "empty"
        cwd.mkdir()
    else:
        source = base / ("fresh" if re.match(r"runbookgen new-run\b", command) else "repo")
        cwd = tmp_path / "repo"
        shutil.copytree(source, cwd, symlinks=True)
        # the copies share the bare remote (for --push and origin/main)
        _git(cwd, "remote", "set-url", "origin", str(base / "remote.git"))
    script = re.sub(r"\b(RUN|FILE)\b", RUN, command)
    proc = _shell(script, cwd, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{where}: `{command}` exited {proc.returncode}:\n{out[-3000:]}"
    assert "Traceback" not in out and "internal error" not in out, f"{where}: `{command}`:\n{out[-3000:]}"


def test_the_documents_have_commands_to_run() -> None:
    """The extraction still finds what it should (a change of block style would hide them)."""
    assert len(DOC_COMMANDS) >= 15, DOC_COMMANDS
    assert len(HELP_EXAMPLES) >= 20, HELP_EXAMPLES
    assert any("check --format json" in c for _, c in DOC_COMMANDS)


@pytest.mark.parametrize(("where", "command"), DOC_COMMANDS, ids=[f"{w} {c}"[:90] for w, c in DOC_COMMANDS])
def test_documented_command_works_as_written(
    world: tuple[Path, dict[str, str]], where: str, command: str, tmp_path: Path
) -> None:
    _run(world, where, command, tmp_path)


@pytest.mark.parametrize(
    ("where", "command"), HELP_EXAMPLES, ids=[f"{w}: {c}"[:90] for w, c in HELP_EXAMPLES]
)
def test_help_example_works_as_written(
    world: tuple[Path, dict[str, str]], where: str, command: str, tmp_path: Path
) -> None:
    _run(world, where, command, tmp_path)


def test_check_output_in_check_md_is_real(world: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """The console example at the top of check.md, reproduced: status 'done' in the run."""
    text = (DOCS / "check.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ (runbookgen check)\n(.*?)```", text, re.S)
    assert block, "check.md lost its console example"
    base, env = world
    repo = tmp_path / "repo"
    shutil.copytree(base / "repo", repo, symlinks=True)
    run = repo / RUN
    run.write_text(re.sub(r"(?m)^status: .*$", "status: done", run.read_text(encoding="utf-8")), "utf-8")
    proc = _shell(block.group(1), repo, env)
    assert proc.stdout + proc.stderr == block.group(2)


# ---------------------------------------------------------------- links
def _slug(heading: str) -> str:
    """Python-Markdown's toc anchor for a heading (its default slugify)."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_links_in_readme_and_docs_resolve_with_their_anchors() -> None:
    broken = []
    for page in PAGES:
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
        text = re.sub(r"`[^`\n]*`", "", text)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(ROOT)} → {target} (no such heading)")
    assert broken == []


def test_nothing_refers_to_notes_outside_the_repository() -> None:
    """Docstrings and docs stand alone: no pointers to design notes or baselines kept elsewhere."""
    outside = re.compile(
        "|".join(["perf" + "-baseline", "DESIGN" + r"\.md", r"\.\./" + "shared", "/" + "work/"])
    )
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    hits = []
    for rel in tracked.stdout.splitlines():
        if not rel.endswith((".py", ".md", ".yml", ".yaml", ".html", ".toml", ".js", ".css", ".cfg")):
            continue
        path = ROOT / rel
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if outside.search(line):
                hits.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert hits == []


def test_every_docs_page_is_listed_on_the_index() -> None:
    """content/docs/index.md is the table of contents a reader starts from (and the README
    links it): a page missing there is found only by search."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    missing = [p.name for p in DOCS.glob("*.md") if p.name != "index.md" and f"]({p.name})" not in index]
    assert missing == []
