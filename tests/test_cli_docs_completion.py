"""Shell completion as documented in content/docs/shell-completion.md: the scripts click
generates, command names, and the runbook-name and run-file callbacks (real processes
driven the way bash's completion function drives them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import GIT_ENV, run_cli
from runbookgen import starter
from runbookgen.cli.common import complete_run_file, complete_runbook


def _complete(words: str, cwd: Path) -> list[str]:
    """What bash would offer for the command line ``words`` (cursor at its end)."""
    parts = words.split(" ")
    env = {
        **os.environ,
        **GIT_ENV,
        "_RUNBOOKGEN_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "runbookgen"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines() if line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    starter.init_project(tmp_path)
    made = run_cli(
        "new-run",
        "example-deployment",
        "--release",
        "v1.0.0",
        "--date",
        "2026-12-01",
        "--lead",
        "@alice",
        "--no-git",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    return tmp_path


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete --no-files --command runbookgen")],
)
def test_completion_scripts_as_documented(shell: str, marker: str, tmp_path: Path) -> None:
    env = {**os.environ, "_RUNBOOKGEN_COMPLETE": f"{shell}_source"}
    proc = subprocess.run(
        [sys.executable, "-m", "runbookgen"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    doc = (Path(__file__).parent.parent / "content" / "docs" / "shell-completion.md").read_text()
    assert f"_RUNBOOKGEN_COMPLETE={shell}_source runbookgen" in doc


def test_command_names_complete(tmp_path: Path) -> None:
    assert _complete("runbookgen new", tmp_path) == ["new-run", "new-runbook"]


def test_runbook_names_callback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    starter.new_runbook(project / "content", "database-failover")
    monkeypatch.chdir(project / "runs")
    ctx = click.Context(click.Command("x"))
    param = click.Argument(["runbook"])
    assert [c.value for c in complete_runbook(ctx, param, "")] == ["database-failover", "example-deployment"]
    assert [c.value for c in complete_runbook(ctx, param, "ex")] == ["example-deployment"]


def test_run_files_callback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    ctx = click.Context(click.Command("x"))
    param = click.Argument(["runs"])
    run = "runs/example-deployment/2026-12-01-v1.0.0.md"
    assert [c.value for c in complete_run_file(ctx, param, "")] == [run]
    assert [c.value for c in complete_run_file(ctx, param, "runs/ex")] == [run]
    assert [c.value for c in complete_run_file(ctx, param, "2026")] == [run]  # by file name too
    (fallback,) = complete_run_file(ctx, param, "content/")
    assert (fallback.type, fallback.value) == ("file", "content/")  # the shell completes paths
    monkeypatch.chdir(project / "runs")
    assert [c.value for c in complete_run_file(ctx, param, "")] == ["example-deployment/2026-12-01-v1.0.0.md"]


def test_callbacks_outside_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ctx = click.Context(click.Command("x"))
    assert complete_runbook(ctx, click.Argument(["runbook"]), "") == []
    assert [c.type for c in complete_run_file(ctx, click.Argument(["runs"]), "")] == ["file"]


def test_arguments_use_the_callbacks(project: Path) -> None:
    """Wired into the commands: <TAB> after `new-run` offers runbooks, after `status` run files."""
    assert _complete("runbookgen new-run ", project) == ["example-deployment"]
    run = "runs/example-deployment/2026-12-01-v1.0.0.md"
    for command in ("status", "check", "upgrade", "tick", "history"):
        assert run in _complete(f"runbookgen {command} ", project), command


def test_item_ids_callback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runbookgen.cli.common import complete_item

    monkeypatch.chdir(project)
    ctx = click.Context(click.Command("tick"))
    param = click.Argument(["items"])
    assert complete_item(ctx, param, "") == []  # no run given yet
    ctx.params["run"] = "runs/example-deployment/2026-12-01-v1.0.0.md"
    items = complete_item(ctx, param, "release/")
    assert items and all(c.value.startswith("release/") for c in items)
    assert any(c.help.startswith("Deploy the release") for c in items)
    ctx.params["run"] = "runs/nope.md"
    assert complete_item(ctx, param, "") == []


def test_tick_completes_item_ids_of_the_run(project: Path) -> None:
    run = "runs/example-deployment/2026-12-01-v1.0.0.md"
    offered = _complete(f"runbookgen tick {run} release/", project)
    assert offered and all(v.startswith("release/") for v in offered)
