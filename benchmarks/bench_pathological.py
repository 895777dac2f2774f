"""Pathological lines (issue 13, item 5): no crafted line makes runbookgen super-linear.

Run records come from pull requests, so a single line may be built to make a regular
expression backtrack: 20,000 digits after ``**Time Estimate**:``, ``- [ ]`` and 20,000
letters before a blank, 20,000 ``[``, a status value full of spaces, ... Each *shape*
below is the worst input for one pattern (named in ``target``) that reads run records.

For every shape and size (20 KB and 200 KB by default) the script writes a run record
(the seed runbook's fresh run plus the crafted line) and a *normal* run record of the same
size (the same run plus ordinary prose lines), and times, side by side in interleaved
rounds (medians):

* ``parse``   — ``runbookgen.loads`` of the file's text;
* ``check``   — ``check_paths`` on the file in a project with the seed as its template
  (front matter, drift, gating, status and sign-off rules);
* ``history`` — a cold ``load_history`` (no cache) of a repository where the crafted
  version was committed and then replaced by an ordinary one, so only git's past holds it;
* ``build``   — a real ``mkdocs build`` (material, search, runbookgen) of a site holding
  every crafted record of one size, against the same site with the normal records
  (``--build per-shape`` builds each shape on its own, slower).

It prints the ratio crafted / normal for each; the target is ≤ 2× everywhere. Usage::

    python benchmarks/bench_pathological.py                 # 20 KB and 200 KB, 5 rounds
    python benchmarks/bench_pathological.py --sizes 20000 --rounds 3 --build none
    python benchmarks/bench_pathological.py --only estimate-digits,task-blank
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
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
    "NO_MKDOCS_2_WARNING": "1",
}
MKDOCS_YML = """\
site_name: Pathological lines
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
  - pymdownx.tasklist:
      custom_checkbox: true
"""
TARGET = 2.0


@dataclass(frozen=True)
class Shape:
    name: str
    target: str  # the pattern (or parser rule) the shape attacks
    make: Callable[[int], str]  # n characters of payload -> the crafted line(s)
    where: str = "body"  # "body": a line of the run's body; "status": the status value


def _rep(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


SHAPES = [
    Shape("estimate-digits", "fields: time estimate number", lambda n: "**Time Estimate**: " + "1" * n),
    Shape(
        "estimate-spaces", "fields: estimate range blanks", lambda n: "**Time Estimate**: 1" + " " * n + "x"
    ),
    Shape("estimate-range", "fields: estimate range", lambda n: "**Time Estimate**: " + _rep("1 - ", n)),
    Shape("label-line-spaces", "fields: **Label**: value", lambda n: "**Owner**: a" + " " * n + "b"),
    Shape("label-line-stars", "fields: **Label** bold", lambda n: "**" + _rep("a*", n)),
    Shape("task-blank", "fields: Label: ____ labels", lambda n: "- [ ] " + "a" * n + " ___"),
    Shape("task-colons", "fields: Label: ____ labels", lambda n: "- [ ] " + _rep("a :", n) + " ___"),
    Shape("task-spaces-blank", "fields: blanks after a colon", lambda n: "- [ ] a:" + " " * n + "x ___"),
    Shape("choice-spaces", "fields: choice options", lambda n: "**Status**: [ ] a" + " " * n + "b [ ] c"),
    Shape("choice-boxes", "fields: choice options", lambda n: "**Status**: " + _rep("[ ] a [", n)),
    Shape("brackets", "markdown-it reference/link labels", lambda n: "[" * n),
    Shape("task-brackets", "text.strip_markup links", lambda n: "- [ ] " + "[" * n),
    Shape("task-link-opens", "text.strip_markup link targets", lambda n: "- [ ] " + _rep("[a](", n)),
    Shape("task-tags", "text.strip_markup tags", lambda n: "- [ ] " + "<" * n),
    Shape("task-stars", "text.strip_markup emphasis, inline render", lambda n: "- [ ] " + _rep("*a", n)),
    Shape("task-underscores", "inline emphasis", lambda n: "- [ ] " + _rep("_a", n)),
    Shape("task-backticks", "inline code spans", lambda n: "- [ ] " + _rep("`a", n)),
    Shape("task-entities", "inline entities", lambda n: "- [ ] " + _rep("&#", n)),
    Shape("task-autolinks", "inline autolinks", lambda n: "- [ ] " + _rep("<a:", n)),
    Shape("task-strike", "grammar: ~~struck~~", lambda n: "- [x] ~~" + _rep("a~", n)),
    Shape("task-na-spaces", "grammar: n/a reason", lambda n: "- [x] ~~a~~ n/a" + " " * n + "x"),
    Shape("task-optional", "grammar: (if needed)", lambda n: "- [ ] a " + _rep("(if ", n)),
    Shape("task-mentions", "owners: @mentions", lambda n: "- [ ] " + _rep("@a-", n)),
    Shape("task-urls", "owners: URLs", lambda n: "- [ ] " + _rep("a://", n)),
    Shape("heading-spaces", "kinds: trailing (…)", lambda n: "## a" + " " * n + "b)"),
    Shape("heading-parens", "kinds: trailing (…)", lambda n: "## a " + "(" * n + ")"),
    Shape("intro-rollback", "kinds: section introduction", lambda n: "Initiate" + " " * n + "rollback"),
    Shape(
        "table-pipes", "markdown-it tables", lambda n: "| " + _rep("a |", n // 2) + "\n|" + _rep("-|", n // 2)
    ),
    Shape("html-attributes", "markdown-it HTML blocks", lambda n: "<a" + _rep(" b=c", n)),
    Shape("quotes", "markdown-it block quotes", lambda n: ">" * min(n, 5000) + " x"),
    Shape("status-spaces", "history: status line; check: status", lambda n: "a" + " " * n + "b", "status"),
    Shape("status-words", "front matter YAML scanner", lambda n: _rep("a ", n), "status"),
    Shape("status-colons", "front matter YAML scanner", lambda n: _rep(": ", n), "status"),
]


# ---------------------------------------------------------------------------- files
def fresh_run(project: object) -> str:
    from runbookgen.records.newrun import render_run

    return render_run(project, "production-deployment", "v1.0.0", date(2026, 12, 1), "@bench")  # type: ignore[arg-type]


def crafted(base: str, shape: Shape, size: int) -> str:
    """The run with the shape's payload, about ``size`` bytes in all."""
    room = max(100, size - len(base.encode()))
    payload = shape.make(room)
    if shape.where == "status":
        value = payload.replace("\\", "\\\\").replace('"', '\\"')
        return base.replace("status: planned", f'status: "{value}"', 1)
    return base.rstrip("\n") + "\n\n## Notes\n\n" + payload + "\n"


