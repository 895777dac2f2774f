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
  at the same commit, or ``serve``);
* ``next`` (``--next``): history on with the cache of the commit *before* HEAD, as a CI
  build finds it when ``actions/cache`` restored the previous build's cache
  (``.github/workflows/pages.yml``): only the newest commit is read from git and replayed
  on top of it.

Usage::

    .venv/bin/python benchmarks/bench_site_history.py [--files 1000] [--edits 20] [--rounds 2]
    .venv/bin/python benchmarks/bench_site_history.py --files 10000 --edits 5 --runbooks 50 --rounds 1

``--before DIR`` compares this checkout with another one (``git worktree add --detach
../before REV``) side by side: each round builds without and with history with both
trees' ``src/`` (``PYTHONPATH``), alternating the order, and prints each tree's ratio.

``--runbooks K`` deals the runs to K runbooks (``runs/service-NNN/``), as a platform team
with many services keeps them (see ``bench_history.generate``).

Target: with / without <= 1.3 (median of per-round ratios). Also printed: the peak memory
of the largest process and of the process tree (``procmem.py``), the largest page and the
search index of the build with history.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import procmem  # noqa: E402
from bench_history import build_repo  # noqa: E402
from bench_site import sizes  # noqa: E402

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
# reads a repository's history and writes its cache (.cache/runbookgen/history.json)
LOAD = (
    "from runbookgen.project import Project; from runbookgen.history import load_history; import sys; "
    "h = load_history(Project.from_root(sys.argv[1])); assert h.available, h.reason"
)
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


def prepare(files: int, edits: int, runbooks: int = 1) -> Path:
    source = build_repo(files, edits, runbooks)
    out = HERE / "out" / f"site-{source.name}"
    if not (out / ".git").is_dir():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(source), str(out)], check=True)
    for name, history in (("with", "true"), ("without", "false")):
        (out / f"mkdocs-{name}.yml").write_text(
            YML.format(site_dir=f"site-{name}", history=history), encoding="utf-8"
        )
    return out


def build(repo: Path, variant: str, src: Path | None = None) -> procmem.Measured:
    """One ``mkdocs build`` process: wall and CPU seconds (process + workers + git), memory;
    ``src``: the runbookgen sources to build with (default: the installed package)."""
    config = "without" if variant == "without" else "with"
    if variant in ("with", "next"):
        shutil.rmtree(repo / ".cache" / "runbookgen", ignore_errors=True)
    if variant == "next":
        (repo / ".cache" / "runbookgen").mkdir(parents=True)
        shutil.copy(previous_cache(repo), repo / ".cache" / "runbookgen" / "history.json")
    if variant == "warm" and not (repo / ".cache" / "runbookgen" / "history.json").is_file():
        # the cache of HEAD, as a previous build at the same commit leaves it (not timed)
        subprocess.run([sys.executable, "-c", LOAD, str(repo)], check=True, env=ENV)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / f"mkdocs-{config}.yml")]
    res = procmem.run(cmd, env=ENV if src is None else {**ENV, "PYTHONPATH": str(src)})
    if res.returncode:
        raise SystemExit(f"{variant} build failed:\n{res.stderr[-2000:]}")
    return res


def previous_cache(repo: Path) -> Path:
    """The history cache as a build of HEAD~1 writes it (made once, in a worktree)."""
    out = HERE / "out" / f"{repo.name}-prev-history.json"
    if out.is_file():
        return out
    tree = HERE / "out" / f"{repo.name}-prev"
    shutil.rmtree(tree, ignore_errors=True)
    git = ["git", "-C", str(repo), "worktree"]
    subprocess.run([*git, "prune"], check=True)
    subprocess.run([*git, "add", "-q", "--detach", str(tree), "HEAD~1"], check=True)
    try:
        shutil.copy(repo / "mkdocs-with.yml", tree / "mkdocs.yml")
        subprocess.run([sys.executable, "-c", LOAD, str(tree)], check=True, env=ENV)
        shutil.copy(tree / ".cache" / "runbookgen" / "history.json", out)
    finally:
        subprocess.run([*git, "remove", "--force", str(tree)], check=True)
    return out


