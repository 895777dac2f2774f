"""Run a command and measure its memory: the largest process (``wait4``'s ``ru_maxrss``, what
``/usr/bin/time -v`` prints as "Maximum resident set size") and the peak of the whole
process tree (the command, its worker processes and git), sampled from ``/proc``.

The tree figure sums each process's PSS (``/proc/<pid>/smaps_rollup``): pages that forked
workers still share with their parent are counted once, split between them, so the sum is
what the build costs the machine. Linux only; elsewhere the tree figure is 0.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass
class Measured:
    returncode: int
    wall: float  # seconds
    cpu: float  # user + system seconds of the command and every child it waited for
    max_rss_mib: float  # the largest single process
    tree_pss_mib: float  # peak of the sum over the process tree (0 when /proc is missing)
    stderr: str


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _pss_kib(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kib(root: int) -> int:
    """Sum of PSS over ``root`` and all its descendants, now."""
    kids = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss_kib(pid)
        stack.extend(kids.get(pid, ()))
    return total


def run(cmd: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.25) -> Measured:
    """Run ``cmd`` to completion (stdout discarded), sampling its tree's memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            if PROC.is_dir():
                peak[0] = max(peak[0], tree_pss_kib(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return Measured(
        returncode=os.waitstatus_to_exitcode(status),
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss_mib=usage.ru_maxrss / 1024,
        tree_pss_mib=peak[0] / 1024,
        stderr=err.decode(errors="replace"),
    )
