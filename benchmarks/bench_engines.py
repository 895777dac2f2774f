"""The runbookgen site on each engine, side by side with that engine's plain build (issue 11).

For every engine (MkDocs, ProperDocs, Zensical) and size (100 and 1,000 run records, the
seed checklist with a varying number of boxes ticked — the generator of
``bench_site.py``) it times two builds of the same run files:

- **runbookgen**: ``runbookgen build -q --engine E`` on a runbook repository
  (``content/`` + ``runs/``; all of runbookgen's work — reading and rendering every
  run — is inside the timed process);
- **plain**: the engine's own ``build`` of a site holding the same run files as ordinary
  Markdown pages (``docs/runs/``), kept out of the navigation (``nav: [index.md]``),
  search on, ``pymdownx.tasklist``.

Zensical keeps a cache in ``.cache/``; it is deleted before every build, so each build
is cold, as in CI. Rounds are interleaved (every variant once per round) so machine drift
hits them alike; medians are reported. Targets: Zensical runbookgen/plain at 1,000 runs
≤ 0.6×; MkDocs and ProperDocs ≤ 1.3× (the site build's target in bench_site.py).

With ``--before CHECKOUT`` (another git worktree, e.g. ``git worktree add --detach
../before main``) every round also builds the runbookgen site with that checkout's
``src/`` first on ``PYTHONPATH`` (same virtual environment, same engines: only runbookgen
differs), and the table gains its ratio to the plain build and the median of the
per-round ratios after/before.

Usage::

    python benchmarks/bench_engines.py [--engines mkdocs,properdocs,zensical]
        [--sizes 100,1000] [--rounds 2] [--before ../before] [--out benchmarks/out/engines]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_site import make_plain_site, make_runbookgen_site

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
TARGETS = {"mkdocs": 1.3, "properdocs": 1.3, "zensical": 0.6}
PACKAGES = (
    "runbookgen",
    "mkdocs",
    "properdocs",
    "zensical",
    "mkdocs-material",
    "markdown",
    "pymdown-extensions",
)


def command(engine: str, kind: str) -> list[str]:
    if kind.startswith("runbookgen"):
        return [sys.executable, "-m", "runbookgen", "build", "-q", "--engine", engine]
    if engine == "zensical":
        return [sys.executable, "-m", "zensical", "build"]
    return [sys.executable, "-m", engine, "build", "-q"]


def build(engine: str, kind: str, path: Path, src: Path | None = None) -> dict[str, float]:
    """One whole-process build, cold: wall seconds and peak RSS (the process and its children).
    ``src``: import runbookgen from there (another checkout's ``src/``)."""
    shutil.rmtree(path / ".cache", ignore_errors=True)
    shutil.rmtree(path / "site", ignore_errors=True)
    env = ENV if src is None else {**ENV, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command(engine, kind), cwd=path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{engine} {kind} build of {path} failed:\n{err.decode(errors='replace')[-2000:]}")
    if not (path / "site" / "index.html").is_file():
        raise SystemExit(f"{engine} {kind} build of {path} wrote no site")
    # every run has its page (a fast build that skipped runs would be no result)
    sources = (
        list((path / "runs").rglob("*.md"))
        if kind != "plain"
        else list((path / "docs" / "runs").glob("*.md"))
    )
    pages = list((path / "site" / "runs").rglob("index.html"))
    if len(pages) < len([p for p in sources if p.name != "README.md"]):
        raise SystemExit(
            f"{engine} {kind} build of {path}: {len(pages)} run pages for {len(sources)} run files"
        )
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024}


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="mkdocs,properdocs,zensical")
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "engines")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--before", type=Path, help="another checkout to build the runbookgen site with too")
    args = ap.parse_args()
    engines = args.engines.split(",")
    sizes = [int(x) for x in args.sizes.split(",")]
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()), file=sys.stderr)

    variants: list[tuple[str, str, int, Path]] = []
    for n in sizes:
        site = args.out / f"runbookgen-{n}"
        plain = args.out / f"plain-{n}"
        make_runbookgen_site(site, n)
        make_plain_site(plain, n)
        for engine in engines:
            variants += [(engine, "runbookgen", n, site), (engine, "plain", n, plain)]
            if args.before is not None:
                variants.append((engine, "runbookgen-before", n, site))
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {v[:3]: [] for v in variants}
    for r in range(args.rounds):
        for engine, kind, n, path in variants:
            src = args.before.resolve() / "src" if kind == "runbookgen-before" else None
            res = build(engine, kind, path, src)
            results[(engine, kind, n)].append(res)
            load = os.getloadavg()[0]
            print(
                f"round {r + 1}: {engine} {kind} {n}: {res['wall']:.2f} s, {res['rss_mib']:.0f} MiB "
                f"(load {load:.1f})",
                file=sys.stderr,
            )

    print(
        "\n| engine | runs | runbookgen s, median (min–max) | plain s, median (min–max) | ratio | RSS MiB |"
    )
    print("|---|---:|---|---|---:|---|")
    table: dict[str, dict[str, float]] = {}
    befores: list[str] = []
    ok = True
    for engine in engines:
        for n in sizes:
            row: dict[str, float] = {}
            for kind in ("runbookgen", "plain"):
                walls = [x["wall"] for x in results[(engine, kind, n)]]
                row[kind] = statistics.median(walls)
                row[f"{kind}_min"], row[f"{kind}_max"] = min(walls), max(walls)
                row[f"{kind}_rss"] = max(x["rss_mib"] for x in results[(engine, kind, n)])
            row["ratio"] = row["runbookgen"] / row["plain"]
            table[f"{engine} {n}"] = row
            print(
                f"| {engine} | {n:,} | {row['runbookgen']:.2f} ({row['runbookgen_min']:.2f}–"
                f"{row['runbookgen_max']:.2f}) | {row['plain']:.2f} ({row['plain_min']:.2f}–"
                f"{row['plain_max']:.2f}) | {row['ratio']:.2f}× | {row['runbookgen_rss']:.0f} / "
                f"{row['plain_rss']:.0f} |"
            )
            if args.before is not None:
                before = [x["wall"] for x in results[(engine, "runbookgen-before", n)]]
                after = [x["wall"] for x in results[(engine, "runbookgen", n)]]
                plain_walls = [x["wall"] for x in results[(engine, "plain", n)]]
                row["before"] = statistics.median(before)
                row["before_ratio"] = row["before"] / row["plain"]
                rounds = zip(after, before, plain_walls, strict=True)
                per_round = [(a / p, b / p, a / b) for a, b, p in rounds]
                row["after_over_before"] = statistics.median(r[2] for r in per_round)
                befores.append(
                    f"| {engine} | {n:,} | {row['before']:.2f} ({min(before):.2f}–{max(before):.2f}) | "
                    f"{row['before_ratio']:.2f}× | {row['after_over_before']:.2f}× | "
                    + ", ".join(f"{a:.2f}/{b:.2f}" for a, b, _ in per_round)
                    + " |"
                )
    if befores:
        print(
            f"\n| engine | runs | before ({args.before}) s, median (min–max) | before/plain | "
            "after/before, median per round | per round: after/plain, before/plain |"
        )
        print("|---|---:|---|---:|---:|---|")
        print("\n".join(befores))
    print()
    big = max(sizes)
    for engine in engines:
        ratio = table[f"{engine} {big}"]["ratio"]
        target = TARGETS[engine]
        ok &= ratio <= target
        print(
            f"{engine}: runbookgen / plain at {big:,} runs: {ratio:.2f}× (target ≤ {target}×) "
            f"{'OK' if ratio <= target else 'MISSED'}"
        )
    if args.json:
        args.json.write_text(json.dumps({"versions": versions(), "table": table}, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
