"""markdown-it tokens that follow cmark-gfm (GitHub's parser) where the model depends on it.

markdown-it-py gives CommonMark block structure and task lists; cmark-gfm differs in a
few ways that change which items are tasks and how they nest. This module adjusts the
tokenizer so the block structure is cmark-gfm's, pinned by ``tests/test_gfm_fidelity.py``:

* **laziness** — a line indented 4+ columns past the deepest list item it reaches is a
  lazy continuation of the open paragraph in cmark, never a new block
  (:func:`_follow_cmark_laziness`);
* **empty tasks** — ``- [ ] `` with nothing after the box is an empty item in cmark-gfm,
  which a blank line ends (:func:`tokenize`);
* **block starts after a box** — ``- [ ] # x`` is a task reading ``# x`` in cmark-gfm,
  not a heading inside an item (:func:`protect_task_text`).

Only block structure matters for the model, so inline parsing is switched off: item text
is the inline Markdown *source*, rendered later by whoever displays it.
"""

from __future__ import annotations

import re
from typing import Any

from runbookgen.markdown.grammar import LEAD, MARKER

# A task line whose text would start another block in markdown-it (heading, quote, list,
# rule, fence, HTML) but is paragraph text in cmark-gfm; a sentinel keeps it a paragraph.
_TASK_BLOCK_START = re.compile(rf"(?m)^({LEAD}\[[ xX]\][ \t])(?=[#>*+\-_`~<=]|[0-9]{{1,9}}[.)])")
_SENTINELS = ("\ue000", "\ue001", "\ue002", "\ufdd0")
# A box with nothing after it, followed by a blank line (or the end).
_EMPTY_TASK = re.compile(rf"(?m)^(?P<head>{LEAD})\[[ xX]\][ \t]*+\n(?=(?P<next>[ \t]*+)(?:\n|\Z))")
_BOX = re.compile(r"\[[ xX]\]")
_MARKER = re.compile(MARKER)
_INDENTS = "runbookgen_indents"

_md_instance: Any = None


def md() -> Any:
    """The shared markdown-it instance: CommonMark + GFM tables/strikethrough + task lists."""
    global _md_instance
    if _md_instance is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.front_matter import front_matter_plugin

        # maxNesting: the preset's 20 silently drops everything below ~10 list levels;
        # GitHub has no such limit. Python's recursion limit is the real bound (loads).
        instance = MarkdownIt("commonmark", {"tasklists": True, "maxNesting": 100_000})
        instance.enable(["table", "strikethrough"])
        instance.use(front_matter_plugin)
        instance.disable("inline")  # the model needs block structure and inline *source* only
        instance.disable("text_join")
        _follow_cmark_laziness(instance)
        _md_instance = instance
    return _md_instance


def _follow_cmark_laziness(instance: Any) -> None:
    """Make paragraph interruption inside nested lists follow CommonMark/cmark-gfm.

    cmark matches a line against the open list items from the outside in; if the text is
    indented 4+ columns past the deepest item it still belongs to, nothing can start
    there, so the line is a lazy continuation of the open paragraph. markdown-it only
    looks one list level up (``listIndent``) and lets a list, fence, rule, ... interrupt
    the paragraph, closing the lists. Here every ``tokenize`` call records its
    ``blkIndent`` (the content column of the item it parses), and the rules that may
    interrupt a paragraph decline when cmark would read the line as lazy.
    """
    block = instance.block
    plain_tokenize = block.tokenize

    def tracked_tokenize(state: Any, start: int, end: int) -> None:
        stack = state.env.setdefault(_INDENTS, [])
        # a block quote starts a new column frame (its lines are measured after the '>')
        stack.append(-1 if state.parentType == "blockquote" else state.blkIndent)
        try:
            plain_tokenize(state, start, end)
        finally:
            stack.pop()

    block.tokenize = tracked_tokenize
    # Guard only the "paragraph" terminator chain (paragraph and setext heading ask it
    # whether a line ends the paragraph); the main chain keeps markdown-it's own rules.
    ruler = block.ruler
    plain_rules = ruler.getRules
    memo: list[Any] = [None, None]

    def get_rules(chain: str = "") -> list[Any]:
        rules = plain_rules(chain)
        if chain != "paragraph":
            return rules
        if memo[0] is not rules:
            memo[:] = [rules, [_lazy_guard(fn) for fn in rules]]
        return memo[1]

    ruler.getRules = get_rules


def _lazy_guard(fn: Any) -> Any:
    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        col = state.sCount[start]
        if 4 <= col < state.blkIndent and _lazy_in_cmark(state.env.get(_INDENTS, ()), col):
            return False
        return fn(state, start, end, silent)

    return guarded


