"""Speed, memory and size of the site build (the 10,000-run bounds of issue 13 item 11).

Generates runbook repositories with the given numbers of run records (copies of the seed
with a varying number of boxes ticked) and builds each with ``mkdocs build`` (material,
search, runbookgen). For comparison it also builds a *plain* mkdocs-material site of
``--plain-size`` of those run files kept out of the navigation (``nav: [index.md]``,
search on, the Python-Markdown task lists of ``pymdownx.tasklist``, as a plain Material
site sets them up).

Reported per site: build wall time (median of rounds) and CPU time, the largest process's
peak RSS (``wait4``, as ``/usr/bin/time -v`` reports it) and the peak PSS of the whole
process tree (build + worker processes, sampled from ``/proc``; see ``procmem.py``),
total site size, largest HTML page and ``search/search_index.json`` size. Targets:

- build time linear: the largest size ≤ 1.1 × (largest/smallest) × the smallest
  (≤ 11× for 100 → 1,000 and for 1,000 → 10,000);
- ≤ 1.3 × the plain mkdocs-material build of the same files out of the nav;
- at the largest size: search index ≤ 3 MB, no page above 1 MB, peak memory of the
  process tree ≤ 1.5 GB.

Rounds are interleaved (100, 1000, plain, 100, 1000, plain, …) so machine drift hits
every variant alike; builds never run at the same time. Usage::

    python benchmarks/bench_site.py [--sizes 100,1000] [--rounds 2] [--plain-size 1000] [--no-plain]
    python benchmarks/bench_site.py --sizes 1000,10000 --rounds 3 --no-plain   # issue 13, item 11
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import procmem

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "production-deployment.md"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
STATUSES = ("success", "success", "success", "partial", "rolled-back", "in-progress", "planned", "aborted")

RUNBOOKGEN_YML = """\
site_name: Runbook runs N={n}
docs_dir: content
theme:
  name: material
  font: false
plugins:
  - search
  - runbookgen
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - pymdownx.tasklist:
      custom_checkbox: true
"""

PLAIN_YML = """\
site_name: Plain runs N={n}
theme:
  name: material
  font: false
nav:
  - index.md
markdown_extensions:
  - pymdownx.tasklist:
      custom_checkbox: true
  - attr_list
  - md_in_html
  - toc
"""


def run_files(n: int) -> dict[str, str]:
    """``<date>-<release>.md`` → text: the seed under front matter, some boxes ticked."""
    body = SEED.read_text(encoding="utf-8")
    boxes = body.count("- [ ]")
    out = {}
    for i in range(n):
        year, month, day = 2024 + i // 336, (i // 28) % 12 + 1, i % 28 + 1
        date = f"{year}-{month:02d}-{day:02d}"
        release = f"v{i // 100 + 1}.{i // 10 % 10}.{i % 10}"
        status = STATUSES[i % len(STATUSES)]
        ticks = boxes if status == "success" else (i * 37) % boxes
        text = body.replace("- [ ]", "- [x]", ticks)
        fm = (
            f"---\nrunbook: production-deployment\ntemplate_version: 2.0.0\n"
            f"template_digest: sha256:0\nrelease: {release}\ndate: {date}\n"
            f"lead: '@engineer{i % 7}'\nstatus: {status}\n---\n"
        )
        out[f"{date}-{release}.md"] = fm + text
    return out


def make_runbookgen_site(path: Path, n: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    (path / "content").mkdir(parents=True)
    runs = path / "runs" / "production-deployment"
    runs.mkdir(parents=True)
    (path / "mkdocs.yml").write_text(RUNBOOKGEN_YML.format(n=n), encoding="utf-8")
    shutil.copy(SEED, path / "content" / "production-deployment.md")
    for name, text in run_files(n).items():
        (runs / name).write_text(text, encoding="utf-8")


def make_plain_site(path: Path, n: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    runs = path / "docs" / "runs"
    runs.mkdir(parents=True)
    (path / "mkdocs.yml").write_text(PLAIN_YML.format(n=n), encoding="utf-8")
    (path / "docs" / "index.md").write_text(f"# Runbook runs\n\n{n} run records.\n", encoding="utf-8")
    for name, text in run_files(n).items():
        (runs / name).write_text(text, encoding="utf-8")


def build(path: Path) -> dict[str, float]:
    """One whole-process ``mkdocs build``: wall and CPU seconds, peak memory."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(path / "mkdocs.yml")]
    res = procmem.run(cmd, env=ENV)
    if res.returncode:
        raise SystemExit(f"build of {path} failed:\n{res.stderr[-2000:]}")
    return {"wall": res.wall, "cpu": res.cpu, "rss_mib": res.max_rss_mib, "tree_mib": res.tree_pss_mib}