def side_by_side(repo: Path, before: Path, rounds: int) -> int:
    """The A/B comparison of ``--before`` (see the module docstring)."""
    srcs = {"before": before.resolve() / "src", "after": HERE.parent / "src"}
    for src in srcs.values():
        if not (src / "runbookgen").is_dir():
            raise SystemExit(f"no runbookgen package under {src}")
    runs = [(t, v) for t in srcs for v in ("without", "with")]
    got: dict[tuple[str, str], list[tuple[float, float]]] = {k: [] for k in runs}
    for r in range(rounds):
        for tree, variant in runs if r % 2 == 0 else runs[::-1]:
            res = build(repo, variant, srcs[tree])
            got[tree, variant].append((res.wall, res.cpu))
            print(
                f"round {r + 1}: {tree} {variant}: {res.wall:.2f} s wall, {res.cpu:.2f} s cpu "
                f"(load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
            )
    med = statistics.median
    print(f"repo: {repo}; {rounds} rounds; load average now {os.getloadavg()[0]:.1f}")
    print(
        "| code | without history, s | with history (cold), s | ratio wall, median (per round) | "
        "ratio CPU |\n|---|---|---|---|---|"
    )
    for tree in srcs:
        off, on = got[tree, "without"], got[tree, "with"]
        walls = [w / o for (w, _), (o, _) in zip(on, off, strict=True)]
        cpus = [w / o for (_, w), (_, o) in zip(on, off, strict=True)]
        print(
            f"| {tree} | {_spread([w for w, _ in off])} | {_spread([w for w, _ in on])} "
            f"| {med(walls):.2f}× ({', '.join(f'{x:.2f}' for x in walls)}) | {med(cpus):.2f}× |"
        )
    return 0


def _spread(values: list[float]) -> str:
    """``median (min–max)``."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runbooks", type=int, default=1, help="runbooks the runs are dealt to")
    ap.add_argument("--warm", action="store_true", help="also time a build with the history cache")
    ap.add_argument(
        "--next", action="store_true", help="also time a build with the cache of the commit before HEAD"
    )
    ap.add_argument("--before", type=Path, help="another checkout to compare with, side by side")
    args = ap.parse_args()
    repo = prepare(args.files, args.edits, args.runbooks)
    if args.before is not None:
        return side_by_side(repo, args.before, args.rounds)
    variants = ["without", "with"] + (["next"] if args.next else []) + (["warm"] if args.warm else [])
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    memory: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        order = (
            variants
            if r % 2 == 0
            else [v for v in reversed(variants) if v != "warm"] + (["warm"] if args.warm else [])
        )
        for v in order:
            res = build(repo, v)
            results[v].append((res.wall, res.cpu))
            memory[v].append((res.max_rss_mib, res.tree_pss_mib))
            print(
                f"round {r + 1}: {v}: {res.wall:.2f} s wall, {res.cpu:.2f} s cpu, largest process "
                f"{res.max_rss_mib:.0f} MiB, tree {res.tree_pss_mib:.0f} MiB (load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
            )
    med = statistics.median
    print(
        f"repo: {repo} ({args.files} run files x {args.edits} tick commits), {args.rounds} rounds, "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print(
        "| build | wall s, median (min–max) | CPU s, median | peak RSS MiB (largest process) | "
        "peak PSS MiB (process tree) |\n|---|---|---|---:|---:|"
    )
    for v in variants:
        walls = [w for w, _ in results[v]]
        print(
            f"| {v} history | {med(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
            f"{med(c for _, c in results[v]):.2f} | {max(m for m, _ in memory[v]):.0f} | "
            f"{max(t for _, t in memory[v]):.0f} |"
        )
    s = sizes(repo / "site-with")
    print(
        f"site with history: {s['site_mb']:.0f} MB, largest page {s['largest_kb']:.0f} KB "
        f"({s['largest_page']}), search index {s['index_mb']:.2f} MB"
    )
    ratio = med(w / o for (w, _), (o, _) in zip(results["with"], results["without"], strict=True))
    ratio_cpu = med(w / o for (_, w), (_, o) in zip(results["with"], results["without"], strict=True))
    ok = ratio <= 1.3
    print(
        f"with / without (median of per-round ratios): wall {ratio:.2f}x, cpu {ratio_cpu:.2f}x "
        f"(target <= 1.3x) {'OK' if ok else 'MISSED'}"
    )
    for v in ("next", "warm"):
        if v in variants:
            r = med(w / o for (w, _), (o, _) in zip(results[v], results["without"], strict=True))
            rc = med(w / o for (_, w), (_, o) in zip(results[v], results["without"], strict=True))
            print(f"{v} / without (median of per-round ratios): wall {r:.2f}x, cpu {rc:.2f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
