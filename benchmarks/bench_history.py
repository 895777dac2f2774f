"""Benchmark: history of every run file vs one plain ``git log -p`` over ``runs/``.

Builds (once, cached under ``benchmarks/out/``) a repository with ``git fast-import``:
the seed runbook as template, FILES run records with real front matter, each created in
one commit and then ticked in EDITS commits of 10-11 boxes each (the shape of a
release ticked pull request by pull request), with several authors, squash-style
``(#N)`` titles and the status set to ``success`` in the last commit. Then times, in interleaved rounds:

* ``baseline``: ``git log --format=... -p -- runs/ > /dev/null`` (one process);
* ``history``:  :func:`runbookgen.history.load_history` without its cache, in process
  (both git processes, parsing, events for every file).

Usage::

    .venv/bin/python benchmarks/bench_history.py [--files 1000] [--edits 20] [--rounds 5]
    .venv/bin/python benchmarks/bench_history.py --before ../before [--rounds 7]

Prints medians and the ratio (target: history <= 1.5x baseline). ``--before`` compares
this checkout with another one (a ``git worktree add --detach ../before REV``) side by
side: each round times the baseline and ``load_history`` with each checkout's ``src/``,
every measurement in a fresh process, in alternating order; it prints both ratios, the
ratio of the two, and the CPU of the Python process alone (without its git children).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = ROOT / "content" / "production-deployment.md"
PEOPLE = [
    ("Alice Ops", "alice@example.com"),
    ("Bob Dev", "bob@example.com"),
    ("Carol SRE", "carol@example.com"),
    ("Dan QA", "dan@example.com"),
    ("Eve Lead", "eve@example.com"),
]
BASELINE_FORMAT = "--format=%H%x09%an%x09%ae%x09%at%x09%s"


def runbook_names(runbooks: int) -> list[str]:
    """The runbooks of a generated repository: the seed's name, or one per service."""
    return ["production-deployment"] if runbooks == 1 else [f"service-{j:03d}" for j in range(runbooks)]


