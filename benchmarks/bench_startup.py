#!/usr/bin/env python3
"""Start-up cost of the command line: ``runbookgen --help`` / ``--version`` vs ``import click``.

Whole-process wall time (what a user waits for, interpreter start included), measured
with subprocesses run in interleaved rounds so drift in machine load hits every case
alike; the median of each is reported. The target is at most 2x ``python -c "import click"``:
the CLI may cost about one more click's worth of imports, not MkDocs or the parser.

    python benchmarks/bench_startup.py              # 30 rounds
    python benchmarks/bench_startup.py --rounds 60 --markdown

Byte-code is cached (in a temporary PYTHONPYCACHEPREFIX) as it is for an installed wheel,
even where PYTHONDONTWRITEBYTECODE is set; ``--no-bytecode`` measures compiling every time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 2.0


def cases() -> dict[str, list[str]]:
    exe = Path(sys.executable)
    script = shutil.which("runbookgen", path=str(exe.parent)) or shutil.which("runbookgen")
    entry = [script] if script else [sys.executable, "-m", "runbookgen"]
    return {
        'python -c "import click"': [sys.executable, "-c", "import click"],
        "runbookgen --version": [*entry, "--version"],
        "runbookgen --help": [*entry, "--help"],
    }


def measure(rounds: int, pycache: str | None = None) -> dict[str, list[float]]:
    """Wall times per case; ``pycache`` caches byte-code there (None: as the environment says)."""
    env = {**os.environ, "NO_COLOR": "1"}
    if pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    runs = cases()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for argv in runs.values():  # warm the file cache; not counted
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    for _ in range(rounds):
        for name, argv in runs.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
            times[name].append(time.perf_counter() - start)
    return times


def report(times: dict[str, list[float]], markdown: bool) -> tuple[str, bool]:
    base_name = 'python -c "import click"'
    base = statistics.median(times[base_name])
    ok = True
    rows = []
    for name, values in times.items():
        med = statistics.median(values)
        ratio = med / base
        if name != base_name:
            ok &= ratio <= TARGET
        rows.append((name, med * 1000, ratio))
    if markdown:
        lines = ["| command | median (ms) | vs import click |", "|---|---:|---:|"]
        lines += [f"| `{n}` | {ms:.0f} | {r:.2f}× |" for n, ms, r in rows]
    else:
        lines = [f"{n:28} {ms:7.1f} ms  {r:5.2f}x" for n, ms, r in rows]
    n = len(next(iter(times.values())))
    lines.append("")
    lines.append(f"{n} interleaved rounds, medians; target ≤ {TARGET:g}× → {'met' if ok else 'MISSED'}")
    return "\n".join(lines), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--no-bytecode", action="store_true", help="compile sources on every run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        times = measure(args.rounds, None if args.no_bytecode else pycache)
    text, ok = report(times, args.markdown)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
