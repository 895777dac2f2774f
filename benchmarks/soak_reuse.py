"""Soak: reused parses (markdown/reuse.py) against full parses on many changed runs.

``tests/test_reuse.py`` runs a few hundred cases with a fixed seed in CI; this runs the
same generators (``tests/reuse_support.py``) much longer: runs of the seed runbook with
random ticks, skips, fills, choices, values, notes, edited texts and lines, other front
matter; and documents of the GFM generator (``tests/gfm_support.py``) with changed boxes,
texts and lines. Every derived model must equal the full parse (``to_dict()``, every
dataclass field, every line); the script reports mismatches (target 0) and how often the
parse was reused and why it was not.

    python benchmarks/soak_reuse.py                   # 2,000 seed runs, 10,000 documents
    python benchmarks/soak_reuse.py --runs 5000 --docs 50000 --seed 3
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from reuse_support import GFM_LABELS, SEED_RUN, compare, gfm_pair, seed_run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2_000, help="changed seed runs (default 2,000)")
    ap.add_argument("--docs", type=int, default=10_000, help="changed generated documents (default 10,000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    counts: dict[str, Counter[str]] = {"seed runs": Counter(), "documents": Counter()}
    bad: list[str] = []
    t0 = time.perf_counter()
    cases = [("seed runs", None)] * args.runs + [("documents", None)] * args.docs
    for kind, _ in cases:
        if kind == "seed runs":
            rep, text, labels = SEED_RUN, seed_run(rng, safe_only=rng.random() < 0.5), None
        else:
            rep, text = gfm_pair(rng)
            labels = GFM_LABELS
        try:
            got = compare(rep, text) if labels is None else compare(rep, text, labels)
        except AssertionError:
            got = "MISMATCH"
            if len(bad) < 3:
                bad.append(f"{rep!r}\n---- derived from, for ----\n{text!r}\n{traceback.format_exc()}")
        counts[kind][got] += 1
    elapsed = time.perf_counter() - t0
    print(f"seed {args.seed}, {elapsed:.0f} s")
    for kind, c in counts.items():
        total = sum(c.values())
        derived = c["derived"]
        print(
            f"{kind}: {total:,}; derived {derived:,} ({derived / max(total, 1):.0%}); "
            f"mismatches {c['MISMATCH']}; "
            + ", ".join(f"{k} {v}" for k, v in c.most_common() if k != "derived")
        )
    for b in bad:
        print(b)
    return 1 if any(c["MISMATCH"] for c in counts.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