def normal(base: str, size: int, word: str = "next") -> str:
    """The run plus ordinary prose of the same size: paragraphs of 70-character lines."""
    line = f"The deployment went as planned and the dashboards stayed green; {word}."
    room = max(100, size - len(base.encode()))
    lines, used = [], 0
    while used < room:
        lines.append("" if len(lines) % 6 == 5 else line)
        used += len(lines[-1]) + 1
    return base.rstrip("\n") + "\n\n## Notes\n\n" + "\n".join(lines) + "\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True)


def make_project(root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "runs" / "production-deployment").mkdir(parents=True)
    shutil.copy(SEED, root / "content" / SEED.name)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")


RUN = "runs/production-deployment/2026-12-01-v1.0.0.md"


# ---------------------------------------------------------------------------- timing
def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def pair(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[float, float, float]:
    """(median a, median b, median of per-round a/b), rounds interleaved a, b, b, a, ..."""
    ta: list[float] = []
    tb: list[float] = []
    for r in range(rounds):
        if r % 2:
            tb.append(timed(b))
            ta.append(timed(a))
        else:
            ta.append(timed(a))
            tb.append(timed(b))
    return (
        statistics.median(ta),
        statistics.median(tb),
        statistics.median(x / y for x, y in zip(ta, tb, strict=True)),
    )


def parse_case(text: str) -> Callable[[], object]:
    import runbookgen
    from runbookgen.errors import RunbookgenError

    def run() -> object:
        try:
            return runbookgen.loads(text)
        except RunbookgenError as exc:  # refusing (e.g. too deeply nested) counts, if quick
            return exc

    return run


def check_case(root: Path) -> Callable[[], object]:
    from runbookgen.check.rules import check_paths
    from runbookgen.markdown.reuse import CACHE
    from runbookgen.project import Project

    def run() -> object:
        # as a fresh `runbookgen check` process: no structure kept from an earlier round
        # (markdown/reuse.py would derive the repeated normal record from its first parse)
        CACHE.clear()
        project = Project.discover(root)
        return check_paths([root / RUN], project)

    return run


def history_case(root: Path) -> Callable[[], object]:
    from runbookgen.history import load_history
    from runbookgen.project import Project

    def run() -> object:
        shutil.rmtree(root / ".cache", ignore_errors=True)
        hist = load_history(Project.discover(root), use_cache=False)
        assert hist.available, hist
        return hist

    return run


def history_repo(root: Path, past: str, now: str) -> None:
    """A repository whose run record was ``past`` in one commit and is ``now`` at HEAD."""
    make_project(root)
    git(root, "init", "-q", "-b", "main")
    (root / RUN).write_text(past, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "crafted")
    (root / RUN).write_text(now, encoding="utf-8")
    git(root, "commit", "-qam", "ordinary")


def build_case(root: Path) -> Callable[[], object]:
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml")]

    def run() -> object:
        proc = subprocess.run(cmd, cwd=root, env=ENV, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"mkdocs build failed in {root}:\n{proc.stderr[-2000:]}")
        return proc

    return run


# ---------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20000,200000", help="record sizes in bytes (default 20000,200000)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per measurement (default 5)")
    ap.add_argument("--only", default="", help="comma-separated shape names")
    ap.add_argument(
        "--paths",
        default="parse,check,history",
        help="in-process paths to time (default parse,check,history)",
    )
    ap.add_argument("--build", choices=("combined", "per-shape", "none"), default="combined")
    ap.add_argument("--build-rounds", type=int, default=3, help="rounds of mkdocs build (default 3)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from runbookgen.project import Project

    sizes = [int(s) for s in args.sizes.split(",") if s]
    shapes = [s for s in SHAPES if not args.only or s.name in args.only.split(",")]
    paths = [p for p in args.paths.split(",") if p and p != "none"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-patho-"))
    worst = 0.0
    try:
        make_project(tmp / "base")
        base = fresh_run(Project.discover(tmp / "base"))
        print(f"python {sys.version.split()[0]}; {len(shapes)} shapes; sizes {sizes}; rounds {args.rounds}")
        print("ratios are crafted / normal run record of the same size (medians of per-round ratios)\n")
        if paths:
            worst = _in_process(tmp, base, shapes, sizes, paths, args.rounds)
        if args.build != "none":
            print()
            worst = max(worst, _builds(tmp, base, shapes, sizes, args.build, args.build_rounds))
        verdict = "within" if worst <= TARGET else "ABOVE"
        print(f"\nworst ratio {worst:.2f}× ({verdict} the {TARGET:.0f}× target)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _in_process(
    tmp: Path, base: str, shapes: list[Shape], sizes: list[int], paths: list[str], rounds: int
) -> float:
    worst = 0.0
    print("| shape | size | " + " | ".join(f"{p} ms | {p} ×" for p in paths) + " | attacks |")
    print("|" + "---|" * (2 + 2 * len(paths) + 1))
    for size in sizes:
        ordinary = normal(base, size)
        for shape in shapes:
            text = crafted(base, shape, size)
            cells = []
            for p in paths:
                a, b = _cases(p, tmp / f"{shape.name}-{size}", text, ordinary)
                ta, _tb, ratio = pair(a, b, rounds)
                worst = max(worst, ratio)
                cells.append(f"{ta * 1000:,.1f} | {ratio:.2f}")
            kb = len(text.encode()) / 1000
            print(f"| {shape.name} | {kb:,.0f} KB | {' | '.join(cells)} | {shape.target} |")
            sys.stdout.flush()
    return worst


def _cases(
    path: str, where: Path, text: str, ordinary: str
) -> tuple[Callable[[], object], Callable[[], object]]:
    if path == "parse":
        return parse_case(text), parse_case(ordinary)
    a_root, b_root = where / path / "crafted", where / path / "normal"
    if path == "check":
        for root, body in ((a_root, text), (b_root, ordinary)):
            make_project(root)
            (root / RUN).write_text(body, encoding="utf-8")
        return check_case(a_root), check_case(b_root)
    if path == "history":
        history_repo(a_root, text, ordinary)
        # the past version differs in a heading too, so history parses both versions (a
        # crafted past version is never the same skeleton as the current one either)
        past = ordinary.replace("\n## Notes\n", "\n## Notes (earlier)\n", 1)
        history_repo(b_root, past, ordinary)
        return history_case(a_root), history_case(b_root)
    raise SystemExit(f"unknown path {path!r} (parse, check, history)")


def _builds(tmp: Path, base: str, shapes: list[Shape], sizes: list[int], mode: str, rounds: int) -> float:
    print("| mkdocs build | size | records | crafted s | normal s | × |")
    print("|---|---|---:|---:|---:|---:|")
    worst = 0.0
    groups = [[s] for s in shapes] if mode == "per-shape" else [shapes]
    for size in sizes:
        ordinary = normal(base, size)
        for group in groups:
            name = group[0].name if mode == "per-shape" else "all shapes"
            roots = {}
            for kind in ("crafted", "normal"):
                root = tmp / f"build-{size}-{name}-{kind}"
                make_project(root)
                for n, shape in enumerate(group):
                    body = crafted(base, shape, size) if kind == "crafted" else ordinary
                    day = date(2026, 1, 1).toordinal() + n
                    iso = date.fromordinal(day).isoformat()
                    body = body.replace("date: 2026-12-01", f"date: {iso}", 1).replace(
                        "release: v1.0.0", f"release: v{n}.0.0", 1
                    )
                    (root / "runs" / "production-deployment" / f"{iso}-v{n}.0.0.md").write_text(
                        body, encoding="utf-8"
                    )
                roots[kind] = root
            ta, tb, ratio = pair(build_case(roots["crafted"]), build_case(roots["normal"]), rounds)
            worst = max(worst, ratio)
            print(f"| {name} | {size / 1000:,.0f} KB | {len(group)} | {ta:.2f} | {tb:.2f} | {ratio:.2f} |")
            sys.stdout.flush()
    return worst


if __name__ == "__main__":
    main()
