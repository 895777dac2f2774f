"""Runs as runs change, and the check that a reused parse equals a full one.

Shared by ``tests/test_reuse.py`` (fixed-seed property tests in CI) and
``benchmarks/soak_reuse.py`` (many more documents, reporting mismatches and how often the
parse is reused). The generators draw through the same tiny interface as
``tests/gfm_support.py`` (``choice``, ``randint``), so they run on :class:`random.Random`
and on Hypothesis draws alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gfm_support import OTHERS, TEXTS, WORDS, Draw, document
from runbookgen.errors import RunbookgenError
from runbookgen.markdown import loads
from runbookgen.markdown.fields import fill_blank, select_choice
from runbookgen.markdown.grammar import (
    skip_suffix,
    strike_first,
    task_line,
    unstrike_first,
    unstrike_last,
    with_mark,
)
from runbookgen.markdown.reuse import Miss, ParseCache, derive
from runbookgen.model import Runbook

SEED = Path(__file__).resolve().parent.parent / "content" / "production-deployment.md"
SEED_BODY = SEED.read_text(encoding="utf-8")
LABELS = frozenset(
    {"Engineering Manager", "DevOps Lead", "QA Lead", "Deployment Lead", "Date", "Completion Time"}
    | {"Issues Encountered", "Notes"}
)
FRONT = (
    "---\nrunbook: production-deployment\ntemplate_version: 2.0.0\ntemplate_digest: sha256:0\n"
    "release: v1.2.3\ndate: 2026-11-30\nlead: '@erin'\nstatus: in-progress\n---\n"
)
SEED_RUN = FRONT + SEED_BODY
FRONTS = (
    FRONT,
    "---\nrunbook: production-deployment\nrelease: v2\n---\n",
    "---\n---\n",
    FRONT.replace(
        "status: in-progress\n", "status: success\nfinished: 2026-11-30T12:00:00Z\nnotes: |\n  a\n  b\n"
    ),
    FRONT.replace("---\n", "---\ntitle: Other title\nversion: 7\n", 1),
    FRONT.replace("status: in-progress\n", "status: rolled-back\nkinds:\n  Notes: tasks\n"),
    FRONT.replace("status: in-progress\n", "kinds:\n  No such section: tasks\n"),  # an error
    FRONT.replace("status: in-progress\n", "status: [\n"),  # invalid YAML: an error
    FRONT.replace("lead: '@erin'\n", "lead: '@erin'\ntags:\n  - a\n  - b\n...\n"),
    "",
)
REASONS = ("", "not needed", "done ~~ twice", "`flag`", "a | b", "[x] already", "see #12", "  spaced  ")
VALUES = ("@erin", "2026-12-01", "", "[Name]", "a | b", "___", "**bold**", "(optional)", "x ~~ y", " ")
TASK_TEXTS = (
    *TEXTS,
    "[ref]: https://example.com",
    "",
    "   ",
    "Deploy (optional)",
    "QA Lead: @erin Date: ____",
    "\u00a0nbsp first",
    "Run smoke tests \ue000",
)


def tasks(lines: list[str]) -> list[int]:
    return [n for n, line in enumerate(lines) if task_line(line) is not None]


def _text(line: str) -> str:
    t = task_line(line)
    return "" if t is None else t.text


def seed_run(d: Draw, safe_only: bool = False) -> str:
    """The seed under front matter with what a run changes (ticks, skips, fills, choices,
    values) and, unless ``safe_only``, changes that may alter its structure (notes, task
    texts, other lines, deleted and swapped lines, other front matter, CRLF, a BOM)."""
    lines = SEED_BODY.split("\n")
    kinds = ["tick", "tick", "tick", "skip", "unskip", "fill", "choice", "value"]
    # (a "|" could make a table header and "(optional)" changes what children inherit:
    # never reused, so not among the safe edits)
    reasons = [r for r in REASONS if "|" not in r] if safe_only else list(REASONS)
    values = [v for v in VALUES if "|" not in v and "optional" not in v] if safe_only else list(VALUES)
    if not safe_only and d.randint(0, 1):
        kinds += ["note", "task-text", "line", "delete", "swap"]
    for _ in range(d.randint(0, 40 if safe_only else 12)):
        kind = d.choice(kinds)
        boxes = tasks(lines)
        if kind == "tick":
            n = d.choice(boxes)
            lines[n] = with_mark(lines[n], d.choice("xX "))
        elif kind == "skip":
            n = d.choice(boxes)
            if "~~" not in lines[n]:
                lines[n] = strike_first(lines[n]) + skip_suffix(d.choice(reasons))
        elif kind == "unskip":
            struck = [n for n in boxes if _text(lines[n]).startswith("~~")]
            if struck:
                n = d.choice(struck)
                lines[n] = unstrike_last(unstrike_first(lines[n]))
        elif kind == "fill":
            blanks = [n for n, line in enumerate(lines) if "___" in line]
            if blanks:
                n = d.choice(blanks)
                lines[n] = fill_blank(lines[n], d.choice(sorted(LABELS)), d.choice(values).strip() or "x")
        elif kind == "choice":
            n = next(n for n, line in enumerate(lines) if "**Status**" in line)
            lines[n] = select_choice(lines[n], d.choice(["Success", "Partial", "Rolled Back"]))
        elif kind == "value":
            labelled = [n for n, line in enumerate(lines) if line.startswith("- **") and "**:" in line]
            if safe_only:  # (a blank on another label's line makes a field there: a new kind)
                labelled = [n for n in labelled if lines[n][4 : lines[n].index("**:")] in LABELS]
            n = d.choice(labelled)
            lines[n] = lines[n][: lines[n].index("**:") + 3] + " " + d.choice(values)
        elif kind == "note":
            lines.insert(d.choice(boxes) + 1, d.choice(["  Note: took longer", "", "  - [ ] sub"]))
        elif kind == "task-text":
            n = d.choice(boxes)
            t = task_line(lines[n])
            assert t is not None
            lines[n] = lines[n][: t.text_at] + d.choice(TASK_TEXTS)
        elif kind == "line":
            lines[d.randint(0, len(lines) - 1)] = d.choice([*OTHERS, *TEXTS, "- [x] " + d.choice(WORDS)])
        elif kind == "delete":
            del lines[d.randint(0, len(lines) - 1)]
        elif kind == "swap":
            n = d.randint(0, len(lines) - 2)
            lines[n], lines[n + 1] = lines[n + 1], lines[n]
    text = (FRONT if safe_only or d.randint(0, 1) else d.choice(FRONTS)) + "\n".join(lines)
    if not safe_only:
        text = d.choice([text, text, text, text, text.replace("\n", "\r\n"), "\ufeff" + text])
    return text


def gfm_pair(d: Draw) -> tuple[str, str]:
    """A generated document (``tests/gfm_support.py``) and a changed copy: boxes, task
    texts and skips mostly, sometimes other lines and other front matter."""
    base = document(d)
    eol = "\r\n" if "\r\n" in base else "\r" if "\r" in base else "\n"
    lines = base.split(eol)
    boxes = tasks(lines)
    for _ in range(d.randint(0, 4)):
        n = d.choice(boxes) if boxes and d.randint(0, 3) else d.randint(0, len(lines) - 1)
        t = task_line(lines[n])
        kind = d.randint(0, 7)
        if t is not None and kind < 4:
            lines[n] = with_mark(lines[n], d.choice("xX "))
        elif t is not None and kind == 4:
            lines[n] = lines[n][: t.text_at] + d.choice(TASK_TEXTS)
        elif t is not None and kind < 7 and "~~" not in lines[n] and t.text.strip():
            lines[n] = strike_first(lines[n]) + skip_suffix(d.choice(REASONS))
        else:
            lines[n] = d.choice([*OTHERS, *TEXTS, "lazy " + d.choice(WORDS)])
    fronts = ("", "---\nrunbook: r\n---\n", "---\nrunbook: r\nrelease: v1\n---\n")
    front = d.choice(fronts)
    other = d.choice(fronts) if not d.randint(0, 3) else front
    return front + base, other + eol.join(lines)


GFM_LABELS = frozenset({"QA Lead", "Date", "Bold"})


# ---------------------------------------------------------------------- comparing
def outcome(fn: Any) -> Runbook | Miss | tuple[str, str, int | None]:
    try:
        return fn()  # type: ignore[no-any-return]
    except RunbookgenError as exc:
        return ("error", str(exc), exc.line)


def assert_same(got: Runbook, full: Runbook) -> None:
    """Equal in every way a reader can see."""
    assert got.to_dict() == full.to_dict()
    assert got == full  # every dataclass field: front matter, metadata, lines, ids, kinds
    assert [(f.name, f.value, f.line) for s in got.sections() for f in s.fields] == [
        (f.name, f.value, f.line) for s in full.sections() for f in s.fields
    ]
    assert [(f.name, f.value, f.line) for i in got.items() for f in i.fields] == [
        (f.name, f.value, f.line) for i in full.items() for f in i.fields
    ]
    assert [(c.name, c.line) for s in got.sections() for c in s.choices] == [
        (c.name, c.line) for s in full.sections() for c in s.choices
    ]
    assert [(i.id, i.line, i.end_line, i.key) for i in got.items()] == [
        (i.id, i.line, i.end_line, i.key) for i in full.items()
    ]
    assert [(s.id, s.kind, s.line, s.end_line) for s in got.sections()] == [
        (s.id, s.kind, s.line, s.end_line) for s in full.sections()
    ]


_ENTRIES: dict[tuple[str, frozenset[str]], Any] = {}


def entry(rep: str, labels: frozenset[str]) -> Any:
    """The entry a cache would keep for ``rep`` (None when it keeps none), memoised."""
    key = (rep, labels)
    if key not in _ENTRIES:
        if len(_ENTRIES) > 64:
            _ENTRIES.clear()
        _ENTRIES[key] = ParseCache().entry_for(rep, labels)
    return _ENTRIES[key]


def compare(rep: str, text: str, labels: frozenset[str] = LABELS) -> str:
    """Derive ``text`` from ``rep``'s entry and hold it against the full parse; raises
    AssertionError on any difference. Returns "derived", "error" (both failed alike),
    "no entry" or the reason the derivation declined."""
    kept = entry(rep, labels)
    if kept is None:
        return "no entry"
    got = outcome(lambda: derive(kept, text, "runs/x/run.md"))
    if isinstance(got, Miss):
        return got.reason
    full = outcome(lambda: loads(text, path="runs/x/run.md", field_labels=labels))
    if isinstance(full, tuple) or isinstance(got, tuple):
        assert got == full, "a derived parse fails exactly as the full parse does"
        return "error"
    assert isinstance(got, Runbook) and isinstance(full, Runbook)
    assert_same(got, full)
    return "derived"
