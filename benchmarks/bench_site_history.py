"""Benchmark: the site build with git history against the same build without it.

Uses the repository of ``bench_history.py`` (FILES run records, each created in one commit
and ticked in EDITS commits; generated once with ``git fast-import`` and cached under
``benchmarks/out/``), cloned locally to ``benchmarks/out/site-history-FILESxEDITS`` with a
material + search + runbookgen ``mkdocs.yml``. Then, in interleaved rounds, one whole
``mkdocs build`` process each:

* ``without``: plugin option ``history: false`` (no git is read);
* ``with``: the default, history on, *cold*: the on-disk history cache
  (``.cache/runbookgen/``) is deleted first, as in a fresh CI checkout;
* ``warm`` (``--warm``): history on with the cache of the previous build (a second build
  at the same commit, or ``serve``).

Usage::

    .venv/bin/python benchmarks/bench_site_history.py [--files 1000] [--edits 20] [--rounds 2]

Target: with / without <= 1.3 (median of per-round ratios).
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
sys.path.insert(0, str(HERE))

from bench_history import build_repo  # noqa: E402

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
YML = """\
site_name: Site history bench
docs_dir: content
site_dir: {site_dir}
repo_url: https://github.com/example/ops
theme:
  name: material
  font: false
plugins:
  - search
  - runbookgen:
      history: {history}
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - pymdownx.tasklist:
      custom_checkbox: true
"""


def prepare(files: int, edits: int) -> Path:
    source = build_repo(files, edits)
    out = HERE / "out" / f"site-history-{files}x{edits}"
    if not (out / ".git").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(source), str(out)], check=True)
    for name, history in (("with", "true"), ("without", "false")):
        (out / f"mkdocs-{name}.yml").write_text(
            YML.format(site_dir=f"site-{name}", history=history), encoding="utf-8"
        )
    return out


def build(repo: Path, variant: str) -> tuple[float, float]:
    """One ``mkdocs build`` process: wall seconds and CPU seconds (process + workers + git)."""
    config = "with" if variant in ("with", "warm") else "without"
    if variant == "with":
        shutil.rmtree(repo / ".cache" / "runbookgen", ignore_errors=True)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / f"mkdocs-{config}.yml")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{variant} build failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warm", action="store_true", help="also time a build with the history cache")
    args = ap.parse_args()
    repo = prepare(args.files, args.edits)
    variants = ["without", "with"] + (["warm"] if args.warm else [])
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        order = (
            variants
            if r % 2 == 0
            else [v for v in reversed(variants) if v != "warm"] + (["warm"] if args.warm else [])
        )
        for v in order:
            wall, cpu = build(repo, v)
            results[v].append((wall, cpu))
            print(f"round {r + 1}: {v}: {wall:.2f} s wall, {cpu:.2f} s cpu", file=sys.stderr)
    med = statistics.median
    print(
        f"repo: {repo} ({args.files} run files x {args.edits} tick commits), {args.rounds} rounds, "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print("| build | wall s, median (min–max) | CPU s, median |\n|---|---|---|")
    for v in variants:
        walls = [w for w, _ in results[v]]
        print(
            f"| {v} history | {med(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
            f"{med(c for _, c in results[v]):.2f} |"
        )
    ratio = med(w / o for (w, _), (o, _) in zip(results["with"], results["without"], strict=True))
    ratio_cpu = med(w / o for (_, w), (_, o) in zip(results["with"], results["without"], strict=True))
    ok = ratio <= 1.3
    print(
        f"with / without (median of per-round ratios): wall {ratio:.2f}x, cpu {ratio_cpu:.2f}x "
        f"(target <= 1.3x) {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
