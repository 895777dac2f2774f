"""Run the bad-input suite (tests/bad_input_cases.py) against a checkout and count outcomes.

    python benchmarks/bad_input.py                   # this checkout
    python benchmarks/bad_input.py --src OLD/src     # another checkout's source (e.g. main before)
    python benchmarks/bad_input.py --src OLD/src --src src   # side by side

Prints, per source: cases, passed, tracebacks, lost or changed files, hangs (killed after
the case's time limit), other failures (wrong exit code, no or several ``Error:`` lines,
the wrong words), skipped; then the cases that did not pass. The counts are recorded in
content/docs/robustness.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bad_input_cases import CASES, Outcome, base_repo, run_case

VERDICTS = ("passed", "traceback", "lost", "hang", "failed", "skipped")


def run(src: str | None, only: str | None) -> list[Outcome]:
    cases = [c for c in CASES if only is None or only in c.id]
    out = []
    with base_repo() as base:
        for n, case in enumerate(cases, 1):
            outcome = run_case(case, base, src)
            out.append(outcome)
            print(f"  [{n}/{len(cases)}] {outcome.verdict:<9} {case.id}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--src", action="append", help="a source directory to put first on PYTHONPATH")
    parser.add_argument("-k", dest="only", help="only cases whose id contains this")
    args = parser.parse_args()
    results = {}
    for src in args.src or [None]:
        label = src or "this checkout"
        print(f"{label}:", file=sys.stderr)
        start = time.monotonic()
        results[label] = (run(src, args.only), time.monotonic() - start)
    columns = ["source", "cases", "passed", "tracebacks", "lost or changed files", "hangs"]
    print("| " + " | ".join([*columns, "other failures", "skipped", "time"]) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, (outcomes, seconds) in results.items():
        c = Counter(o.verdict for o in outcomes)
        counts = " | ".join(
            str(c.get(v, 0)) for v in ("passed", "traceback", "lost", "hang", "failed", "skipped")
        )
        print(f"| {label} | {len(outcomes)} | {counts} | {seconds:.0f} s |")
    for label, (outcomes, _) in results.items():
        bad = [o for o in outcomes if o.verdict != "passed"]
        if bad:
            print(f"\n{label}: not passed")
            for o in bad:
                print(f"- {o.case}: {o.verdict} {o.detail[:160]}")


if __name__ == "__main__":
    main()
