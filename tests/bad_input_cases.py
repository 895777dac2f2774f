"""The bad-input suite (issue 13): hostile or broken input and operating-system faults,
each run through the real ``runbookgen`` command in a fresh copy of a real git repository.

Every case asserts what a careful user expects: one ``Error:`` line naming the file (or
the right behaviour), never a traceback, no run record or runbook lost or changed unless
the command is meant to change it, and no hang (each case has a time limit).

``tests/test_bad_input.py`` runs every case; ``benchmarks/bad_input.py`` runs them against
any checkout of the source (``--src``) and prints the counts recorded in
``content/docs/robustness.md`` (cases, passed, tracebacks, lost or changed files, hangs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from conftest import GIT_ENV as _GIT_ENV
from conftest import SEED

RUN = "runs/production-deployment/2026-12-01-v2.4.0.md"
RUNBOOK = "content/production-deployment.md"
GIT_ENV = {**_GIT_ENV, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
MKDOCS_YML = """\
site_name: Test runbooks
docs_dir: content
theme:
  name: material
  font: false
plugins:
  - search
  - runbookgen:
      history: false
"""
# Dropping these capabilities makes root obey file modes (permission cases).
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
ESC = "\x1b"


class Skip(Exception):
    """The case cannot run here (reason given): e.g. no tmpfs mount, no setpriv."""


# ---------------------------------------------------------------------------- the repository
def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def run_text(release: str = "v2.4.0", day: str = "2026-12-01", status: str = "planned") -> str:
    """A run record exactly as ``new-run`` writes it (front matter, the template's body)."""
    from runbookgen.project import Project
    from runbookgen.records.newrun import render_run

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "content").mkdir()
        (Path(tmp) / "runs").mkdir()
        shutil.copy(SEED, Path(tmp) / RUNBOOK)
        text = render_run(
            Project.from_root(tmp), "production-deployment", release, date.fromisoformat(day), "@alice"
        )
    return text.replace("status: planned", f"status: {status}", 1)


