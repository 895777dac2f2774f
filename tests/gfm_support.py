"""GitHub (cmark-gfm) as the oracle, and generated checklists to compare the model with it.

Shared by ``tests/test_gfm_fidelity.py`` (a fixed-seed property test in CI) and
``benchmarks/soak_gfm.py`` (10,000+ documents, reporting the mismatch rate).

The oracle is ``cmarkgfm`` with GitHub's extensions and ``CMARK_OPT_SOURCEPOS`` (every
``<li>`` carries ``data-sourcepos="L:C-L:C"``). Raw HTML is left out of the rendering
(the default, safe mode: it becomes ``<!-- raw HTML omitted -->``), which changes nothing
about the block structure, but keeps a raw ``<!--`` in a runbook from hiding the rest of
the page from the HTML reader below. From the HTML we take, per task ``<li>``: its source
line, its checked state and the line of its nearest *task* ancestor.

The generator draws through a tiny interface (``choice``, ``randint``), so the same code
runs on :class:`random.Random` (the soak) and on Hypothesis draws (the property test, which
then shrinks failures to small documents).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Any, Protocol, TypeVar

import cmarkgfm
from cmarkgfm.cmark import Options

import runbookgen

_OPTIONS = Options.CMARK_OPT_SOURCEPOS

# (line, checked, line of the nearest task ancestor or None)
Task = tuple[int, bool, int | None]


class _TaskItems(HTMLParser):
    """Task ``<li>``s of cmark-gfm's HTML, nested by their source ranges.

    Nesting comes from ``data-sourcepos`` containment rather than ``</li>`` tags. cmark-gfm
    writes a task's checkbox as the very next tag after ``<li …>`` (tasklist.c,
    ``html_render``), which is how a box is told apart from one inside the item's text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[list[Any]] = []  # [start, end, line, is_task]
        self.just_opened: list[Any] | None = None
        self.tasks: list[Task] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        li, self.just_opened = self.just_opened, None
        if tag == "li" and a.get("data-sourcepos"):
            m = re.fullmatch(r"(\d+):(\d+)-(\d+):(\d+)", a["data-sourcepos"] or "")
            assert m, a
            l1, c1, l2, c2 = map(int, m.groups())
            while self.open and self.open[-1][1] < (l1, c1):
                self.open.pop()
            node = [(l1, c1), (l2, c2), l1, False]
            self.open.append(node)
            self.just_opened = node
        elif tag == "input" and a.get("type") == "checkbox" and li is not None:
            li[3] = True
            parent = next((n[2] for n in reversed(self.open[:-1]) if n[3]), None)
            self.tasks.append((li[2], "checked" in a, parent))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.just_opened = None

    def handle_data(self, data: str) -> None:
        self.just_opened = None


