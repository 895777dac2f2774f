"""Benchmark: building the runbook model vs markdown-it-py's own tokenizing.

In one process, interleaved rounds (the variant order rotates every round), on the
user's runbook and on a generated checklist of about 5 MB (the runbook repeated, stage
titles made unique, about 94,000 tasks):

* ``mdit``   — ``MarkdownIt("commonmark", {"tasklists": True}).parse(text)``: the full
  markdown-it-py parse (block *and* inline rules), the reference of the target;
* ``block``  — the same preset with the inline rule disabled: block tokens only, which
  is all the model needs (item text is kept as inline *source*);
* ``tokens`` — runbookgen's own markdown-it instance (block only, plus tables,
  strikethrough, front matter and the cmark-gfm laziness guards) via ``tokenize``;
* ``model``  — ``runbookgen.loads(text)``: tokens plus the model (sections, items,
  ids, kinds, fields), as users call it (it pauses the cyclic GC while it runs).

Times are CPU time of the process (``time.process_time``; ``--wall`` for wall clock).
Prints medians, min–max and the median of the per-round ratios ``model/mdit`` (target
≤ 1.5) and ``model/block``; then tracemalloc peaks of ``loads`` at 1, 2.5 and 5 MB to
show memory grows linearly.

Then run records (``--runs``, default 200), as a site reads them: the seed under front
matter with boxes ticked (``bench_site.py``'s generator), and with what runs change besides
(skips with reasons, filled fields, the status choice, values: ``tests/reuse_support.py``),
each set parsed per round by ``loads`` and by a fresh parse cache (``markdown/reuse.py``,
what ``records.record.parse_run`` uses: one full parse, one kept, the rest derived).
Prints the time per run and the median of the per-round ratios cache/loads. Usage::

    .venv/bin/python benchmarks/bench_parse.py [--rounds 15] [--big-rounds 5] [--size-mb 5]
        [--runs 200] [--run-rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import runbookgen
from runbookgen.markdown.tokens import protect_task_text, tokenize

ROOT = Path(__file__).resolve().parent.parent
# CPU time of this process: the machine is shared, and waiting for a core is not parsing
# (``--wall`` switches to wall-clock time).
CLOCK = time.process_time
SEED = ROOT / "content" / "production-deployment.md"


def big_checklist(seed: str, megabytes: float) -> str:
    """The seed repeated until ``megabytes``; stage titles numbered so ids stay distinct."""
    target = int(megabytes * 1_000_000)
    parts, size, n = [seed], len(seed.encode()), 1
    while size < target:
        copy = seed.replace("# Production Deployment Checklist", f"# Copy {n}", 1)
        copy = copy.replace("\n## ", f"\n## Copy {n}: ")
        parts.append(copy)
        size += len(copy.encode())
        n += 1
    return "".join(parts)


def variants(text: str) -> dict[str, Callable[[], object]]:
    from markdown_it import MarkdownIt

    full = MarkdownIt("commonmark", {"tasklists": True})
    block = MarkdownIt("commonmark", {"tasklists": True}).disable("inline")
    return {
        "mdit": lambda: full.parse(text),
        "block": lambda: block.parse(text),
        "tokens": lambda: tokenize(protect_task_text(text)[0]),
        "model": lambda: runbookgen.loads(text),
    }


def calibrate(fn: Callable[[], object], target_s: float) -> int:
    """Loops per sample so that one sample takes about ``target_s`` (at least 1)."""
    fn()
    t0 = CLOCK()
    fn()
    one = CLOCK() - t0
    return max(1, round(target_s / max(one, 1e-9)))


def measure(text: str, rounds: int, sample_s: float) -> dict[str, list[float]]:
    fns = variants(text)
    loops = {k: calibrate(fn, sample_s) for k, fn in fns.items()}
    samples: dict[str, list[float]] = {k: [] for k in fns}
    keys = list(fns)
    for r in range(rounds):
        for k in keys[r % len(keys) :] + keys[: r % len(keys)]:
            fn, n = fns[k], loops[k]
            gc.collect()
            t0 = CLOCK()
            for _ in range(n):
                fn()
            samples[k].append((CLOCK() - t0) / n)
    return samples


def ratio(samples: dict[str, list[float]], a: str, b: str) -> float:
    """Median of per-round ratios: both variants ran within the same round."""
    return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=True))


def report(name: str, nbytes: int, samples: dict[str, list[float]]) -> list[str]:
    rows = []
    for k, v in samples.items():
        med = statistics.median(v)
        unit, scale = ("ms", 1e3) if med < 1 else ("s", 1)
        rows.append(
            f"| {name} | {k} | {med * scale:,.2f} {unit} | {min(v) * scale:,.2f}–"
            f"{max(v) * scale:,.2f} | {nbytes / med / 1e6:.2f} | "
            f"{ratio(samples, k, 'mdit'):.2f}× |"
        )
    return rows


def peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15, help="rounds on the seed (default 15)")
    ap.add_argument("--big-rounds", type=int, default=5, help="rounds on the big file (default 5)")
    ap.add_argument("--size-mb", type=float, default=5.0, help="size of the big file (default 5)")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc series")
    ap.add_argument("--wall", action="store_true", help="time wall-clock instead of CPU time")
    ap.add_argument("--runs", type=int, default=200, help="run records per set (default 200)")
    ap.add_argument("--run-rounds", type=int, default=5, help="rounds on the run records (default 5)")
    args = ap.parse_args()
    if args.wall:
        global CLOCK
        CLOCK = time.perf_counter

    seed = SEED.read_text(encoding="utf-8")
    big = big_checklist(seed, args.size_mb)
    print(
        f"seed: {len(seed.encode()):,} bytes, {sum(1 for _ in runbookgen.loads(seed).items())} tasks; "
        f"big: {len(big.encode()):,} bytes, {sum(1 for _ in runbookgen.loads(big).items()):,} tasks"
    )
    print(f"python {sys.version.split()[0]}; rounds: seed {args.rounds}, big {args.big_rounds}\n")

    small = measure(seed, args.rounds, 0.2)
    large = measure(big, args.big_rounds, 0.0)
    print("| input | variant | median | min–max | MB/s | ÷ mdit (per-round median) |")
    print("|---|---|---:|---|---:|---:|")
    for line in report("seed", len(seed.encode()), small) + report(
        f"{len(big.encode()) / 1e6:.1f} MB", len(big.encode()), large
    ):
        print(line)
    print()
    for name, s in (("seed", small), ("big", large)):
        print(
            f"{name}: model/mdit {ratio(s, 'model', 'mdit'):.2f}× (target ≤ 1.5), "
            f"model/block {ratio(s, 'model', 'block'):.2f}×, "
            f"model/tokens {ratio(s, 'model', 'tokens'):.2f}×, "
            f"tokens/block {ratio(s, 'tokens', 'block'):.2f}×"
        )

    print()
    if args.runs:
        runs(args.runs, args.run_rounds)
    if args.no_memory:
        return
    print("\n| input MB | loads peak MiB | per input MB | mdit parse peak MiB | per input MB |")
    print("|---:|---:|---:|---:|---:|")
    from markdown_it import MarkdownIt

    full = MarkdownIt("commonmark", {"tasklists": True})
    for mb in (1.0, 2.5, 5.0):
        text = big_checklist(seed, mb)
        size = len(text.encode()) / 1e6
        ours = peak_mib(lambda text=text: runbookgen.loads(text))
        theirs = peak_mib(lambda text=text: full.parse(text))
        print(f"| {size:.2f} | {ours:,.0f} | {ours / size:.0f} | {theirs:,.0f} | {theirs / size:.0f} |")


def run_sets(n: int) -> dict[str, list[str]]:
    """The two sets of run record texts (see the module notes)."""
    import random

    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "tests"))
    from bench_site import run_files
    from reuse_support import seed_run

    rng = random.Random(0)
    return {
        "ticked": list(run_files(n).values()),
        "run edits": [seed_run(rng, safe_only=True) for _ in range(n)],
    }


def runs(n: int, rounds: int) -> None:
    from runbookgen.markdown.reuse import ParseCache

    labels = runbookgen.loads(SEED.read_text(encoding="utf-8")).field_labels()
    print(f"run records: {n} per set, {rounds} rounds (variant order alternates)\n")
    print("| runs | variant | per run, median | min–max | cache ÷ loads (per-round median) |")
    print("|---|---|---:|---|---:|")
    for name, texts in run_sets(n).items():
        samples: dict[str, list[float]] = {"loads": [], "cache": []}
        for r in range(rounds):
            for k in ["loads", "cache"] if r % 2 == 0 else ["cache", "loads"]:
                cache = ParseCache()
                parse = runbookgen.loads if k == "loads" else cache.loads
                gc.collect()
                t0 = CLOCK()
                for text in texts:
                    parse(text, field_labels=labels)
                samples[k].append((CLOCK() - t0) / len(texts))
        for k, v in samples.items():
            print(
                f"| {name} | {k} | {statistics.median(v) * 1e3:.2f} ms | {min(v) * 1e3:.2f}–"
                f"{max(v) * 1e3:.2f} | {ratio(samples, k, 'loads'):.3f}× |"
            )
    print()


if __name__ == "__main__":
    main()
