"""Benchmark: the site build with runs in progress on unmerged run branches, against the
same build that ignores them.

Uses the repository of ``bench_history.py`` (FILES run records on main, each created in one
commit and ticked in EDITS commits; generated once with ``git fast-import``), cloned to
``benchmarks/out/branches-FILESxEDITS-BRANCHES`` and given BRANCHES run branches
``run/production-deployment/<date>-<release>``, each forked from main with a new run record
and EDITS tick commits by several authors (never merged). A material + search + runbookgen
``mkdocs.yml`` in two variants, then in interleaved rounds one whole ``mkdocs build``
process each, with the history cache removed first (a fresh CI checkout):

* ``without``: plugin option ``run_branches: false`` (main only, as before issue 15);
* ``with``: the default (``run/**``): main plus every run branch — BRANCHES more run
  pages, their history, the home page's runs in progress.

Usage::

    .venv/bin/python benchmarks/bench_branches.py [--files 1000] [--edits 20] [--branches 50] [--rounds 3]

Target: with / without <= 1.15 (median of per-round ratios).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_history import PEOPLE, SEED, build_repo  # noqa: E402

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
YML = """\
site_name: Branches bench
docs_dir: content
site_dir: {site_dir}
repo_url: https://github.com/example/ops
theme:
  name: material
  font: false
plugins:
  - search
  - runbookgen:
      run_branches: {branches}
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - pymdownx.tasklist:
      custom_checkbox: true
"""


def add_branches(repo: Path, branches: int, edits: int) -> None:
    """BRANCHES unmerged run branches from main's tip, each a new run and EDITS ticks."""
    template = SEED.read_text(encoding="utf-8")
    ts = 1798761600  # 2027-01-01T00:00:00Z, after every commit on main
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    w = proc.stdin.write
    for b in range(1, branches + 1):
        release = f"v9.{b}.0"
        day = f"2027-01-{b % 28 + 1:02d}"
        branch = f"run/production-deployment/{day}-{release}"
        path = f"runs/production-deployment/{day}-{release}.md"
        front = (
            f"---\nrunbook: production-deployment\ntemplate_version: 2.0.0\n"
            f"template_digest: sha256:{'0' * 64}\nrelease: {release}\ndate: {day}\n"
            f'lead: "@alice"\nstatus: in-progress\n---\n'
        )
        lines = (front + template).split("\n")
        boxes = [j for j, line in enumerate(lines) if re.match(r"^\s*- \[ \] ", line)]
        for k in range(edits + 1):
            if k:
                # ticks reach about three quarters of the run: it is still in progress
                chunk = boxes[len(boxes) * 3 * (k - 1) // (4 * edits) : len(boxes) * 3 * k // (4 * edits)]
                for j in chunk:
                    lines[j] = lines[j].replace("- [ ] ", "- [x] ", 1)
            who = PEOPLE[(b + k) % len(PEOPLE)]
            ts += 61
            msg = (f"Start run: production-deployment {release}" if k == 0 else f"Tick step {k}").encode()
            data = "\n".join(lines).encode()
            w(f"commit refs/heads/{branch}\n".encode())
            w(f"author {who[0]} <{who[1]}> {ts} +0000\ncommitter {who[0]} <{who[1]}> {ts} +0000\n".encode())
            w(b"data %d\n%s\n" % (len(msg), msg))
            if k == 0:
                w(b"from refs/heads/main^0\n")
            w(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def prepare(files: int, edits: int, branches: int) -> Path:
    source = build_repo(files, edits)
    out = HERE / "out" / f"branches-{files}x{edits}-{branches}"
    if not (out / ".done").exists():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", "--no-local", str(source), str(out)], check=True)
        add_branches(out, branches, edits)
        (out / ".done").write_text("ok\n")
    for name, value in (("with", '"run/**"'), ("without", "false")):
        (out / f"mkdocs-{name}.yml").write_text(YML.format(site_dir=f"site-{name}", branches=value), "utf-8")
    return out


def build(repo: Path, variant: str) -> tuple[float, float]:
    """One ``mkdocs build`` process: wall seconds and CPU seconds (process + workers + git)."""
    shutil.rmtree(repo / ".cache" / "runbookgen", ignore_errors=True)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / f"mkdocs-{variant}.yml")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{variant} build failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def check_site(repo: Path, branches: int) -> str:
    """The with-branches site really shows the branches' runs (else the timing means nothing)."""
    pages = list((repo / "site-with" / "runs" / "production-deployment").glob("2027-*/index.html"))
    home = (repo / "site-with" / "index.html").read_text(encoding="utf-8")
    shown = home.count("rbg-inflight-branch")
    if len(pages) != branches:
        raise SystemExit(f"expected {branches} in-flight run pages, found {len(pages)}")
    without = list((repo / "site-without" / "runs" / "production-deployment").glob("2027-*/index.html"))
    if without:
        raise SystemExit("the build without branches shows branch runs")
    return f"{len(pages)} in-flight run pages, {shown} branch links on the home page"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--branches", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    repo = prepare(args.files, args.edits, args.branches)
    variants = ["without", "with"]
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        for v in variants if r % 2 == 0 else list(reversed(variants)):
            wall, cpu = build(repo, v)
            results[v].append((wall, cpu))
            print(f"round {r + 1}: {v}: {wall:.2f} s wall, {cpu:.2f} s cpu", file=sys.stderr)
    shown = check_site(repo, args.branches)
    med = statistics.median
    print(
        f"repo: {repo} ({args.files} runs on main x {args.edits} tick commits, {args.branches} run "
        f"branches x {args.edits} tick commits), {args.rounds} rounds, load average now "
        f"{os.getloadavg()[0]:.1f}; {shown}"
    )
    print("| build | wall s, median (min–max) | CPU s, median |\n|---|---|---|")
    for v in variants:
        walls = [w for w, _ in results[v]]
        print(
            f"| {v} branches | {med(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
            f"{med(c for _, c in results[v]):.2f} |"
        )
    ratio = med(w / o for (w, _), (o, _) in zip(results["with"], results["without"], strict=True))
    ratio_cpu = med(w / o for (_, w), (_, o) in zip(results["with"], results["without"], strict=True))
    ok = ratio <= 1.15
    print(
        f"with / without (median of per-round ratios): wall {ratio:.2f}x, cpu {ratio_cpu:.2f}x "
        f"(target <= 1.15x) {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