def _lazy_in_cmark(indents: Any, col: int) -> bool:
    """Is ``col`` 4+ columns past the deepest enclosing item whose content it reaches?"""
    frames = list(indents)
    if -1 in frames:  # inside a block quote, columns count from after its '>'
        frames = frames[len(frames) - frames[::-1].index(-1) :]
    base = 0
    for indent in frames:
        if indent > col:
            break
        base = indent
    return col - base >= 4


def protect_task_text(text: str) -> tuple[str, str]:
    """Put a sentinel after checkboxes whose text markdown-it would read as a new block.

    Returns the text to tokenize and the sentinel to strip from token content ("" if
    nothing was changed). Only the first line of such items changes, so line numbers hold.
    """
    if "[" not in text or not _TASK_BLOCK_START.search(text):
        return text, ""
    sentinel = next((c for c in _SENTINELS if c not in text), "")
    if not sentinel:  # every candidate occurs in the text: leave it (absurd input)
        return text, ""
    return _TASK_BLOCK_START.sub(lambda m: m.group(1) + sentinel, text), sentinel


def tokenize(source: str) -> tuple[list[Any], frozenset[int]]:
    """markdown-it tokens, with cmark-gfm's ending of empty tasks.

    In cmark-gfm the box is consumed before the item gets content, so ``- [ ] `` with
    nothing after it is an *empty* item: a blank line ends it, and what follows is not
    nested in it. markdown-it sees content (the box) and keeps the item open. Blanking the
    box (same columns) makes markdown-it end the item too; the returned 0-based lines say
    where those boxes were. An empty item cannot interrupt a paragraph in markdown-it
    (in cmark-gfm the box counts as content), so where a blanked line stopped starting a
    list item the box is put back.
    """
    parser = md()
    if "[" not in source:
        return parser.parse(source), frozenset()
    if "\r" in source:  # markdown-it normalises line ends the same way
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    if not _EMPTY_TASK.search(source):
        return parser.parse(source), frozenset()
    lines = source.split("\n")
    empty: set[int] = set()
    line_no, pos = 0, 0
    for m in _EMPTY_TASK.finditer(source):
        line_no += source.count("\n", pos, m.start())
        pos = m.start()
        content = content_column(lines[line_no], 1)
        # the box must be the item's content (not indented code), and the blank line must
        # be too short to continue the item (a blank line of spaces can continue it)
        if columns(m.group("head")) == content > columns(m.group("next")):
            empty.add(line_no)
    for _ in range(3):
        blanked = list(lines)
        for n in empty:
            blanked[n] = _BOX.sub("   ", lines[n], count=1)
        tokens = parser.parse("\n".join(blanked))
        starts = {t.map[0] for t in tokens if t.type == "list_item_open"}
        lost = {n for n in empty if n not in starts}
        if not lost:
            return tokens, frozenset(empty)
        empty -= lost
    return parser.parse(source), frozenset()


# ---------------------------------------------------------------------- columns
def indent_columns(line: str) -> int:
    """Column of the first non-blank character (tabs stop every 4 columns)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def columns(text: str) -> int:
    """Width of ``text`` in columns from column 0 (tabs stop every 4 columns)."""
    col = 0
    for ch in text:
        col = col + 4 - col % 4 if ch == "\t" else col + 1
    return col


def content_column(line: str, markers: int) -> int:
    """Content column of the ``markers``-th list item opened on ``line`` (CommonMark rules:
    1-4 columns of space after the marker, or 1 if more, or if nothing follows)."""
    col, pos = 0, 0
    for _ in range(markers):
        while pos < len(line) and line[pos] in " \t":
            col = col + 4 - col % 4 if line[pos] == "\t" else col + 1
            pos += 1
        m = _MARKER.match(line, pos)
        if not m:
            return col
        col += m.end() - pos
        pos = m.end()
        start = col
        while pos < len(line) and line[pos] in " \t":
            col = col + 4 - col % 4 if line[pos] == "\t" else col + 1
            pos += 1
        width = col - start
        if pos >= len(line) or width > 4:
            col = start + 1
            # the rest (if any) is measured again from here by the next marker
            pos = _advance_columns(line, m.end(), start, col)
    return col


def _advance_columns(line: str, pos: int, col: int, target: int) -> int:
    """Index in ``line`` where column ``target`` is reached, starting at ``pos``/``col``."""
    while pos < len(line) and col < target:
        col = col + 4 - col % 4 if line[pos] == "\t" else col + 1
        pos += 1
    return pos
