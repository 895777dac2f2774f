"""Benchmark: the site build of this checkout against another checkout's, side by side.

For a change to the page layer (issue 14: the Jinja templates) the bound is relative to
the code before it: build the *same* 1,000-run site with both, in interleaved rounds, and
compare. The other checkout is a git worktree (``git worktree add --detach ../before
c6d4daf``); its ``src/`` goes first on ``PYTHONPATH`` of the ``mkdocs build`` process, so
both builds use this virtual environment's MkDocs, Material and Jinja2 — only runbookgen
differs. Each build is one whole ``mkdocs build`` process (wall and CPU time, the workers
included).

Sites:

* ``plain`` (default): the 1,000 run files of ``bench_site.py``, not a git repository
  (no history);
* ``history``: the repository of ``bench_history.py`` (1,000 run files ticked in 20
  commits each), history on, its on-disk cache deleted before each build.

Usage::

    .venv/bin/python benchmarks/bench_site_ab.py --before ../before [--after .] [--site plain]
        [--runs 1000] [--rounds 5]

(``--after`` another worktree: keeps the measured code fixed while this one is edited.)

Target (issue 14): after / before <= 1.05 (median of per-round ratios).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_site import make_runbookgen_site  # noqa: E402
from bench_site_history import prepare  # noqa: E402


def build(config: Path, src: Path, clear: Path | None) -> tuple[float, float]:
    """One ``mkdocs build`` with runbookgen imported from ``src``: wall and CPU seconds."""
    if clear is not None:
        shutil.rmtree(clear, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"build with {src} failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="the other checkout (its src/ is used)")
    ap.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    ap.add_argument("--site", choices=("plain", "history"), default="plain")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "site-ab")
    args = ap.parse_args()
    before = args.before.resolve() / "src"
    after = args.after.resolve() / "src"
    for src in (before, after):
        if not (src / "runbookgen").is_dir():
            raise SystemExit(f"no runbookgen package under {src}")
    if args.site == "plain":
        site = args.out / f"plain-{args.runs}"
        make_runbookgen_site(site, args.runs)
        config, clear = site / "mkdocs.yml", None
    else:
        repo = prepare(args.runs, 20)
        config, clear = repo / "mkdocs-with.yml", repo / ".cache" / "runbookgen"
    variants = {"before": before, "after": after}
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            wall, cpu = build(config, variants[name], clear)
            results[name].append((wall, cpu))
            print(f"round {r + 1}: {name}: {wall:.2f} s wall, {cpu:.2f} s cpu", file=sys.stderr)
    med = statistics.median
    print(
        f"site: {args.site}, {args.runs} runs, {args.rounds} rounds, "
        f"load average now {os.getloadavg()[0]:.1f}\nbefore: {before}\nafter: {after}"
    )
    print("| build | wall s, median (min–max) | CPU s, median |\n|---|---|---|")
    for name in variants:
        walls = [w for w, _ in results[name]]
        print(
            f"| {name} | {med(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
            f"{med(c for _, c in results[name]):.2f} |"
        )
    pairs = list(zip(results["after"], results["before"], strict=True))
    wall_ratio = med(a / b for (a, _), (b, _) in pairs)
    cpu_ratio = med(a / b for (_, a), (_, b) in pairs)
    ok = wall_ratio <= 1.05
    print(
        f"after / before (median of per-round ratios): wall {wall_ratio:.3f}x, cpu {cpu_ratio:.3f}x "
        f"(target <= 1.05x) {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
