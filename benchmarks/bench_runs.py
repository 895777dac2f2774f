"""Speed of the run-record commands.

1. ``status`` and ``check`` over 1,000 generated run files, against a process that only
   parses those files (``runbookgen.markdown.loads`` on each): target ≤ 1.5×.
2. ``new-run`` wall time (file, branch and commit in a git repository) against
   ``runbookgen --help``: target ≤ 2×.

Every figure is the median of interleaved rounds (A, B, A, B, …) of real processes, so
drift of the machine affects both sides alike. Byte-code is cached (in a temporary
``PYTHONPYCACHEPREFIX``, even where ``PYTHONDONTWRITEBYTECODE`` is set), as for an
installed wheel, and each ``new-run`` starts from ``main`` as a user's does. Usage::

    python benchmarks/bench_runs.py [--runs 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "production-deployment.md"
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "NO_COLOR": "1",
    "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="rbg-bench-runs-pycache-"),
}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
CLI = [sys.executable, "-m", "runbookgen"]

PARSE_ONLY = """
import sys
from pathlib import Path
from runbookgen.markdown import decode, loads
for p in sorted(Path("runs").rglob("*.md")):
    if p.name.lower() != "readme.md":
        loads(decode(p.read_bytes(), p), path=str(p))
"""


def sh(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, env=ENV, check=True, capture_output=True)


def make_repo(root: Path, runs: int) -> None:
    """A runbook repository with ``runs`` run records at varied stages of completion."""
    (root / "content").mkdir(parents=True)
    (root / "runs").mkdir()
    shutil.copy(SEED, root / "content" / SEED.name)
    (root / "mkdocs.yml").write_text("site_name: Bench\ndocs_dir: content\n", encoding="utf-8")
    sys.path.insert(0, str(ROOT / "src"))
    from datetime import date, timedelta

    from runbookgen.project import Project
    from runbookgen.records.newrun import render_run

    project = Project.discover(root)
    rng = random.Random(7)
    start = date(2024, 1, 1)
    for n in range(runs):
        day = start + timedelta(days=n)
        release = f"v{n // 100}.{n % 100}.0"
        text = render_run(
            project,
            "production-deployment",
            release,
            day,
            "@bench",
            status=rng.choice(["planned", "in-progress", "success"]),
        )
        lines = text.split("\n")
        share = rng.random()
        for i, line in enumerate(lines):
            if "- [ ] " in line and rng.random() < share:
                lines[i] = line.replace("- [ ] ", "- [x] ", 1)
        path = root / "runs" / "production-deployment" / f"{day.isoformat()}-{release}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
    sh("git", "init", "-q", "-b", "main", cwd=root)
    sh("git", "add", "-A", cwd=root)
    sh("git", "commit", "-q", "-m", "bench", cwd=root)


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, check=False)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):  # check exits 1 when it finds errors
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def interleave(cases: dict[str, list[str] | object], cwd: Path, rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(rounds):
        for name, cmd in cases.items():
            if callable(cmd):
                times[name].append(cmd(r))
            else:
                times[name].append(timed(cmd, cwd))  # type: ignore[arg-type]
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rbg-bench-runs-"))
    try:
        repo = tmp / "repo"
        make_repo(repo, args.runs)
        many = interleave(
            {
                "parse only": [sys.executable, "-c", PARSE_ONLY],
                "status": [*CLI, "status", "--format", "json"],
                "check": [*CLI, "check", "--format", "json"],
            },
            repo,
            args.rounds,
        )
        base = many["parse only"]
        print(f"{args.runs} run files, median of {args.rounds} interleaved rounds")
        for name in ("parse only", "status", "check"):
            print(f"  {name:<12} {many[name]:7.3f} s   {many[name] / base:5.2f}× parse only")
        small = tmp / "small"
        make_repo(small, 0)

        def new_run(r: int) -> float:
            sh("git", "switch", "-q", "main", cwd=small)  # from main, as users start a run
            return timed(
                [
                    *CLI,
                    "new-run",
                    "production-deployment",
                    "--release",
                    f"b{r}",
                    "--date",
                    "2026-12-01",
                    "--lead",
                    "@bench",
                ],
                small,
            )

        new_run(-1), timed([*CLI, "--help"], small)  # byte-code compiled once, not counted
        one = interleave({"--help": [*CLI, "--help"], "new-run": new_run}, small, max(args.rounds, 9))
        print(f"new-run (file + branch + commit), median of {max(args.rounds, 9)} interleaved rounds")
        print(f"  --help       {one['--help']:7.3f} s")
        print(f"  new-run      {one['new-run']:7.3f} s   {one['new-run'] / one['--help']:5.2f}× --help")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(ENV["PYTHONPYCACHEPREFIX"], ignore_errors=True)


if __name__ == "__main__":
    main()
