"""Soak: the model against GitHub's cmark-gfm on 10,000+ generated checklists.

The property test in ``tests/test_gfm_fidelity.py`` runs a few hundred documents with a
fixed seed in CI; this runs many more (same generator, ``tests/gfm_support.py``) and
reports the mismatch rate: documents where any task line, checked state or nesting
differs from GitHub. The target is 0 per 10,000. Each distinct mismatch is printed with
the smallest document that shows it, ready to become a fixture.

    python benchmarks/soak_gfm.py                      # 10,000 documents, seed 0
    python benchmarks/soak_gfm.py --docs 50000 --seed 7 --show 5
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from gfm_support import differences, document  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000, help="documents to generate (default 10,000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--show", type=int, default=3, help="distinct mismatches to print (default 3)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    bad: dict[str, tuple[str, list[str]]] = {}  # kind -> smallest document
    counts = {"documents": 0, "task lines": 0, "checked": 0, "nesting": 0}
    lines_total = 0
    for _ in range(args.docs):
        text = document(rng)
        lines_total += text.count("\n") + text.count("\r") - text.count("\r\n") + 1
        diff = differences(text)
        if not diff:
            continue
        counts["documents"] += 1
        for d in diff:
            kind = _kind(d)
            counts[kind] += 1
            key = kind + ": " + re.sub(r"line \d+|\(\d+, |, \d+\)|\d+\]", "", d.split("  ")[0])[:60]
            if key not in bad or len(text) < len(bad[key][0]):
                bad[key] = (text, diff)
    elapsed = time.perf_counter() - t0
    n = args.docs
    print(f"{n:,} documents, seed {args.seed}, {lines_total:,} lines, {elapsed:.0f} s")
    print(
        f"mismatching documents: {counts['documents']} ({counts['documents'] / n * 10_000:.1f} per 10,000); "
        f"lines differing in task or not: {counts['task lines']}, checked state: {counts['checked']}, "
        f"nesting: {counts['nesting']}"
    )
    for key, (text, diff) in sorted(bad.items(), key=lambda kv: len(kv[1][0]))[: args.show]:
        print(f"\n--- {key}\n{text!r}")
        for d in diff:
            print("   ", d)
    sys.exit(1 if counts["documents"] else 0)


def _kind(diff: str) -> str:
    if diff.startswith("children"):
        return "nesting"
    m = re.search(r"github=\[(.*?)\] model=\[(.*?)\]", diff)
    if not m or not m.group(1) or not m.group(2):
        return "task lines"
    g, o = m.group(1).split(", "), m.group(2).split(", ")
    return "checked" if g[1] != o[1] else "nesting"


if __name__ == "__main__":
    main()
