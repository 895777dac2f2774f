"""Exit codes, streams and colour: the conventions every command shares.

0 ok; 1 findings or failure (one ``Error:`` line on stderr); 2 usage; 130 on Ctrl-C.
Data on stdout, messages on stderr; ``NO_COLOR`` turns colour off even on a terminal.
Each test runs real processes, because exit codes and signals are process properties.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GIT_ENV, run_cli
from runbookgen import __version__, starter

HEAVY = ("mkdocs", "material", "markdown_it", "ruamel", "yaml", "jinja2", "anybadge", "mdit_py_plugins")


# ---------------------------------------------------------------- 0 and 2
def test_version_is_data_on_stdout() -> None:
    for flag in ("--version", "-V"):
        result = run_cli(flag)
        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            f"runbookgen, version {__version__}\n",
            "",
        )


def test_help_exits_zero() -> None:
    result = run_cli("--help")
    assert result.returncode == 0 and result.stderr == ""
    assert "Usage: runbookgen" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Usage: runbookgen"),  # a group without a command
        (("nope",), "No such command 'nope'"),
        (("inti",), "Did you mean 'init'?"),
        (("parse", "--bogus", "x"), "No such option '--bogus'"),
        (("new-runbook",), "Missing argument 'NAME'"),
        (("parse", "x.md", "--format", "xml"), "Invalid value for '--format'"),
        (("tick", "RUN", "ITEM", "--undo", "--skip", "why"), "use --undo or --skip, not both"),
    ],
)
def test_usage_errors_exit_2_on_stderr(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    starter.init_project(tmp_path)
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------- 1
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("parse", "missing.md"), "missing.md: no such file"),
        (("status",), "not inside a runbook repository"),
        (("check",), "not inside a runbook repository"),
        (("new-runbook", "x"), "runbookgen init"),
        (("new-run", "x", "--release", "v1"), "not inside a runbook repository"),
        (("new-run", "nope", "--release", "v1", "--no-git"), "no runbook named 'nope'"),
        (("new-run", "example-deployment", "--release", "../x", "--no-git"), "'../x'"),
        (("upgrade", "nope.md"), "no such run record"),
        (("tick", "runs/example-deployment/2026-12-01-v1.0.0.md", "No such item"), "no item matches"),
        (("summary", "--base", "main"), "not inside a git repository"),
        (("parse", "content"), "is a directory"),
    ],
)
def test_failures_are_one_error_line_and_exit_1(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    if args[0] in ("upgrade", "tick", "summary", "parse") or "--no-git" in args:
        _project_with_run(tmp_path)
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def _project_with_run(root: Path) -> Path:
    starter.init_project(root)
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
        cwd=root,
    )
    assert made.returncode == 0, made.stderr
    (run,) = (root / "runs").rglob("2026-12-01-*.md")
    return run


def test_check_findings_exit_1_and_annotate_for_github(tmp_path: Path) -> None:
    run = _project_with_run(tmp_path)
    clean = run_cli("check", "--format", "text", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    text = run.read_text()
    run.write_text(text.replace("status: planned", "status: finished", 1))
    line = next(i for i, s in enumerate(run.read_text().splitlines(), 1) if s.startswith("status:"))
    rel = run.relative_to(tmp_path).as_posix()
    result = run_cli("check", "--format", "github", cwd=tmp_path)
    assert result.returncode == 1
    assert f"::error file={rel},line={line}" in result.stdout
    assert all(s.startswith("::") for s in result.stdout.splitlines() if s)
    # auto picks the github format under GitHub Actions
    auto = run_cli("check", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert auto.returncode == 1 and f"::error file={rel},line={line}" in auto.stdout


def test_json_is_clean_on_stdout_with_messages_on_stderr(tmp_path: Path) -> None:
    _project_with_run(tmp_path)
    result = run_cli("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["errors"] == 0
    status = run_cli("status", "--format", "json", cwd=tmp_path)
    assert status.returncode == 0
    assert json.loads(status.stdout)[0]["release"] == "v1.0.0"


# ---------------------------------------------------------------- 130
def test_ctrl_c_during_a_command_exits_130(tmp_path: Path) -> None:
    """A real SIGINT while `new-run --push` waits on a remote that never answers (git's ssh
    transport runs a command that only sleeps). FIFOs no longer block: they are refused."""
    from runs_support import git, make_repo

    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", "ssh://git.invalid/runbooks.git")
    marker = f"runbookgen-test-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, **GIT_ENV, "GIT_SSH_COMMAND": f"sleep 120; : {marker}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runbookgen", "new-run", "production-deployment", "-r", "v1", "--push"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not _running(marker):  # the push is waiting on the remote now
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the push never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in _running(marker):  # the transport's sleep, orphaned when git was stopped
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "Interrupted."


def _running(marker: str) -> list[int]:
    """Processes (started by this test) whose command line holds ``marker``."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_ctrl_c_before_the_command_starts_exits_130() -> None:
    """SIGINT while Python is still importing (e.g. a slow disk) is not a traceback either."""
    code = (
        "import signal, os, runbookgen.cli as c\n"
        "import click\n"
        "orig = c.cli.main\n"
        "def main(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return orig(*a, **k)\n"
        "c.cli.main = main\n"
        "c.main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 130
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- colour
def _run_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> bytes:
    """Run with stdout and stderr on a pseudo-terminal, so click keeps colour unless told not to."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runbookgen", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks)


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    _project_with_run(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | GIT_ENV | {"TERM": "xterm"}
    coloured = _run_on_a_terminal(["status"], tmp_path, env)
    assert b"example-deployment" in coloured
    assert b"\x1b[" in coloured, "expected colour on a terminal"
    plain = _run_on_a_terminal(["status"], tmp_path, {**env, "NO_COLOR": "1"})
    assert b"example-deployment" in plain
    assert b"\x1b[" not in plain


def test_no_colour_when_piped(tmp_path: Path) -> None:
    _project_with_run(tmp_path)
    result = run_cli("status", cwd=tmp_path)
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout + result.stderr


# ---------------------------------------------------------------- start-up
def _modules_code(args: list[str]) -> str:
    return (
        "import sys\nfrom runbookgen.cli import cli\n"
        f"try:\n    cli.main({args!r}, prog_name='runbookgen')\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\n'.join(sys.modules))\n"
    )


def test_help_and_version_do_not_import_heavy_libraries() -> None:
    """What keeps `runbookgen --help` within 2x of `import click` (benchmarks/bench_startup.py)."""
    from runbookgen.cli import COMMANDS

    cases = [["--help"], ["--version"]] + [[name, "--help"] for name in COMMANDS]
    procs = [
        (
            args,
            subprocess.Popen(
                [sys.executable, "-c", _modules_code(args)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in cases
    ]
    for args, proc in procs:
        _, err = proc.communicate(timeout=60)
        assert "runbookgen.cli" in err.split(), err[-2000:]  # the module list did come back
        heavy = sorted(m for m in err.split() if m.split(".")[0] in HEAVY)
        assert heavy == [], f"runbookgen {' '.join(args)} imports {heavy}"


# ---------------------------------------------------------------- progress
def test_progress_bar_goes_to_a_terminal_stderr_only(tmp_path: Path) -> None:
    """Reading many run records draws a bar on stderr when it is a terminal; stdout stays data."""
    run = _project_with_run(tmp_path)
    for i in range(60):
        (run.parent / f"2026-12-{i % 28 + 1:02d}-v2.0.{i}.md").write_text(
            run.read_text().replace("release: v1.0.0", f"release: v2.0.{i}")
        )
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | GIT_ENV | {"TERM": "xterm"}
    out_file = (tmp_path / "stdout.json").open("w+b")  # a file: a full pipe would stall the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "runbookgen", "status", "--format", "json"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=out_file,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    proc.wait(timeout=60)
    os.close(master)
    out_file.seek(0)
    out = out_file.read()
    out_file.close()
    assert proc.returncode == 0
    assert len(json.loads(out)) == 61, "stdout is clean JSON"
    assert b"Reading run records" in err
    piped = run_cli("status", "--format", "json", cwd=tmp_path)
    assert "Reading run records" not in piped.stderr