def make_base(root: Path) -> Path:
    """The repository every case starts from: mkdocs.yml, the seed runbook, one run, git."""
    root.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (root / "content").mkdir()
    shutil.copy(SEED, root / RUNBOOK)
    (root / "runs" / "production-deployment").mkdir(parents=True)
    (root / "runs" / "README.md").write_text("Run records.\n", encoding="utf-8")
    (root / RUN).write_text(run_text(), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@dataclass
class Ctx:
    """One case's copy of the repository, and helpers to break it."""

    repo: Path
    tmp: Path
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def p(self, rel: str) -> Path:
        return self.repo / rel

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.p(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return self.p(rel).read_text(encoding="utf-8")

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        text = self.read(rel)
        assert old in text, old
        self.write(rel, text.replace(old, new, count))

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.repo, *args, check=check)

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def readonly(self, rel: str) -> None:
        """``chmod a-w`` a directory; the case runs without the capability to ignore it."""
        need_nodac()
        path = self.p(rel)
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        self.cleanups.append(lambda: path.chmod(mode))
        probe = path / ".probe"
        res = subprocess.run([*NO_DAC, "touch", str(probe)], capture_output=True, check=False)
        if res.returncode == 0:
            probe.unlink()
            raise Skip("a write to a read-only directory succeeded even without dac_override")

    def full_disk(self) -> None:
        """Move the repository onto a small tmpfs and fill it up."""
        mnt = self.tmp / "tmpfs"
        mnt.mkdir()
        res = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, check=False
        )
        if res.returncode != 0:
            raise Skip(f"cannot mount a tmpfs here ({res.stderr.decode().strip() or 'not allowed'})")
        self.cleanups.append(lambda: subprocess.run(["umount", "-l", str(mnt)], check=False))
        shutil.copytree(self.repo, mnt / "repo", symlinks=True)
        self.repo = mnt / "repo"
        filler = mnt / "filler"
        with filler.open("wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        with contextlib.suppress(OSError), (mnt / "filler2").open("wb") as fh:
            while True:  # the last few bytes
                fh.write(b"\0" * 512)
                fh.flush()

    def fifo(self, rel: str) -> Path:
        path = self.p(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        return path

    def socket_file(self, rel: str) -> Path:
        path = self.p(rel)
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        self.cleanups.append(sock.close)
        return path

    def device(self, rel: str) -> Path:
        path = self.p(rel)
        try:
            os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero: never ends
        except PermissionError:
            raise Skip("cannot create a device node here (needs root)") from None
        return path

    def big(self, rel: str, megabytes: float) -> Path:
        """A run record of ``megabytes``: the real one, then many more task lines."""
        line = "- [ ] An extra task line that pads this run record to its size\n"
        text = run_text() + line * int(megabytes * 1_000_000 / len(line))
        return self.write(rel, text)

    def conflict(self, rel: str, where: str = "body") -> int:
        """Conflict markers as git leaves them; returns the line of ``<<<<<<<``."""
        lines = self.read(rel).split("\n")
        if where == "front":
            n = next(i for i, ln in enumerate(lines) if ln.startswith("status:"))
        else:
            n = next(i for i, ln in enumerate(lines) if "All code reviewed" in ln)
        old = lines[n]
        lines[n : n + 1] = ["<<<<<<< HEAD", old.replace("[ ]", "[x]"), "=======", old, ">>>>>>> pr-12"]
        self.write(rel, "\n".join(lines))
        return n + 1


def need_nodac() -> None:
    if os.geteuid() != 0:
        return  # not root: modes apply anyway
    if shutil.which("setpriv") is None:
        raise Skip("running as root without setpriv: cannot make file modes apply")


# ---------------------------------------------------------------------------- expectations
@dataclass
class Result:
    code: int | None  # None: killed after the time limit
    out: str
    err: str
    seconds: float
    ctx: Ctx

    @property
    def text(self) -> str:
        return self.out + self.err


Check = Callable[[Result], None]


def error(*needles: str, code: int = 1) -> Check:
    """Exit ``code`` (1), exactly one ``Error:`` line on stderr, holding every needle."""

    def check(res: Result) -> None:
        assert res.code == code, f"exit {res.code}, expected {code}"
        lines = [ln for ln in res.err.splitlines() if ln.startswith("Error:")]
        assert len(lines) == 1, f"expected one 'Error:' line, got {len(lines)}"
        for needle in needles:
            assert needle in lines[0], f"{needle!r} not in the Error line"

    return check


def findings(*needles: str, code: int = 1) -> Check:
    """``check``'s findings on stdout (exit 1 when one is an error)."""

    def check(res: Result) -> None:
        assert res.code == code, f"exit {res.code}, expected {code}"
        for needle in needles:
            assert needle in res.out, f"{needle!r} not in the findings"

    return check


def ok(*needles: str, where: str = "out") -> Check:
    def check(res: Result) -> None:
        assert res.code == 0, f"exit {res.code}, expected 0"
        text = res.out if where == "out" else res.err if where == "err" else res.text
        for needle in needles:
            assert needle in text, f"{needle!r} not in the output"

    return check


def both(*checks: Check) -> Check:
    def check(res: Result) -> None:
        for c in checks:
            c(res)

    return check


def no_controls(res: Result) -> None:
    """No raw control or bidi character in the output (colour is off: NO_COLOR)."""
    for name, text in (("stdout", res.out), ("stderr", res.err)):
        bad = [c for c in text if (ord(c) < 32 and c not in "\n") or 0x7F <= ord(c) <= 0x9F]
        bad += [c for c in text if c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
        assert not bad, f"{name} holds raw control characters {sorted(set(bad))!r}"


def clean_output(res: Result) -> None:
    """No raw control character, no workflow command at a line start."""
    no_controls(res)
    for name, text in (("stdout", res.out), ("stderr", res.err)):
        for line in text.splitlines():
            stripped = line.lstrip()
            assert not stripped.startswith(("::", "##[")), f"{name} starts a workflow command: {line!r}"


def nothing_outside(res: Result) -> None:
    marker = res.ctx.data["secret"]
    site = res.ctx.repo / "site"
    leaked = (
        [p for p in site.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]
        if site.is_dir()
        else []
    )
    assert not leaked, f"published outside content: {leaked[:3]}"
    assert marker not in res.text, "the secret is in the output"


# ---------------------------------------------------------------------------- cases
@dataclass
class Case:
    id: str
    args: list[str]
    expect: Check
    setup: Callable[[Ctx], Any] | None = None
    changes: tuple[str, ...] = ()  # paths (prefixes) the command may change
    nodac: bool = False  # run without the capability to ignore file modes
    timeout: float = 30.0
    cwd: str = ""
    terminal: bool = False  # stdout on a pseudo-terminal


def _committed_cache(ctx: Ctx) -> None:
    """A pull request that commits a build cache: an entry shaped like Zensical's (a whole
    rendered page, script included) that a build would otherwise reuse."""
    page = {"data": "<!doctype html><script>alert(document.domain)</script>", "hash": "0"}
    ctx.write(".cache/1836720044358036314", json.dumps(page))
    ctx.git("add", "-f", ".cache")
    ctx.git("commit", "-q", "-m", "add a build cache")


def _secret(ctx: Ctx, target: str = "env") -> Path:
    """A file outside the repository holding a marker that must never be published."""
    marker = f"SECRET-{os.getpid()}-{time.monotonic_ns()}"
    ctx.data["secret"] = marker
    out = ctx.tmp / "outside"
    out.mkdir(exist_ok=True)
    (out / "secret.md").write_text(f"# Secret\n\n- [ ] {marker}\n", encoding="utf-8")
    (out / "secret.txt").write_text(marker + "\n", encoding="utf-8")
    return out


def _outdated(ctx: Ctx) -> None:
    """The runbook gained a task and a version since the run was made."""
    ctx.edit(RUNBOOK, "**Version**: 2.0.0", "**Version**: 2.1.0")
    ctx.edit(
        RUNBOOK,
        "- [ ] All code reviewed and approved",
        "- [ ] All code reviewed and approved\n- [ ] SBOM published",
    )
    ctx.commit("runbook 2.1.0")


def _merge_in_progress(ctx: Ctx) -> None:
    ctx.git("switch", "-q", "-c", "pr")
    ctx.edit(RUN, "- [ ] All code reviewed", "- [x] All code reviewed")
    ctx.commit("tick on pr")
    ctx.git("switch", "-q", "main")
    ctx.edit(RUN, "- [ ] All code reviewed and approved", "- [ ] All code reviewed and approved!")
    ctx.commit("edit on main")
    ctx.git("merge", "pr", check=False)  # conflicts: stops mid-merge


def _committed_conflict(ctx: Ctx) -> None:
    _merge_in_progress(ctx)
    ctx.git("commit", "-q", "-am", "merge with markers")  # what a hurried user does


def _shallow(ctx: Ctx) -> None:
    ctx.edit(RUN, "- [ ] All code reviewed", "- [x] All code reviewed")
    ctx.commit("tick")
    ctx.git("branch", "feature")
    for n in range(3):
        ctx.write(f"notes{n}.txt", f"{n}\n")
        ctx.commit(f"n{n}")
    src = ctx.repo
    clone = ctx.tmp / "shallow"
    git(
        ctx.tmp,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-local",
        "--branch",
        "feature",
        f"file://{src}",
        str(clone),
    )
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    ctx.repo = clone


def _broken_git(ctx: Ctx) -> None:
    ctx.p(".git/HEAD").write_text("garbage\n")


def _busy_port(ctx: Ctx) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    ctx.cleanups.append(sock.close)
    ctx.data["port"] = sock.getsockname()[1]


def _two_runs_one_release(ctx: Ctx) -> None:
    ctx.write("runs/production-deployment/2026-12-02-v2.4.0.md", run_text(day="2026-12-02"))


def _unlistable(ctx: Ctx, rel: str) -> None:
    need_nodac()
    path = ctx.p(rel)
    path.chmod(0)
    ctx.cleanups.append(lambda: path.chmod(0o755))


def _ctrl_in_names(ctx: Ctx) -> None:
    # YAML's own escapes put ESC and BEL in the value (raw control characters are not YAML)
    text = run_text(release="v9").replace("lead: '@alice'", 'lead: "\\e]52;c;ZXZpbA==\\a"')
    text = text.replace("### Code Quality", f"### Code Quality{ESC}[2J\u202etxt.exe")
    ctx.write("runs/production-deployment/2026-12-03-v9.md", text)


def _status_choice_only(ctx: Ctx) -> None:
    ctx.edit(RUN, "- **Status**: [ ] Success", "- **Status**: [x] Success")


CASES: list[Case] = [
    # -- 1. operating-system errors: one line, nothing half-written -------------------------
    Case(
        "tick-readonly-run-dir",
        ["tick", RUN, "All code reviewed"],
        error("cannot write", RUN, "Permission denied"),
        lambda c: c.readonly("runs/production-deployment"),
        nodac=True,
    ),
    Case(
        "upgrade-readonly-run-dir",
        ["upgrade", RUN],
        error("cannot write", RUN, "Permission denied"),
        lambda c: (_outdated(c), c.readonly("runs/production-deployment")),
        nodac=True,
    ),
    Case(
        "new-run-readonly-runs-dir",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        error("Permission denied"),
        lambda c: c.readonly("runs/production-deployment"),
        nodac=True,
    ),
    Case(
        "new-run-git-cannot-branch",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        both(error("no branch or commit was made"), lambda r: _no_branch(r, "v9")),
        lambda c: c.readonly(".git/refs/heads"),
        nodac=True,
    ),
    Case(
        "new-run-runbook-dir-is-a-file",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        error("runs/production-deployment", "not a directory"),
        lambda c: (
            shutil.rmtree(c.p("runs/production-deployment")),
            c.write("runs/production-deployment", "a file\n"),
        ),
        changes=(),
    ),
    Case(
        "tick-full-disk",
        ["tick", RUN, "All code reviewed"],
        error("cannot write", "No space left"),
        lambda c: c.full_disk(),
    ),
    Case(
        "new-run-full-disk",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x", "--no-git"],
        error("No space left"),
        lambda c: c.full_disk(),
    ),
    Case(
        "upgrade-full-disk",
        ["upgrade", RUN],
        error("cannot write", "No space left"),
        lambda c: (_outdated(c), c.full_disk()),
    ),
    Case(
        "init-readonly-dir",
        ["init", "newproj"],
        error("Permission denied"),
        lambda c: c.readonly("."),
        nodac=True,
    ),
    Case(
        "init-full-disk",
        ["init", "newproj"],
        both(error("No space left"), lambda r: _no_dir(r, "newproj")),
        lambda c: c.full_disk(),
    ),
    Case(
        "summary-output-missing-dir",
        ["summary", "--base", "main", "-o", "nope/summary.md"],
        error("cannot write nope/summary.md", "No such file or directory"),
    ),
    Case(
        "serve-busy-port",
        ["serve", "-a", "127.0.0.1:{port}"],
        error("Address already in use"),
        _busy_port,
        timeout=60,
    ),
    Case(
        "status-unreadable-run",
        ["status", RUN],
        error(RUN, "ermission denied"),
        lambda c: (c.p(RUN).chmod(0o000), need_nodac()),
        nodac=True,
    ),
    Case(
        "check-unreadable-runs-dir",
        ["check"],
        error("cannot read directory runs/production-deployment", "Permission denied"),
        lambda c: _unlistable(c, "runs/production-deployment"),
        nodac=True,
    ),
    Case(
        "build-readonly-site-dir",
        ["build", "-q"],
        error("Permission denied"),
        lambda c: (c.p("site").mkdir(), c.readonly("site")),
        nodac=True,
        timeout=90,
    ),
    Case(
        "history-cache-readonly",
        ["history", RUN],
        ok(RUN),
        lambda c: (c.p(".cache").mkdir(), c.readonly(".cache")),
        nodac=True,
    ),
    Case(
        "build-cache-committed",
        ["build"],
        error(".cache", "committed"),
        lambda c: _committed_cache(c),
        timeout=90,
    ),
    Case(
        "zensical-build-cache-committed",
        ["build", "--engine", "zensical"],
        error(".cache", "committed"),
        lambda c: _committed_cache(c),
        timeout=90,
    ),
    Case(
        "build-cache-symlink",
        ["build"],
        error(".cache", "symlink"),
        lambda c: (c.p("elsewhere").mkdir(), c.p(".cache").symlink_to("elsewhere")),
        timeout=90,
    ),
    # -- 2. nothing deletes run records or runbooks -----------------------------------------
    Case("build-into-runs", ["build", "-d", "runs"], error("runs", "refusing"), timeout=90),
    Case("build-into-content", ["build", "-d", "content"], error("content", "refusing"), timeout=90),
    Case("build-into-repo-root", ["build", "-d", "."], error("refusing"), timeout=90),
    Case("build-into-parent", ["build", "-d", ".."], error("refusing"), timeout=90),
    Case("build-into-git-dir", ["build", "-d", ".git/site"], error(".git", "refusing"), timeout=90),
    Case("build-inside-content", ["build", "-d", "content/site"], error("refusing"), timeout=90),
    Case("build-inside-runs", ["build", "-d", "runs/site"], error("refusing"), timeout=90),
    Case(
        "site-dir-runs-in-mkdocs-yml",
        ["build"],
        error("refusing"),
        lambda c: c.write("mkdocs.yml", MKDOCS_YML + "site_dir: runs\n"),
        timeout=90,
    ),
    Case(
        "mkdocs-build-site-dir-runs",
        ["!mkdocs", "build"],
        lambda r: _mkdocs_refused(r, "refusing"),
        lambda c: c.write("mkdocs.yml", MKDOCS_YML + "site_dir: runs\n"),
        timeout=90,
    ),
    Case(
        "runs-dir-inside-docs",
        ["build"],
        error("runs_dir", "docs_dir"),
        lambda c: (
            c.write(
                "mkdocs.yml",
                MKDOCS_YML.replace("history: false", "history: false\n      runs_dir: content/runs"),
            ),
            shutil.copytree(c.p("runs"), c.p("content/runs")),
        ),
        timeout=90,
    ),
    Case(
        "serve-site-dir-content",
        ["serve", "-a", "127.0.0.1:0"],
        error("refusing"),
        lambda c: c.write("mkdocs.yml", MKDOCS_YML + "site_dir: content\n"),
        timeout=60,
    ),
    Case("build-default-site-ok", ["build", "-q"], lambda r: _built(r), timeout=90, changes=("site",)),
    # -- 3. merge conflicts are named --------------------------------------------------------
    Case(
        "status-conflict-body",
        ["status", RUN],
        error(RUN, "unresolved merge conflict at line"),
        lambda c: c.conflict(RUN),
    ),
    Case(
        "status-conflict-front-matter",
        ["status", RUN],
        error("unresolved merge conflict at line 8"),
        lambda c: c.conflict(RUN, "front"),
    ),
    Case(
        "check-conflict",
        ["check", RUN],
        findings("unresolved merge conflict at line", "[merge-conflict]"),
        lambda c: c.conflict(RUN),
    ),
    Case(
        "tick-conflict",
        ["tick", RUN, "Linting passes"],
        error("unresolved merge conflict"),
        lambda c: c.conflict(RUN),
    ),
    Case(
        "upgrade-conflict",
        ["upgrade", RUN],
        error("unresolved merge conflict"),
        lambda c: (_outdated(c), c.conflict(RUN)),
    ),
    Case(
        "summary-conflict",
        ["summary", "--base", "main"],
        ok("unresolved merge conflict at line"),
        lambda c: c.conflict(RUN),
    ),
    Case(
        "status-committed-conflict", ["status", RUN], error("unresolved merge conflict"), _committed_conflict
    ),
    Case(
        "build-conflict-broken-page",
        ["build", "--strict", "-q"],
        lambda r: _build_names(r, "unresolved merge conflict"),
        lambda c: c.conflict(RUN),
        timeout=90,
        changes=("site",),
    ),
    Case(
        "build-conflict-page-says-so",
        ["build", "-q"],
        lambda r: _page_says(
            r, "runs/production-deployment/2026-12-01-v2.4.0", "unresolved merge conflict at line"
        ),
        lambda c: c.conflict(RUN),
        timeout=90,
        changes=("site",),
    ),
    # -- 4. non-regular and oversized files never hang --------------------------------------
    Case(
        "check-fifo-arg",
        ["check", "runs/production-deployment/pipe.md"],
        findings("FIFO"),
        lambda c: c.fifo("runs/production-deployment/pipe.md"),
        timeout=20,
    ),
    Case(
        "status-fifo-in-runs",
        ["status"],
        error("FIFO"),
        lambda c: c.fifo("runs/production-deployment/pipe.md"),
        timeout=20,
    ),
    Case(
        "tick-fifo",
        ["tick", "runs/production-deployment/pipe.md", "x"],
        error("FIFO"),
        lambda c: c.fifo("runs/production-deployment/pipe.md"),
        timeout=20,
    ),
    Case("parse-fifo", ["parse", "pipe.md"], error("FIFO"), lambda c: c.fifo("pipe.md"), timeout=20),
    Case(
        "upgrade-fifo",
        ["upgrade", "runs/production-deployment/pipe.md"],
        error("FIFO"),
        lambda c: c.fifo("runs/production-deployment/pipe.md"),
        timeout=20,
    ),
    Case(
        "status-device-in-runs",
        ["status"],
        error("character device"),
        lambda c: c.device("runs/production-deployment/zero.md"),
        timeout=20,
    ),
    Case(
        "status-socket-in-runs",
        ["status"],
        error("socket"),
        lambda c: c.socket_file("runs/production-deployment/s.md"),
        timeout=20,
    ),
    Case(
        "new-run-fifo-runbook",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x", "--no-git"],
        error("FIFO"),
        lambda c: (c.p(RUNBOOK).unlink(), c.fifo(RUNBOOK)),
        timeout=20,
    ),
    Case("build-fifo-in-content", ["build"], error("FIFO"), lambda c: c.fifo("content/notes.md"), timeout=60),
    Case(
        "build-fifo-in-runs",
        ["build", "--strict"],
        lambda r: _build_names(r, "FIFO"),
        lambda c: c.fifo("runs/production-deployment/pipe.md"),
        timeout=60,
        changes=("site",),
    ),
    Case(
        "mkdocs-yml-fifo",
        ["status"],
        error("mkdocs.yml"),
        lambda c: (c.p("mkdocs.yml").unlink(), c.fifo("mkdocs.yml")),
        timeout=20,
    ),
    Case(
        "status-50mb-run",
        ["status", "runs/production-deployment/big.md"],
        error("above the 10 MB limit"),
        lambda c: c.big("runs/production-deployment/big.md", 50),
        timeout=20,
    ),
    Case(
        "check-11mb-run",
        ["check", "runs/production-deployment/big.md"],
        findings("10 MB limit"),
        lambda c: c.big("runs/production-deployment/big.md", 11),
        timeout=20,
    ),
    Case(
        "parse-50mb",
        ["parse", "runs/production-deployment/big.md"],
        error("10 MB limit"),
        lambda c: c.big("runs/production-deployment/big.md", 50),
        timeout=20,
    ),
    Case(
        "max-file-mb-honoured",
        ["status", "runs/production-deployment/big.md"],
        error("above the 1 MB limit"),
        lambda c: (
            c.write(
                "mkdocs.yml", MKDOCS_YML.replace("history: false", "history: false\n      max_file_mb: 1")
            ),
            c.big("runs/production-deployment/big.md", 2),
        ),
        timeout=20,
    ),
    Case(
        "build-50mb-run",
        ["build", "--strict"],
        lambda r: _build_names(r, "10 MB limit"),
        lambda c: c.big("runs/production-deployment/big.md", 50),
        timeout=60,
        changes=("site",),
    ),
    # -- 6. symlinks never leak or write outside the repository ------------------------------
    Case(
        "build-symlink-proc-environ",
        ["build"],
        both(error("outside the repository"), nothing_outside),
        lambda c: (_secret(c), c.p("content/env.txt").symlink_to("/proc/self/environ")),
        timeout=60,
    ),
    Case(
        "build-symlink-runbook-outside",
        ["build"],
        both(error("outside the repository"), nothing_outside),
        lambda c: c.p("content/passwd.md").symlink_to(_secret(c) / "secret.md"),
        timeout=60,
    ),
    Case(
        "build-symlink-dir-outside",
        ["build"],
        both(error("outside the repository"), nothing_outside),
        lambda c: c.p("content/linked").symlink_to(_secret(c)),
        timeout=60,
    ),
    Case(
        "build-symlink-run-outside",
        ["build", "--strict"],
        both(lambda r: _build_names(r, "outside the repository"), nothing_outside),
        lambda c: c.p("runs/production-deployment/x.md").symlink_to(_secret(c) / "secret.md"),
        timeout=60,
        changes=("site",),
    ),
    Case(
        "build-symlink-into-git",
        ["build"],
        error(".git"),
        lambda c: c.p("content/config.txt").symlink_to(c.p(".git/config")),
        timeout=60,
    ),
    Case(
        "status-symlink-run-outside",
        ["status"],
        both(error("outside the repository"), nothing_outside),
        lambda c: c.p("runs/production-deployment/x.md").symlink_to(_secret(c) / "secret.md"),
    ),
    Case(
        "check-symlink-run-outside",
        ["check"],
        both(findings("outside the repository"), nothing_outside),
        lambda c: c.p("runs/production-deployment/x.md").symlink_to(_secret(c) / "secret.md"),
    ),
    Case(
        "summary-symlink-run-outside",
        ["summary", "--base", "main"],
        both(ok("outside the repository"), nothing_outside),
        lambda c: c.p("runs/production-deployment/x.md").symlink_to(_secret(c) / "secret.md"),
    ),
    Case(
        "new-run-symlinked-runs-dir",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        both(error("symlink"), lambda r: _outside_empty(r)),
        lambda c: (
            shutil.rmtree(c.p("runs/production-deployment")),
            c.p("runs/production-deployment").symlink_to(_secret(c)),
        ),
    ),
    Case(
        "init-symlinked-dir",
        ["init", "newproj"],
        both(error("outside the repository"), lambda r: _outside_empty(r)),
        lambda c: (c.p("newproj").mkdir(), c.p("newproj/content").symlink_to(_secret(c))),
    ),
    Case(
        "history-cache-symlinked",
        ["history", RUN],
        both(ok(RUN), lambda r: _outside_empty(r)),
        lambda c: c.p(".cache").symlink_to(_secret(c)),
    ),
    Case(
        "tick-symlink-run-outside",
        ["tick", "runs/production-deployment/x.md", "x"],
        both(error("outside the repository"), nothing_outside),
        lambda c: c.p("runs/production-deployment/x.md").symlink_to(_secret(c) / "secret.md"),
    ),
    # -- 7. output cannot be hijacked --------------------------------------------------------
    Case("status-control-chars", ["status"], both(ok("\\x1b"), clean_output), _ctrl_in_names),
    Case(
        "status-workflow-command",
        ["status"],
        both(ok("::error"), clean_output),
        lambda c: c.write(
            "runs/production-deployment/2026-12-04-v9.md",
            run_text(release="v9").replace("runbook: production-deployment", 'runbook: "::error::pwned"'),
        ),
    ),
    Case(
        "check-text-control-chars",
        ["check", "--format", "text"],
        both(findings(), clean_output),
        lambda c: (
            _ctrl_in_names(c),
            c.write(f"runs/production-deployment/{ESC}[31mred.md", "no front matter\n"),
        ),
    ),
    Case(
        "check-github-format",
        ["check", "--format", "github"],
        both(findings(), lambda r: _one_command_per_line(r)),
        lambda c: (
            c.write(f"runs/production-deployment/{ESC}[2J\u202ebad.md", "no front matter\n"),
            c.write(
                "runs/production-deployment/2026-12-05-v9.md",
                run_text(release="v9").replace("status: planned", 'status: "x\\e[31m\\n::add-mask::y\\r"'),
            ),
        ),
    ),
    Case(
        "history-control-chars",
        ["history", RUN],
        both(ok(), clean_output),
        lambda c: (
            c.edit(RUN, "- [ ] All code reviewed", "- [x] All code reviewed"),
            c.git("add", "-A"),
            c.git(
                "-c",
                f"user.name=Eve{ESC}[2J\u202e",
                "commit",
                "-q",
                "-m",
                f"tick{ESC}]52;c;eA==\a",
                "--author",
                f"Eve{ESC}[2J\u202e <eve@example.com>",
            ),
        ),
    ),
    Case(
        "summary-file-name-injection",
        ["summary", "--base", "main"],
        lambda r: _summary_escaped(r),
        lambda c: c.write(
            "runs/production-deployment/x`\n# Owned <img src=x onerror=alert(1)>.md", run_text(release="v9")
        ),
    ),
    Case(
        "summary-terminal-shows-lt",
        ["summary", "--base", "main"],
        lambda r: _summary_plain(r),
        lambda c: c.edit(
            RUN, "- [ ] All code reviewed and approved", "- [x] All code reviewed and approved <now>"
        ),
        terminal=True,
    ),
    Case(
        "build-warning-control-chars",
        ["build"],
        both(lambda r: _built(r), clean_output),
        lambda c: c.write(f"runs/production-deployment/{ESC}[2Jx.md", "broken\n"),
        timeout=90,
        changes=("site",),
    ),
    Case(
        "parse-json-control-chars",
        ["parse", "x.md"],
        both(ok("\\u202e"), clean_output),
        lambda c: c.write("x.md", f"- [ ] a{ESC}[2J b\u009b c\u202e d\n"),
    ),
    Case(
        "parse-yaml-control-chars",
        ["parse", "--format", "yaml", "x.md"],
        both(ok(), clean_output),
        lambda c: c.write("x.md", f"- [ ] a{ESC}[2J b\u009b c\u202e d\n"),
    ),
    # -- the same refusals when Zensical builds the site ------------------------------------
    Case(
        "zensical-build-into-runs",
        ["build", "--engine", "zensical", "-d", "runs"],
        error("refusing"),
        timeout=120,
    ),
    Case(
        "zensical-symlink-outside",
        ["build", "--engine", "zensical"],
        both(error("outside the repository"), nothing_outside),
        lambda c: c.p("content/passwd.md").symlink_to(_secret(c) / "secret.md"),
        timeout=120,
    ),
    Case(
        "zensical-bad-kinds",
        ["build", "--engine", "zensical"],
        error("kinds"),
        lambda c: c.edit(
            RUNBOOK,
            "# Production Deployment Checklist",
            "---\nkinds: 5\n---\n# Production Deployment Checklist",
        ),
        timeout=120,
    ),
    # -- 8. no fallback to raw rendering ----------------------------------------------------
    Case(
        "build-bad-kinds",
        ["build"],
        error("kinds"),
        lambda c: c.edit(
            RUNBOOK,
            "# Production Deployment Checklist",
            "---\nkinds:\n  Nope: tasks\n---\n# Production Deployment Checklist\n<script>alert(1)</script>",
        ),
        timeout=60,
    ),
    Case(
        "mkdocs-build-bad-kinds",
        ["!mkdocs", "build"],
        lambda r: _mkdocs_refused(r, "kinds"),
        lambda c: c.edit(
            RUNBOOK,
            "# Production Deployment Checklist",
            "---\nkinds: 5\n---\n# Production Deployment Checklist",
        ),
        timeout=60,
    ),
    # -- 9. git failures keep their cause ---------------------------------------------------
    Case(
        "new-run-during-merge",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        both(error("merge is in progress", "no branch or commit"), lambda r: _no_branch(r, "v9")),
        _merge_in_progress,
    ),
    Case("summary-shallow-clone", ["summary", "--base", "origin/main"], error("fetch-depth: 0"), _shallow),
    Case(
        "new-run-broken-git",
        ["new-run", "production-deployment", "-r", "v9", "--lead", "x"],
        error("no run record, branch or commit was made"),
        _broken_git,
    ),
    Case("summary-unknown-base", ["summary", "--base", "no-such-branch"], error("no-such-branch")),
    # -- 10. values are not silently changed or accepted ------------------------------------
    Case(
        "status-json-release-2.10",
        ["status", "--format", "json", RUN],
        ok('"release": "2.10"'),
        lambda c: c.edit(RUN, "release: v2.4.0", "release: 2.10"),
    ),
    Case(
        "status-front-matter-not-closed",
        ["status", RUN],
        error("front matter is not closed"),
        lambda c: c.edit(RUN, "---\n# Production", "# Production"),
    ),
    Case(
        "check-bad-date",
        ["check", RUN],
        findings("'date'", f"{RUN}:6"),
        lambda c: c.edit(RUN, "date: 2026-12-01", "date: 2026-13-45"),
    ),
    Case(
        "new-run-long-release",
        ["new-run", "production-deployment", "-r", "v" * 120, "--lead", "x"],
        error("limit is 100"),
    ),
    Case(
        "new-run-empty-lead",
        ["new-run", "production-deployment", "-r", "v9", "--lead", ""],
        error("--lead is empty"),
    ),
    Case(
        "check-duplicate-release", ["check"], findings("[duplicate-release]", code=0), _two_runs_one_release
    ),
    Case("tick-a-runbook", ["tick", RUNBOOK, "All code reviewed"], error("not a run record")),
    Case(
        "tick-skip-reason-with-tildes",
        ["tick", RUN, "Put application in maintenance", "--skip", "a ~~ b"],
        lambda r: _skip_roundtrip(r),
        changes=(RUN,),
    ),
    # -- issue 12: what the tool says must be right -----------------------------------------
    Case(
        "check-outdated-template-direction",
        ["check", RUN],
        findings("since then the template gained 1 task;", code=0),
        _outdated,
    ),
    Case(
        "history-status-without-comment",
        ["history", RUN],
        ok("status → in-progress  ("),
        lambda c: (c.edit(RUN, "status: planned ", "status: in-progress "), c.commit("start")),
    ),
    Case("status-choice-section", ["status", RUN], lambda r: _choice_shown(r), _status_choice_only),
    Case("init-site-name", ["init", "my-runbooks"], lambda r: _site_name(r), changes=("my-runbooks",)),
    Case(
        "check-plural-one-record",
        ["check", RUN],
        ok("1 run record checked: 0 errors, 0 warnings", where="err"),
    ),
    # -- more bad input ---------------------------------------------------------------------
    Case(
        "status-nul-bytes",
        ["status", RUN],
        lambda r: _any_clean(r),
        lambda c: c.write(RUN, run_text().replace("# Production", "\0\0# Production")),
    ),
    Case(
        "status-empty-file",
        ["status", "runs/production-deployment/empty.md"],
        lambda r: _any_clean(r),
        lambda c: c.write("runs/production-deployment/empty.md", ""),
    ),
    Case(
        "mkdocs-yml-invalid",
        ["status"],
        error("mkdocs.yml"),
        lambda c: c.write("mkdocs.yml", "site_name: [\n"),
    ),
    Case(
        "max-file-mb-invalid",
        ["status"],
        error("max_file_mb"),
        lambda c: c.write(
            "mkdocs.yml", MKDOCS_YML.replace("history: false", "history: false\n      max_file_mb: lots")
        ),
    ),
    Case("parse-broken-pipe", ["!pipe-head", "parse", RUNBOOK], lambda r: _no_traceback_only(r)),
    Case(
        "check-path-outside-repo",
        ["check", "../outside/secret.md"],
        both(findings("outside the repository"), nothing_outside),
        lambda c: _secret(c),
    ),
    Case("tick-unknown-item", ["tick", RUN, "no such item at all"], error("no item matches")),
    Case(
        "history-outside-git", ["history"], error("history unavailable"), lambda c: shutil.rmtree(c.p(".git"))
    ),
]


def _no_branch(res: Result, release: str) -> None:
    branches = res.ctx.git("branch", "--list", f"run/*{release}*")
    assert branches.strip() == "", f"a branch was made: {branches.strip()}"
    assert res.ctx.git("branch", "--show-current").strip() in ("main", ""), "the work tree changed branch"


def _no_dir(res: Result, name: str) -> None:
    d = res.ctx.repo / name
    assert not d.exists() or not any(d.rglob("*")), f"{name} holds half a project"


def _outside_empty(res: Result) -> None:
    out = res.ctx.tmp / "outside"
    extra = sorted(p.name for p in out.rglob("*") if p.name not in ("secret.md", "secret.txt"))
    assert not extra, f"written outside the repository: {extra}"


def _built(res: Result) -> None:
    assert res.code == 0, f"exit {res.code}"
    assert (res.ctx.repo / "site" / "index.html").is_file(), "no site"


def _build_names(res: Result, needle: str) -> None:
    assert res.code == 1, f"exit {res.code}, expected 1 (--strict)"
    assert needle in res.err, f"{needle!r} not in the build log"


def _page_says(res: Result, page: str, needle: str) -> None:
    assert res.code == 0, f"exit {res.code}"
    html = (res.ctx.repo / "site" / page / "index.html").read_text(encoding="utf-8")
    assert needle in html, f"{needle!r} not on the page"


def _mkdocs_refused(res: Result, needle: str) -> None:
    assert res.code == 1, f"exit {res.code}"
    assert needle in res.err, f"{needle!r} not in the output"


def _one_command_per_line(res: Result) -> None:
    """Each line is one of our annotations; nothing in them acts on the log's terminal."""
    for line in res.out.split("\n"):
        if line.lstrip().startswith("::"):
            assert line.startswith(("::error file=", "::warning file=")), f"a foreign command: {line!r}"
    no_controls(res)


def _summary_escaped(res: Result) -> None:
    """Rendered as GitHub renders a job summary (cmark-gfm, raw HTML allowed): no heading
    or tag comes from the file name."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    assert res.code == 0, f"exit {res.code}"
    html = cmarkgfm.github_flavored_markdown_to_html(res.out, options=Options.CMARK_OPT_UNSAFE)
    assert "<img" not in html, "HTML injected"
    assert "<h1" not in html, "a heading injected"
    assert "Owned" in html, "the run is not in the summary"


def _summary_plain(res: Result) -> None:
    assert res.code == 0, f"exit {res.code}"
    assert "<now>" in res.out and "&lt;" not in res.out, "HTML escapes in a terminal"


def _skip_roundtrip(res: Result) -> None:
    assert res.code == 0, f"exit {res.code}"
    line = next(ln for ln in res.ctx.read(RUN).splitlines() if "Put application in maintenance" in ln)
    assert "n/a: a" in line and "b" in line.split("n/a:")[1], line
    status = _cli(res.ctx, "status", "--format", "json", RUN)
    assert '"skipped": 1' in status.stdout, "the skip is not counted"
    undo = _cli(res.ctx, "tick", RUN, "Put application in maintenance", "--undo")
    assert undo.returncode == 0, undo.stderr
    line = next(ln for ln in res.ctx.read(RUN).splitlines() if "Put application in maintenance" in ln)
    assert line.strip() == "- [ ] Put application in maintenance mode (if needed)", line


def _choice_shown(res: Result) -> None:
    assert res.code == 0, f"exit {res.code}"
    line = next(ln for ln in res.out.splitlines() if "Deployment Status" in ln)
    assert "no boxes" not in line and "Success" in line, line


def _site_name(res: Result) -> None:
    assert res.code == 0, f"exit {res.code}"
    yml = (res.ctx.repo / "my-runbooks" / "mkdocs.yml").read_text()
    assert "site_name: My Runbooks\n" in yml, "site name"


def _any_clean(res: Result) -> None:
    """Either correct output (exit 0) or one Error line (exit 1)."""
    if res.code == 0:
        return
    error()(res)


def _no_traceback_only(res: Result) -> None:
    assert res.code in (0, 1, 141), f"exit {res.code}"


def _cli(ctx: Ctx, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runbookgen", *args],
        cwd=ctx.repo,
        capture_output=True,
        text=True,
        env=_env(ctx.data.get("src"), ctx.data.get("secret")),
        timeout=60,
        check=False,
    )


# ---------------------------------------------------------------------------- running a case
def _env(src: str | None, secret: str | None = None) -> dict[str, str]:
    env = {**os.environ, **GIT_ENV}
    env.pop("GITHUB_ACTIONS", None)
    if secret:  # in the environment too: /proc/self/environ must not be published
        env["RUNBOOKGEN_TEST_SECRET"] = secret
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def snapshot(repo: Path) -> dict[str, str]:
    """Every file of the repository (not .git, site/, .cache/) with a digest of its bytes;
    symlinks and special files by what they are, never read."""
    out: dict[str, str] = {}
    if not repo.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(repo):
        here = Path(dirpath)
        top = here == repo
        dirnames[:] = [
            d
            for d in dirnames
            if not (top and d in (".git", "site", ".cache")) and not (here / d).is_symlink()
        ]
        for name in filenames:
            path = here / name
            rel = path.relative_to(repo).as_posix()
            try:
                st = path.lstat()
                if stat.S_ISREG(st.st_mode):
                    out[rel] = hashlib.sha1(path.read_bytes()).hexdigest()
                elif stat.S_ISLNK(st.st_mode):
                    out[rel] = f"symlink -> {path.readlink()}"
                else:
                    out[rel] = f"mode {st.st_mode:o}"
            except OSError as exc:
                out[rel] = f"unreadable {exc.errno}"
    return out


@dataclass
class Outcome:
    case: str
    verdict: str  # passed | traceback | lost | hang | failed | skipped
    detail: str = ""
    seconds: float = 0.0


def _run(args: list[str], ctx: Ctx, case: Case, src: str | None) -> Result:
    argv = [a.format(**ctx.data) for a in args]
    if argv[0] == "!mkdocs":
        cmd = [sys.executable, "-m", "mkdocs", *argv[1:]]
    elif argv[0] == "!pipe-head":  # the reader stops early: a broken pipe for the writer
        runbookgen = " ".join([sys.executable, "-m", "runbookgen", *argv[1:]])
        cmd = ["bash", "-o", "pipefail", "-c", f"{runbookgen} | head -c 10 >/dev/null"]
    else:
        cmd = [sys.executable, "-m", "runbookgen", *argv]
    if case.nodac and os.geteuid() == 0:
        cmd = [*NO_DAC, *cmd]
    cwd = ctx.repo / case.cwd
    start = time.monotonic()
    if case.terminal:
        return _run_on_terminal(cmd, cwd, ctx, case, src, start)
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(src, ctx.data.get("secret")),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=case.timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    return Result(
        code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.monotonic() - start, ctx
    )


def _run_on_terminal(
    cmd: list[str], cwd: Path, ctx: Ctx, case: Case, src: str | None, start: float
) -> Result:
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=_env(src, ctx.data.get("secret")),
        start_new_session=True,
    )
    os.close(slave)
    chunks = []
    deadline = start + case.timeout
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            break
    os.close(master)
    err = proc.stderr.read() if proc.stderr else b""
    code = proc.wait() if time.monotonic() <= deadline else None
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return Result(code, out, err.decode("utf-8", "replace"), time.monotonic() - start, ctx)


def run_case(case: Case, base: Path, src: str | None = None) -> Outcome:
    """Copy ``base``, break it as the case says, run the command, judge what happened."""
    tmp = Path(tempfile.mkdtemp(prefix=f"rbg-bad-{case.id[:20]}-"))
    ctx = Ctx(repo=tmp / "repo", tmp=tmp, data={"src": src})
    shutil.copytree(base, ctx.repo, symlinks=True)
    try:
        try:
            if case.setup is not None:
                case.setup(ctx)
        except Skip as exc:
            return Outcome(case.id, "skipped", str(exc))
        before = snapshot(ctx.repo)
        res = _run(case.args, ctx, case, src)
        after = snapshot(ctx.repo)
        if res.code is None:
            return Outcome(case.id, "hang", f"killed after {case.timeout:g} s", res.seconds)
        if "Traceback (most recent call last)" in res.text:
            last = [ln for ln in res.text.splitlines() if ln.strip()][-1:]
            return Outcome(case.id, "traceback", last[0][:200] if last else "", res.seconds)
        lost = [
            rel
            for rel, digest in before.items()
            if after.get(rel) != digest and not any(rel.startswith(p) for p in case.changes)
        ]
        added = [
            rel for rel in after if rel not in before and not any(rel.startswith(p) for p in case.changes)
        ]
        stray = [rel for rel in added if "runbookgen-tmp" in rel or rel.endswith(".tmp")]
        if lost or stray:
            return Outcome(case.id, "lost", f"changed or lost: {(lost + stray)[:5]}", res.seconds)
        try:
            case.expect(res)
        except AssertionError as exc:
            detail = f"{exc} | stderr: {res.err.strip()[-300:]!r}"
            return Outcome(case.id, "failed", detail, res.seconds)
        return Outcome(case.id, "passed", "", res.seconds)
    finally:
        for undo in reversed(ctx.cleanups):
            with contextlib.suppress(Exception):
                undo()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def base_repo() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="rbg-bad-base-"))
    try:
        yield make_base(tmp / "repo")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
