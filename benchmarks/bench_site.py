"""Speed and size of the site build (issue 4, item 10).

Generates runbook repositories with 100 and 1,000 run records (copies of the seed with
a varying number of boxes ticked) and builds each with ``mkdocs build`` (material,
search, runbookgen). For comparison it also builds a *plain* mkdocs-material site of the
same 1,000 run files kept out of the navigation (``nav: [index.md]``, search on, the
Python-Markdown task-list setup from the performance baseline).

Reported per site: build wall time (median of rounds), peak RSS of the build process,
total site size, largest HTML page and ``search/search_index.json`` size. Targets:

- build time at 1,000 runs ≤ 11 × that at 100 runs (linear);
- ≤ 1.3 × the plain mkdocs-material build of the same 1,000 files out of the nav;
- search index < 3 MB at 1,000 runs.

Rounds are interleaved (100, 1000, plain, 100, 1000, plain, …) so machine drift hits
every variant alike. Usage::

    python benchmarks/bench_site.py [--sizes 100,1000] [--rounds 2] [--out benchmarks/out/site]
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
from pathlib import Path

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
    """One whole-process ``mkdocs build``: wall seconds and the process's peak RSS."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(path / "mkdocs.yml")]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"build of {path} failed:\n{err.decode(errors='replace')[-2000:]}")
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024}


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
    ap.add_argument("--no-plain", action="store_true", help="skip the plain mkdocs-material comparison")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    ns = [int(x) for x in args.sizes.split(",")]
    variants: list[tuple[str, Path]] = []
    for n in ns:
        path = args.out / f"runbookgen-{n}"
        make_runbookgen_site(path, n)
        variants.append((f"runbookgen {n}", path))
    big = max(ns)
    if not args.no_plain:
        path = args.out / f"plain-{big}"
        make_plain_site(path, big)
        variants.append((f"plain {big}", path))
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in variants}
    for r in range(args.rounds):
        for name, path in variants:
            res = build(path)
            results[name].append(res)
            print(f"round {r + 1}: {name}: {res['wall']:.2f} s, {res['rss_mib']:.0f} MiB", file=sys.stderr)
    table = {}
    print(
        "\n| site | build s median (min–max) | peak RSS MiB | site MB | largest page KB | "
        "search index MB |\n|---|---|---:|---:|---:|---:|"
    )
    for name, path in variants:
        walls = [x["wall"] for x in results[name]]
        s = sizes(path / "site")
        row = {
            "wall": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "rss_mib": max(x["rss_mib"] for x in results[name]),
            **s,
        }
        table[name] = row
        print(
            f"| {name} | {row['wall']:.2f} ({row['min']:.2f}–{row['max']:.2f}) | {row['rss_mib']:.0f} | "
            f"{row['site_mb']:.1f} | {row['largest_kb']:.0f} ({row['largest_page']}) | "
            f"{row['index_mb']:.2f} |"
        )
    ok = True
    print()
    if len(ns) > 1:
        small = min(ns)
        ratio = table[f"runbookgen {big}"]["wall"] / table[f"runbookgen {small}"]["wall"]
        limit = 1.1 * big / small
        ok &= ratio <= limit
        print(
            f"build {big} / {small} runs: {ratio:.2f}× (target ≤ {limit:.0f}×) "
            f"{'OK' if ratio <= limit else 'MISSED'}"
        )
    if not args.no_plain:
        ratio = table[f"runbookgen {big}"]["wall"] / table[f"plain {big}"]["wall"]
        ok &= ratio <= 1.3
        print(
            f"runbookgen / plain mkdocs-material at {big}: {ratio:.2f}× (target ≤ 1.3×) "
            f"{'OK' if ratio <= 1.3 else 'MISSED'}"
        )
    index_mb = table[f"runbookgen {big}"]["index_mb"]
    ok &= index_mb < 3.0
    print(
        f"search index at {big} runs: {index_mb:.2f} MB (target < 3 MB) {'OK' if index_mb < 3 else 'MISSED'}"
    )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