def gfm_html(text: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(text, options=_OPTIONS)


def oracle_tasks(text: str) -> list[Task]:
    """Tasks as GitHub renders them. Front matter is blanked first: GitHub shows it as a
    table, never as tasks, and blanking keeps every later line number."""
    walker = _TaskItems()
    walker.feed(gfm_html(blank_front_matter(text)))
    walker.close()
    return sorted(walker.tasks)


def blank_front_matter(text: str) -> str:
    """The text with its front matter lines emptied (any line ends: LF, CRLF, bare CR)."""
    parts = re.split(r"(\r\n|\r|\n)", text)
    lines, ends = parts[0::2], parts[1::2]
    if lines[0].lstrip("\ufeff") != "---":
        return text
    for n in range(1, len(lines)):
        if lines[n] == "---":
            blanked = [""] * (n + 1) + lines[n + 1 :]
            return "".join(line + (ends[k] if k < len(ends) else "") for k, line in enumerate(blanked))
    return text


def model_tasks(text: str) -> tuple[list[Task], dict[int, list[int]]]:
    """Tasks of our model, and each task's children lines in model order."""
    rb = runbookgen.loads(text)
    tasks: list[Task] = []
    children: dict[int, list[int]] = {}
    stack = [(item, None) for sec in rb.sections() for item in sec.items]
    while stack:
        item, parent = stack.pop()
        tasks.append((item.line, item.checked, parent))
        children[item.line] = [c.line for c in item.children]
        stack.extend((c, item.line) for c in item.children)
    return sorted(tasks), children


def differences(text: str) -> list[str]:
    """Where the model differs from GitHub (tasks, checked states, parents, children order);
    empty when they agree."""
    expected = oracle_tasks(text)
    got, children = model_tasks(text)
    out: list[str] = []
    if got != expected:
        lines = re.split(r"\r\n|\r|\n", text)
        for n in sorted({t[0] for t in expected} | {t[0] for t in got}):
            e = [t for t in expected if t[0] == n]
            g = [t for t in got if t[0] == n]
            if e != g:
                shown = lines[n - 1].lstrip("\ufeff") if n - 1 < len(lines) else ""
                out.append(f"line {n}: github={e} model={g}  {shown!r}")
        return out
    for line, kids in children.items():
        want = sorted(t[0] for t in expected if t[2] == line)
        if kids != want:
            out.append(f"children of line {line}: github={want} model={kids}")
    return out


def assert_same_as_github(text: str) -> list[Task]:
    """Line by line: same tasks, same checked states, same parents, same children."""
    diff = differences(text)
    if diff:
        raise AssertionError("model differs from cmark-gfm:\n" + "\n".join(f"  {d}" for d in diff))
    return oracle_tasks(text)


# ---------------------------------------------------------------------- the generator
T = TypeVar("T")


class Draw(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...
    def randint(self, a: int, b: int) -> int: ...


WORDS = ("deploy", "check", "DB", "ok", "v2", "rollback", "x", "note", "Étape", "a_b", "2")
TEXTS = (
    "see [x] here",
    "# hash",
    "> angle",
    "- dash",
    "1. one",
    "`[ ]` code",
    "***",
    "~~struck~~ n/a: reason",
    "**Bold**: ____",
    "QA Lead: ______ Date: ____",
    "<b>tag</b>",
    "[ ] box",
    "[link](https://example.com) and **bold**",
    "Check `kubectl get pods | grep x`",
    "a | b | c",
    "<img src=x> inline",
    "&nbsp;entity",
    "",
)
MARKERS = ("-", "-", "-", "*", "+", "1.", "2.", "10.", "1)", "3)")
BOXES = (
    "[ ] ",
    "[ ] ",
    "[ ] ",
    "[x] ",
    "[x] ",
    "[X] ",
    "[ ]\t",
    "[ ]",
    "[x]",
    "[ ]  ",
    "[-] ",
    "[] ",
    "[ x] ",
    "",
)
GAPS = (" ", " ", " ", " ", "  ", "\t", "    ", "     ")
UNITS = ("  ", "  ", "   ", "    ", "\t", " ")
# lines that are not list items: what runbooks hold between and under their tasks
OTHERS = (
    "## Heading",
    "### Sub (if required)",
    "Setext",
    "===",
    "---",
    "***",
    "> - [ ] q",
    "> quote",
    "```",
    "~~~",
    "    indented code",
    "<details>",
    "</details>",
    "<summary>More</summary>",
    "<!--",
    "-->",
    '<img src="x.png" alt="diagram">',
    "<br>",
    "</span>",
    "<span>",
    '<div align="center">',
    "| a | [ ] |",
    "|---|---|",
    "| --- | :---: |",
    "**Time Estimate**: 10-15 minutes",
    "**Status**: [ ] Success [ ] Partial",
    "[ref]: https://example.com",
    "\\- [ ] escaped",
    "&nbsp;",
)


def document(d: Draw) -> str:
    """A random nested checklist mixed with the blocks that disturb it.

    Depth follows a random walk so that children, grandchildren and returns to the top
    are common; the indent unit (1-4 spaces or a tab) and per-line jitter decide whether
    GitHub actually nests them. Line ends are LF, CRLF or bare CR for the whole document.
    """
    unit = d.choice(UNITS)
    lines: list[str] = []
    depth = 0
    for _ in range(d.randint(1, 30)):
        kind = d.randint(0, 19)
        if kind < 6:
            indent = d.choice(["", "", "", unit, unit * depth, unit * (depth + 1), "    ", "      "])
            lines.append(indent + _other(d))
            continue
        if kind == 6 and lines:  # a line under the previous item's text: HTML, lazy text, a table row
            lines.append(
                d.choice(["", unit * depth, unit * (depth + 1), "  "])
                + d.choice(
                    ["<img src=x>", "<br>", "</span>", "<br/>", "| --- | --- |", "|---|", "lazy " + _text(d)]
                )
            )
            continue
        depth = max(0, min(5, depth + d.choice([-2, -1, 0, 0, 1, 1, 1])))
        jitter = d.choice(["", "", "", "", " ", "\t"])
        text = _text(d)
        if kind == 7:  # a task whose text holds a pipe, then a delimiter row
            lines.append(unit * depth + jitter + d.choice(MARKERS) + " [ ] a | b")
            lines.append(unit * depth + d.choice(["", "  "]) + d.choice(["|---|---|", "--- | ---", "| - |"]))
            continue
        lines.append(unit * depth + jitter + d.choice(MARKERS) + d.choice(GAPS) + d.choice(BOXES) + text)
    if lines[0] == "---":  # that would open front matter, which the fixtures cover
        lines[0] = "Intro"
    eol = d.choice(["\n", "\n", "\n", "\r\n", "\r"])
    return eol.join(lines) + d.choice(["", eol])


def _text(d: Draw) -> str:
    if d.randint(0, 1):
        return " ".join(d.choice(WORDS) for _ in range(d.randint(1, 3)))
    return d.choice(TEXTS)


def _other(d: Draw) -> str:
    k = d.randint(0, 3)
    if k == 0:
        return ""
    if k == 1:
        return "lazy " + _text(d)
    return d.choice(OTHERS)


class HypothesisDraw:
    """:class:`Draw` over Hypothesis's ``draw`` (so failures shrink)."""

    def __init__(self, draw: Any) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(self._st.sampled_from(list(options)))  # type: ignore[no-any-return]

    def randint(self, a: int, b: int) -> int:
        return int(self._draw(self._st.integers(a, b)))