def generate(out: Path, nfiles: int, edits: int, runbooks: int = 1) -> None:
    """Write the fast-import stream for the benchmark repository into ``git fast-import``.

    With ``runbooks`` > 1 the runs are dealt to that many runbooks (copies of the seed,
    ``runs/service-NNN/``), as a platform team with many services keeps them: one directory
    of 10,000 runs would make git rewrite a 10,000-entry tree in each of 210,000 commits."""
    template = SEED.read_text(encoding="utf-8")
    ts = 1764576000  # 2025-12-01T08:00:00Z
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=out, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    w = proc.stdin.write

    def commit(files: dict[str, str], who: tuple[str, str], msg: str) -> None:
        nonlocal ts
        ts += 97
        m = msg.encode()
        w(b"commit refs/heads/main\n")
        w(f"author {who[0]} <{who[1]}> {ts} +0000\n".encode())
        w(f"committer {who[0]} <{who[1]}> {ts} +0000\n".encode())
        w(b"data %d\n%s\n" % (len(m), m))
        for path, content in files.items():
            data = content.encode()
            w(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))

    names = runbook_names(runbooks)
    commit(
        {
            **{f"content/{name}.md": template for name in names},
            "mkdocs.yml": "site_name: bench\ndocs_dir: content\nplugins:\n  - search\n",
        },
        PEOPLE[0],
        "Add the production deployment runbook" + ("s" if runbooks > 1 else ""),
    )
    pr = 100
    for i in range(1, nfiles + 1):
        release = f"v{i // 100}.{i % 100}.0"
        day = f"2026-{(i // 28) % 12 + 1:02d}-{i % 28 + 1:02d}"
        name = names[i % runbooks]
        path = f"runs/{name}/{day}-{release}-{i:04d}.md"
        front = (
            f"---\nrunbook: {name}\ntemplate_version: 2.0.0\n"
            f"template_digest: sha256:{'0' * 64}\nrelease: {release}\ndate: {day}\n"
            f'lead: "@{PEOPLE[i % 5][1].split("@")[0]}"\nstatus: in-progress\n---\n'
        )
        lines = (front + template.replace("**Last Updated**: [Date]", f"**Last Updated**: {day}")).split("\n")
        boxes = [j for j, line in enumerate(lines) if re.match(r"^\s*- \[ \] ", line)]
        pr += 1
        commit({path: "\n".join(lines)}, PEOPLE[i % 5], f"New run {release} (#{pr})")
        for k in range(edits):
            chunk = boxes[len(boxes) * k // edits : len(boxes) * (k + 1) // edits]
            for j in chunk:
                lines[j] = lines[j].replace("- [ ] ", "- [x] ", 1)
            if k == edits - 1:
                lines = [("status: success" if x == "status: in-progress" else x) for x in lines]
            pr += 1
            commit(
                {path: "\n".join(lines)},
                PEOPLE[(i + k) % 5],
                f"{path}: tick {len(chunk)} items (step {k + 1}/{edits}) (#{pr})",
            )
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def build_repo(nfiles: int, edits: int, runbooks: int = 1) -> Path:
    out = HERE / "out" / (f"history-{nfiles}x{edits}" + (f"-{runbooks}rb" if runbooks > 1 else ""))
    if (out / ".done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env_run = {"cwd": out, "check": True}
    subprocess.run(["git", "init", "-q", "-b", "main"], **env_run)
    t0 = time.perf_counter()
    generate(out, nfiles, edits, runbooks)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], **env_run)
    subprocess.run(["git", "gc", "-q"], **env_run)
    (out / ".done").write_text("ok\n")
    print(f"generated {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (robust to a busy machine)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_baseline(repo: Path) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), _cpu()
    with open(os.devnull, "wb") as null:
        subprocess.run(
            ["git", "log", BASELINE_FORMAT, "-p", "--", "runs/"], cwd=repo, stdout=null, check=True
        )
    return time.perf_counter() - t0, _cpu() - c0


def time_history(repo: Path) -> tuple[float, float, int, int]:
    from runbookgen.history import clear_cache, load_history
    from runbookgen.project import Project

    clear_cache()
    project = Project.from_root(repo)
    _ = project.field_labels  # template parse: part of any build, not of history
    t0, c0 = time.perf_counter(), _cpu()
    hist = load_history(project, use_cache=False)
    dt, dc = time.perf_counter() - t0, _cpu() - c0
    assert hist.available, hist.reason
    return dt, dc, len(hist.runs), sum(len(r.events) for r in hist.runs.values())


_CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from bench_history import time_baseline, time_history
from pathlib import Path
if sys.argv[2] == "baseline":
    print(json.dumps([*time_baseline(Path(sys.argv[3])), 0.0]))
else:
    own = resource.getrusage(resource.RUSAGE_SELF)
    dt, dc, runs, events = time_history(Path(sys.argv[3]))
    done = resource.getrusage(resource.RUSAGE_SELF)
    py = done.ru_utime + done.ru_stime - own.ru_utime - own.ru_stime
    print(json.dumps([dt, dc, py]))
"""


def _measure(what: str, src: Path | None, repo: Path) -> tuple[float, float, float]:
    """(wall, CPU with children, CPU of Python alone) of one measurement in a fresh process."""
    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(HERE), what, str(repo)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall, cpu, py = json.loads(out.strip().splitlines()[-1])
    return wall, cpu, py


def side_by_side(repo: Path, before: Path, rounds: int) -> None:
    """The A/B comparison of ``--before`` (see the module docstring)."""
    srcs = {"before": before.resolve() / "src", "after": ROOT / "src"}
    for src in srcs.values():
        if not (src / "runbookgen").is_dir():
            raise SystemExit(f"no runbookgen package under {src}")
    got: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "before": [], "after": []}
    _measure("baseline", None, repo)  # warm the page cache
    for r in range(rounds):
        order = ["before", "baseline", "after"] if r % 2 == 0 else ["after", "baseline", "before"]
        for name in order:
            got[name].append(_measure("baseline" if name == "baseline" else "history", srcs.get(name), repo))
    med = statistics.median
    print(f"repo: {repo}; {rounds} rounds; load average now {os.getloadavg()[0]:.1f}")
    for name, rows in got.items():
        print(
            f"{name:8}: wall median {med(r[0] for r in rows):.2f} s (min {min(r[0] for r in rows):.2f}); "
            f"cpu median {med(r[1] for r in rows):.2f} s"
            + (f"; python alone {med(r[2] for r in rows):.2f} s" if name != "baseline" else "")
        )
    for name in ("before", "after"):
        wall = med(h[0] / b[0] for h, b in zip(got[name], got["baseline"], strict=True))
        cpu = med(h[1] / b[1] for h, b in zip(got[name], got["baseline"], strict=True))
        print(f"{name} / baseline: wall {wall:.2f}x, cpu {cpu:.2f}x  (target <= 1.5x)")
    pairs = list(zip(got["before"], got["after"], strict=True))
    print(
        f"after / before: wall {med(a[0] / b[0] for b, a in pairs):.2f}x, cpu "
        f"{med(a[1] / b[1] for b, a in pairs):.2f}x, python alone {med(a[2] / b[2] for b, a in pairs):.3f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--before", type=Path, help="another checkout to compare with, side by side")
    args = ap.parse_args()
    repo = build_repo(args.files, args.edits)
    if args.before is not None:
        side_by_side(repo, args.before, args.rounds)
        return
    time_baseline(repo)  # warm the page cache
    time_history(repo)
    base, hist, base_cpu, hist_cpu = [], [], [], []
    runs = events = 0
    for r in range(args.rounds):
        order = ["b", "h"] if r % 2 == 0 else ["h", "b"]
        for what in order:
            if what == "b":
                dt, dc = time_baseline(repo)
                base.append(dt)
                base_cpu.append(dc)
            else:
                dt, dc, runs, events = time_history(repo)
                hist.append(dt)
                hist_cpu.append(dc)
    med = statistics.median
    ratio = med(h / b for h, b in zip(hist, base, strict=True))
    ratio_cpu = med(h / b for h, b in zip(hist_cpu, base_cpu, strict=True))
    print(
        f"repo: {repo} ({args.files} run files x {args.edits} tick commits; {runs} runs, "
        f"{events} events); {args.rounds} interleaved rounds; load average before: "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(
        f"baseline git log -p -- runs/: wall median {med(base):.2f} s (min {min(base):.2f}, "
        f"max {max(base):.2f}); cpu median {med(base_cpu):.2f} s"
    )
    print(
        f"history, all run files:       wall median {med(hist):.2f} s (min {min(hist):.2f}, "
        f"max {max(hist):.2f}); cpu median {med(hist_cpu):.2f} s"
    )
    print(
        f"ratio wall (median of per-round ratios): {ratio:.2f}x  (target <= 1.5x); "
        f"ratio cpu: {ratio_cpu:.2f}x"
    )


if __name__ == "__main__":
    main()
