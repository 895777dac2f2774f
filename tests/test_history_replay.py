"""The fast path, checked against the parser at every commit of a randomly edited run.

History reads most commits without parsing (ticks on task lines are read line by line,
structure is shared between files). This test makes a linear history of random edits —
ticks, unticks, skips with reasons, unskips, filled and cleared sign-off fields, notes
that move lines, status changes — and asserts that folding the events up to each commit
gives exactly the item states the parser reads from that commit's file.
``HISTORY_REPLAY_SEED=N`` replays another random history.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from conftest import GIT_ENV, SEED
from runbookgen import history as h
from runbookgen.markdown import loads
from runbookgen.project import Project

RUN = "runs/production-deployment/2026-12-01-v9.9.9.md"
FRONT = (
    "---\nrunbook: production-deployment\ntemplate_version: 2.0.0\ntemplate_digest: sha256:0\n"
    'release: v9.9.9\ndate: 2026-12-01\nlead: "@a"\nstatus: in-progress\n---\n'
)
START = datetime.fromisoformat("2026-12-01T08:00:00+00:00")
TASK = re.compile(r"^(?P<prefix>\s*- )\[(?P<mark>[ xX])\] (?P<text>.*)$")


def _git(root: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


def _edit(lines: list[str], rng: random.Random) -> None:
    """One random edit of a run file's lines, in the ways people edit runs."""
    tasks = [n for n, line in enumerate(lines) if TASK.match(line)]
    n = rng.choice(tasks)
    m = TASK.match(lines[n])
    assert m is not None
    prefix, mark, text = m.group("prefix"), m.group("mark"), m.group("text")
    struck = re.match(r"^~~(.+?)~~(?: n/a: .*)?$", text)
    what = rng.choice(["tick", "tick", "untick", "skip", "unskip", "fill", "note", "status"])
    if what == "tick":
        lines[n] = f"{prefix}[x] {text}"
    elif what == "untick":
        lines[n] = f"{prefix}[ ] {text}"
    elif what == "skip" and not struck and "___" not in text:
        lines[n] = f"{prefix}[x] ~~{text}~~ n/a: reason {rng.randint(1, 3)}"
    elif what == "unskip" and struck:
        lines[n] = f"{prefix}[{mark}] {struck.group(1)}"
    elif what == "fill":
        signs = [k for k, line in enumerate(lines) if re.search(r"\]\s\S[^:]*: (?:_+|\S+ \S*) Date:", line)]
        if signs:
            k = rng.choice(signs)
            label = re.match(r"^\s*- \[[ xX]\] ([^:]+):", lines[k])
            assert label is not None
            value = rng.choice(["Jane Doe", "Bob", "_________________"])
            box = rng.choice(["[x]", "[ ]"])
            lines[k] = f"- {box} {label.group(1)}: {value} Date: {rng.choice(['2026-12-01', '_______'])}"
    elif what == "note":
        lines.insert(n + 1, "")
        lines.insert(n + 2, " " * (len(prefix)) + f"Note {rng.randint(1, 99)}.")
    elif what == "status":
        k = lines.index(next(line for line in lines if line.startswith("status:")))
        lines[k] = "status: " + rng.choice(["in-progress", "success", "partial"])


def _fold(events: list[h.TickEvent]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    status: dict[str, str] = {}
    fields: dict[str, dict[str, str]] = {}
    for ev in events:
        if ev.kind == "ticked":
            status[ev.item] = "done"
        elif ev.kind in ("unticked", "unskipped"):
            status.pop(ev.item, None)
        elif ev.kind == "skipped":
            status[ev.item] = "skipped"
        elif ev.kind in ("filled", "cleared") and ev.field:
            fields.setdefault(ev.item, {})[ev.field] = ev.value or ""
    return status, fields


def test_events_match_the_parser_at_every_commit(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("HISTORY_REPLAY_SEED", "20261201")))
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    (root / "runs" / "production-deployment").mkdir(parents=True)
    (root / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
    _git(root, "init", "-q", "-b", "main")
    lines = (FRONT + SEED.read_text(encoding="utf-8")).split("\n")
    when = START
    shas = []
    for step in range(30):
        if step:
            for _ in range(rng.randint(1, 4)):
                _edit(lines, rng)
        (root / RUN).write_text("\n".join(lines), encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", f"step {step}", when=when)
        shas.append((_git(root, "rev-parse", "HEAD").strip(), when))
        when += timedelta(minutes=5)
    project = Project.from_root(root)
    hist = h.load_history(project, use_cache=False)
    events = hist.for_run(RUN).events
    labels = project.field_labels
    assert len({e.commit.sha for e in events}) > 20
    for sha, at in shas:
        upto = [e for e in events if e.time <= at]
        status, fields = _fold(upto)
        model = loads(_git(root, "show", f"{sha}:{RUN}"), field_labels=labels)
        for item in model.items():
            want = "skipped" if item.skipped else "done" if item.checked else None
            assert status.get(item.id) == want, (sha, item.id)
            for f in item.fields:
                assert fields.get(item.id, {}).get(f.name, "") == f.value, (sha, item.id, f.name)