def sizes(site: Path) -> dict[str, float | str]:
    total, largest, largest_name = 0, 0, ""
    for p in site.rglob("*"):
        if p.is_file():
            size = p.stat().st_size
            total += size
            if p.suffix == ".html" and size > largest:
                largest, largest_name = size, p.relative_to(site).as_posix()
    index = site / "search" / "search_index.json"
    return {
        "site_mb": total / 1e6,
        "largest_kb": largest / 1e3,
        "largest_page": largest_name,
        "index_mb": index.stat().st_size / 1e6 if index.exists() else 0.0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "site")
    ap.add_argument("--plain-size", type=int, default=1000, help="files of the plain site")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain mkdocs-material comparison")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    ns = sorted(int(x) for x in args.sizes.split(","))
    variants: list[tuple[str, Path]] = []
    for n in ns:
        path = args.out / f"runbookgen-{n}"
        make_runbookgen_site(path, n)
        variants.append((f"runbookgen {n}", path))
    big, plain_n = max(ns), args.plain_size
    if not args.no_plain:
        path = args.out / f"plain-{plain_n}"
        make_plain_site(path, plain_n)
        variants.append((f"plain {plain_n}", path))
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in variants}
    for r in range(args.rounds):
        for name, path in variants:
            res = build(path)
            results[name].append(res)
            print(
                f"round {r + 1}: {name}: {res['wall']:.2f} s, cpu {res['cpu']:.2f} s, "
                f"largest process {res['rss_mib']:.0f} MiB, tree {res['tree_mib']:.0f} MiB "
                f"(load {os.getloadavg()[0]:.1f})",
                file=sys.stderr,
            )
    table = {}
    print(
        "\n| site | build s median (min–max) | CPU s median | peak RSS MiB (largest process) | "
        "peak PSS MiB (process tree) | site MB | largest page KB | search index MB |"
        "\n|---|---|---:|---:|---:|---:|---:|---:|"
    )
    for name, path in variants:
        walls = [x["wall"] for x in results[name]]
        s = sizes(path / "site")
        row = {
            "wall": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "cpu": statistics.median(x["cpu"] for x in results[name]),
            "rss_mib": max(x["rss_mib"] for x in results[name]),
            "tree_mib": max(x["tree_mib"] for x in results[name]),
            **s,
        }
        table[name] = row
        print(
            f"| {name} | {row['wall']:.2f} ({row['min']:.2f}–{row['max']:.2f}) | {row['cpu']:.1f} | "
            f"{row['rss_mib']:.0f} | {row['tree_mib']:.0f} | {row['site_mb']:.1f} | "
            f"{row['largest_kb']:.0f} ({row['largest_page']}) | {row['index_mb']:.2f} |"
        )
    ok = True

    def target(label: str, met: bool) -> None:
        nonlocal ok
        ok &= met
        print(f"{label} {'OK' if met else 'MISSED'}")

    print()
    if len(ns) > 1:
        small = min(ns)
        walls = {n: [x["wall"] for x in results[f"runbookgen {n}"]] for n in (small, big)}
        ratio = table[f"runbookgen {big}"]["wall"] / table[f"runbookgen {small}"]["wall"]
        per_round = [b / a for a, b in zip(walls[small], walls[big], strict=True)]
        cpu_ratio = table[f"runbookgen {big}"]["cpu"] / table[f"runbookgen {small}"]["cpu"]
        limit = 1.1 * big / small
        target(
            f"build {big} / {small} runs: {ratio:.2f}× (per round: "
            f"{', '.join(f'{x:.2f}' for x in per_round)}; CPU {cpu_ratio:.2f}×) (target ≤ {limit:.0f}×)",
            ratio <= limit,
        )
    if not args.no_plain and f"runbookgen {plain_n}" in table:
        ratio = table[f"runbookgen {plain_n}"]["wall"] / table[f"plain {plain_n}"]["wall"]
        target(f"runbookgen / plain mkdocs-material at {plain_n}: {ratio:.2f}× (target ≤ 1.3×)", ratio <= 1.3)
    top = table[f"runbookgen {big}"]
    target(f"search index at {big} runs: {top['index_mb']:.2f} MB (target ≤ 3 MB)", top["index_mb"] <= 3.0)
    target(
        f"largest page at {big} runs: {top['largest_kb']:.0f} KB, {top['largest_page']} (target ≤ 1 MB)",
        top["largest_kb"] <= 1000,
    )
    target(
        f"peak memory at {big} runs: process tree {top['tree_mib']:.0f} MiB, largest process "
        f"{top['rss_mib']:.0f} MiB (target ≤ 1.5 GB)",
        max(top["tree_mib"], top["rss_mib"]) <= 1500 * 1e6 / 2**20,
    )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
