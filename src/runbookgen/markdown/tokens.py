"""markdown-it tokens that follow cmark-gfm (GitHub's parser) where the model depends on it.

markdown-it-py gives CommonMark block structure and task lists; cmark-gfm differs in a
few ways that change which items are tasks and how they nest. This module adjusts the
tokenizer so the block structure is cmark-gfm's, pinned by ``tests/test_gfm_fidelity.py``:

* **laziness** — a line indented 4+ columns past the deepest list item it reaches is a
  lazy continuation of the open paragraph in cmark, never a new block
  (:func:`_follow_cmark_laziness`);
* **empty tasks** — ``- [ ] `` with nothing after the box is an empty item in cmark-gfm,
  which a blank line ends and an unindented line does not continue (``tracked_tokenize``);
* **interruptions** — lone HTML tags, tables, link reference definitions
  (:func:`_follow_cmark_laziness`);
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
_MARKER = re.compile(MARKER)
# a table's delimiter row: cells of hyphens with optional colons, pipes between
_DELIMITER_ROW = re.compile(r"^\|?+[ \t]*+:?+-++:?+[ \t]*+(?:\|[ \t]*+:?+-++:?+[ \t]*+)*+\|?+$")
_INDENTS = "runbookgen_indents"
_TABLE_AT = "runbookgen_table_at"  # the line where a table ended a paragraph
_PARA_AT = "runbookgen_paragraph_at"  # the line after a definition: paragraph text in cmark
_STOPS = "runbookgen_stops"  # container column -> {line: where a look-ahead from it stops}
_PARA_START = "runbookgen_paragraph_start"  # first line of the paragraph being read
# the last delimiter row that made no table: (paragraph start, container column, row)
_FAILED_ROW = "runbookgen_failed_delimiter"
_RAISED = "runbookgen_raised"  # line -> its own column, for lines counted as in the container

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
    """Make paragraph interruption and laziness follow CommonMark/cmark-gfm.

    cmark matches a line against the open containers (block quotes, list items) from the
    outside in, then looks for a new block start there:

    * if the text is indented 4+ columns past the deepest item it still belongs to,
      nothing can start there, so the line is a lazy continuation of the open paragraph.
      markdown-it only looks one list level up (``listIndent``) and lets a list, fence,
      rule, ... interrupt the paragraph, closing the lists (:func:`_lazy_guard`);
    * if the line does *not* reach the paragraph's container (``- a`` then ``<br>`` at
      column 0), the block-start rules run without the paragraph-interruption limits,
      so a line holding only an HTML tag starts an HTML block that ends the list; in
      markdown-it such a tag (HTML block type 7) never ends a paragraph
      (:func:`_html_guard`);
    * a task item with only blanks after its box is empty (``tracked_tokenize``);
    * after a link reference definition the next line continues the paragraph the
      definition was read from (:func:`_after_definition`);
    * a list item, block quote, heading, fence or HTML block starts before a table can:
      ``- [ ] a | b`` over ``|---|---|`` is a task whose text goes on lazily in cmark-gfm,
      where markdown-it reads a table whose header is the whole line (:func:`_table_guard`).

    Every ``tokenize`` call records its ``blkIndent`` (the content column of the item it
    parses), so the guards know which containers a line reaches.
    """
    block = instance.block
    plain_tokenize = block.tokenize

    def tracked_tokenize(state: Any, start: int, end: int) -> None:
        if state.parentType == "list" and start < end and _empty_item(state, start):
            # cmark-gfm consumed the box before the item got content, so nothing is left
            # on the line (markdown-it kept the blanks after the box as content): the item
            # is empty, a line not indented into it does not continue it, and a blank line
            # right after it ends it ("a list item can begin with at most one blank line")
            # unless its blanks reach the item's content column (cmark matches the item
            # by indentation first); the same holds for an item with nothing after its marker
            state.tShift[start] = state.eMarks[start] - state.bMarks[start]
            line = start + 1
            while line < end and state.bMarks[line] + state.tShift[line] >= state.eMarks[line]:
                if state.sCount[line] < state.blkIndent:  # (blanks reaching the content
                    end = line  # column continue the item, as in cmark)
                    break
                line += 1
        stack = state.env.setdefault(_INDENTS, [])
        # a block quote starts a new column frame (its lines are measured after the '>')
        stack.append(-1 if state.parentType == "blockquote" else state.blkIndent)
        try:
            plain_tokenize(state, start, end)
        finally:
            stack.pop()

    block.tokenize = tracked_tokenize

    from markdown_it.rules_block.state_block import StateBlock

    # (a subclass, not a patched instance: an instance attribute would slow every call)
    state_class = type("CmarkStateBlock", (StateBlock,), {"isEmpty": _cmark_is_empty})

    def parse(src: str, md: Any, env: Any, out: list[Any]) -> list[Any] | None:
        if not src:
            return None
        state = state_class(src, md, env, out)
        block.tokenize(state, state.line, state.lineMax)
        return state.tokens

    block.parse = parse
    ruler = block.ruler
    plain_rules = ruler.getRules
    by_name = {rule.name: rule.fn for rule in ruler.__rules__}
    starts = [
        by_name[n] for n in ("list", "blockquote", "heading", "fence", "html_block", "hr") if n in by_name
    ]
    memo: dict[str, tuple[Any, list[Any]]] = {}

    def get_rules(chain: str = "") -> list[Any]:
        rules = plain_rules(chain)
        if chain not in ("", "paragraph", "blockquote", "reference"):
            return rules
        got = memo.get(chain)
        if got is None or got[0] is not rules:
            got = (rules, [_guarded(fn, chain, by_name, starts) for fn in rules])
            memo[chain] = got
        return got[1]

    ruler.getRules = get_rules


def _guarded(fn: Any, chain: str, by_name: dict[str, Any], starts: list[Any]) -> Any:
    if chain == "reference":
        # cmark reads a link reference definition as a paragraph first: what cannot
        # interrupt a paragraph (``3) x``, an empty item) cannot end a definition either
        return _as_paragraph(fn) if fn is by_name.get("list") else fn
    if fn is by_name.get("table"):
        # (a table starts at its delimiter row, which is inside the container; its header
        # is the paragraph's last line even when that line is lazy: no laziness guard)
        return _table_guard(fn, starts, chain)
    if chain == "":
        if fn is by_name.get("lheading"):
            return _keeps_parent_type(fn)
        if fn is by_name.get("paragraph"):
            return _paragraph_before_table(fn)
        if fn is by_name.get("reference"):
            return _definition_end(fn, starts)
        if fn in (by_name.get("list"), by_name.get("code"), by_name.get("html_block"), by_name.get("hr")):
            return _after_definition(fn, by_name)
        return fn
    if fn is by_name.get("html_block"):
        fn = _html_guard(fn, lazy_only=chain == "paragraph")
    # (the blockquote chain decides whether a line without ">" goes on lazily)
    return _lazy_guard(fn)


def _table_guard(fn: Any, starts: list[Any], chain: str) -> Any:
    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        below = start + 1
        if below >= end:
            return False
        first = state.bMarks[below] + state.tShift[below]
        if first >= state.eMarks[below] or state.src[first] not in "|-:":
            return False  # no delimiter row below: no table (the common case, kept cheap)
        if not _DELIMITER_ROW.match(state.src[first : state.eMarks[below]].rstrip()):
            return False
        if chain == "paragraph" and _no_more_tables(state, start):
            return False
        if not _in_container(state, below):
            return False  # (a lazy line, even one counted as a header's, is no delimiter row)
        # As a paragraph terminator the header line is the paragraph's last line in cmark,
        # so only what may interrupt a paragraph starts first; the table then opens at that
        # line in the main chain as decided. At any other block start nothing is
        # interrupted (markdown-it's ``parentType`` can still say "paragraph": lheading
        # leaves it so, which would wrongly limit the list rule).
        lazy = chain == "paragraph" and state.sCount[start] < state.blkIndent
        if lazy and -1 in state.env.get(_INDENTS, ()):
            return False  # (inside a block quote: left as lazy paragraph text)
        decided = chain == "" and state.env.get(_TABLE_AT) == start  # by the terminator
        col = state.sCount[start]
        # (the line after a link reference definition continues a paragraph, see
        # _after_definition: only what may interrupt one starts before the table, and
        # indented code-deep it is still that paragraph's line, so it may be the header)
        after_definition = state.env.get(_PARA_AT) == (start, state.blkIndent)
        deep = after_definition and state.is_code_block(start)
        if not decided and not (lazy and col >= 4 and _lazy_in_cmark(state.env.get(_INDENTS, ()), col)):
            # (a line 4+ columns past the container it reaches starts nothing in cmark)
            parent = state.parentType
            state.parentType = "paragraph" if chain == "paragraph" or after_definition else "table"
            try:
                blocked = any(rule(state, start, end, True) for rule in starts)
            finally:
                state.parentType = parent
            # at a block start a line holding only an HTML tag opens an HTML block (type
            # 7, which the silent HTML rule reports as unable to end a paragraph); so does
            # a lazy line, which cmark matches against the container it reaches, where no
            # paragraph is open
            if blocked or ((chain != "paragraph" or lazy) and _html_tag_line(state, start)):
                return False  # that block starts first; the row is text (or lazy) in cmark-gfm
        # cmark-gfm reads a lazy header from the column of the container the line reaches:
        # blanks there before a leading pipe make an empty first cell (``  | a | b |``
        # under ``3) x`` has three cells)
        cells = _lazy_header_cells(state, start)
        if lazy or deep:  # measure the header as if it were indented into the container
            indent = state.sCount[start]
            state.sCount[start] = state.blkIndent
        if cells is None:
            found = bool(fn(state, start, end, silent)) or _header_table(state, start, end, silent)
        else:
            found = _header_table(state, start, end, silent, cells)
        if lazy or deep:
            if found and (lazy or not silent):
                state.env.setdefault(_RAISED, {}).setdefault(start, indent)
            else:
                state.sCount[start] = indent
        if not found and not decided and _in_container(state, below):
            # a delimiter row that made no table, in the paragraph this line starts or goes on
            _failed(state, state.env.get(_PARA_START, start) if chain == "paragraph" else start, below)
        if found and chain == "paragraph":
            # A lazy header line (``- 1. x`` / ``a | b`` at column 0 / ``   ---|---``) is the
            # paragraph's last line in cmark-gfm, so the table stays in the paragraph's
            # container: the line now counts as indented into it (sCount stays raised).
            state.env[_TABLE_AT] = start
        return found

    return guarded


def _in_container(state: Any, line: int) -> bool:
    """Does ``line`` reach its container without being indented code (where cmark-gfm
    tries a table's delimiter row)? Measured at the line's own column: a lazy line counted
    as in the container (a table header's, see :func:`_raise`) is still lazy in cmark."""
    col = _own_column(state, line)
    return state.blkIndent <= col < state.blkIndent + 4


def _own_column(state: Any, line: int) -> int:
    """The column of ``line`` before any guard counted it as indented into its container."""
    raised = state.env.get(_RAISED)
    col: int = state.sCount[line] if raised is None else raised.get(line, state.sCount[line])
    return col


def _raise(state: Any, line: int, col: int | None = None) -> None:
    """Count ``line`` as indented into the current container (a paragraph's line in cmark
    that markdown-it would read as lazy or as code), remembering its own column. Only the
    line at the parse position or one the paragraph being read will take is raised."""
    state.env.setdefault(_RAISED, {}).setdefault(line, state.sCount[line])
    state.sCount[line] = state.blkIndent if col is None else col


def _lazy_header_cells(state: Any, line: int) -> int | None:
    """Cells of a lazy header row as cmark-gfm counts them, when that differs from the
    text's own count: cmark adds a lazy line to the paragraph from the content column of
    the deepest container it reaches, so blanks before a leading pipe are a first cell."""
    col = _own_column(state, line)
    if col >= state.blkIndent or -1 in state.env.get(_INDENTS, ()):
        return None
    text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].strip()
    if not text.startswith("|"):
        return None
    base = 0
    for indent in state.env.get(_INDENTS, ()):
        if indent > col:
            break
        base = indent
    return _cells(text) + 1 if col > base else None


def _no_more_tables(state: Any, header: int) -> bool:
    """Did a delimiter row already fail to make a table in this paragraph? cmark-gfm then
    keeps the whole paragraph as text (``a | b`` / ``| - |`` / ``|---|`` is no table)."""
    failed = state.env.get(_FAILED_ROW)
    if failed is None:
        return False
    start, column, row = failed
    return start == state.env.get(_PARA_START) and column == state.blkIndent and start < row <= header


def _failed(state: Any, start: int, row: int) -> None:
    """Note that ``row`` made no table in the paragraph starting at ``start``. Keyed by the
    paragraph: a look-ahead past a paragraph's real end (a list may end it first) must not
    stop tables in the paragraphs that follow."""
    state.env[_FAILED_ROW] = (start, state.blkIndent, row)


def _header_table(state: Any, start: int, end: int, silent: bool, cells: int | None = None) -> bool:
    """The tables markdown-it misses and cmark-gfm reads: a header row without a pipe
    (``x`` over ``|---|`` or ``:--``), or one whose ``cells`` cmark counts differently.
    Same columns in the header and the delimiter row; the table runs to a blank line or a
    block start. Only block boundaries matter to the model, so the table is pushed without
    cells."""
    if start + 2 > end or not _in_container(state, start + 1):
        return False
    if state.is_code_block(start):
        return False  # (as a paragraph's line markdown-it never offers it: see the docs)
    delimiter = state.src[state.bMarks[start + 1] + state.tShift[start + 1] : state.eMarks[start + 1]].strip()
    if not _DELIMITER_ROW.match(delimiter) or ("|" not in delimiter and ":" not in delimiter):
        return False  # a row of hyphens alone underlines a setext heading
    header = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]].strip()
    if not header or (_cells(header) if cells is None else cells) != _cells(delimiter):
        return False
    if silent:
        return True
    line = start + 2
    rules = state.md.block.ruler.getRules("blockquote")
    parent = state.parentType
    state.parentType = "table"
    try:
        while line < end and not state.isEmpty(line) and state.sCount[line] >= state.blkIndent:
            if state.is_code_block(line) or any(rule(state, line, end, True) for rule in rules):
                break
            line += 1
    finally:
        state.parentType = parent
    token = state.push("table_open", "table", 1)
    token.map = [start, line]
    state.push("table_close", "table", -1)
    state.line = line
    return True


def _cells(row: str) -> int:
    """Cells of a table row: split at unescaped pipes, outer pipes dropped."""
    parts = re.split(r"(?<!\\)\|", row)
    if parts and not parts[0].strip():
        parts.pop(0)
    if parts and not parts[-1].strip():
        parts.pop()
    return len(parts)


def _definition_end(fn: Any, starts: list[Any]) -> Any:
    """Note where a link reference definition ended without a blank line after it.

    cmark read the definition from a paragraph, which a following line may continue
    lazily: a line that does not reach the container (``- item`` / ``  [ref]: url`` /
    ``x``) stays in it unless a block starts there, so it counts as indented into it.
    """

    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        found = bool(fn(state, start, end, silent))
        line = state.line
        if found and not silent and line < end and not state.isEmpty(line):
            indents = state.env.get(_INDENTS, ())
            if state.sCount[line] < state.blkIndent and -1 not in indents:
                if _lazy_in_cmark(indents, state.sCount[line]):
                    # 4+ columns past the container it reaches: nothing starts there, the
                    # line is the paragraph's text, as a line indented code-deep into the
                    # container is after a definition (see _after_definition)
                    _raise(state, line, state.blkIndent + 4)
                else:
                    parent = state.parentType
                    state.parentType = "table"  # (a lazy line meets no paragraph limits)
                    try:
                        starting = any(rule(state, line, end, True) for rule in starts)
                    finally:
                        state.parentType = parent
                    if not starting and not _html_tag_line(state, line):
                        _raise(state, line)
            state.env[_PARA_AT] = (line, state.blkIndent)
        return found

    return guarded


def _after_definition(fn: Any, by_name: dict[str, Any]) -> Any:
    """In cmark the line after a definition continues the paragraph the definition was read
    from: a list there must be one that may interrupt a paragraph, neither indented code
    nor a lone HTML tag (block type 7) can start, and ``---`` is no thematic break."""
    kind = next((name for name, rule in by_name.items() if rule is fn), "")

    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        if state.env.get(_PARA_AT) == (start, state.blkIndent):
            if kind == "hr":
                text = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
                if not text.strip(" \t-"):  # "---" underlines the definition's paragraph:
                    return False  # with the definition taken out, it is paragraph text
            elif kind == "list":
                if not _as_paragraph(fn)(state, start, end, True):
                    return False
            elif kind == "code" or not fn(state, start, end, True):
                return False
        return bool(fn(state, start, end, silent))

    return guarded


def _paragraph_before_table(fn: Any) -> Any:
    """End a paragraph where cmark-gfm finds a table under it.

    markdown-it never offers a paragraph line indented four or more columns to the other
    rules (it continues the paragraph whatever it holds), but cmark-gfm reads such a line
    as a table's header when a delimiter row follows inside the container: ``x``, then
    ``    | a | b |``, then ``|---|---|``. The paragraph then ends above the header, which
    counts as indented into the container, so the table rule reads it next.
    """

    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        state.env[_PARA_START] = start
        line = None if silent else _code_deep_header(state, start, end)
        if line is None:
            return bool(fn(state, start, end, silent))
        limit = state.lineMax  # (the paragraph rule reads its end from lineMax)
        state.lineMax = line
        try:
            found = bool(fn(state, start, line, silent))
        finally:
            state.lineMax = limit
        if found and state.line == line:  # (not ended above by something else)
            _raise(state, line)
            state.env[_TABLE_AT] = line
        return found

    return guarded


def _code_deep_header(state: Any, start: int, end: int) -> int | None:
    """The line of the paragraph starting at ``start`` that cmark-gfm reads as a table's
    header though it is indented four or more columns (see :func:`_paragraph_before_table`).

    The look-ahead runs to the next blank line, past where the paragraph may end, and
    markdown-it tries a paragraph (and a setext heading) at every line that starts none
    of the other blocks: a long run of such lines without a blank one would be read again
    from each of them. So the first line from each line on that is blank or indented
    code-deep over a delimiter row is remembered per container column, and every line is
    read once (lines the parse has passed are never read again: a guard only raises a
    line's column at or before the parse position, see :func:`_raise`).
    """
    if -1 in state.env.get(_INDENTS, ()):
        return None
    line = start + 1
    for _ in range(8):  # (most paragraphs end within a few lines: no need to remember)
        if line + 1 >= end or state.bMarks[line] + state.tShift[line] >= state.eMarks[line]:
            return None
        if state.sCount[line] - state.blkIndent > 3 and _row_below(state, line):
            break
        line += 1
    else:
        line = _next_stop(state, line)
    if line + 1 >= end or _blank(state, line):
        return None
    failed = state.env.get(_FAILED_ROW)
    if failed is not None and failed[:2] == (start, state.blkIndent) and start < failed[2] <= line:
        return None  # (a delimiter row above already made no table: see _no_more_tables)
    if _row_below(state, line) < 0:
        _failed(state, start, line + 1)
        return None
    return line


def _next_stop(state: Any, line: int) -> int:
    """The first line from ``line`` on that is blank, the last, or indented code-deep over
    a delimiter row (in the current container); remembered along the way."""
    seen = state.env.setdefault(_STOPS, {}).setdefault(state.blkIndent, {})
    last = len(state.eMarks) - 2
    path = []
    while line not in seen:
        if line >= last or _blank(state, line):
            break
        if state.sCount[line] - state.blkIndent > 3 and _row_below(state, line):
            break
        path.append(line)
        line += 1
    stop: int = seen.get(line, line)
    for passed in path:
        seen[passed] = stop
    seen[line] = stop
    return stop


def _blank(state: Any, line: int) -> bool:
    return bool(state.bMarks[line] + state.tShift[line] >= state.eMarks[line])


def _row_below(state: Any, line: int) -> int:
    """Is the line below ``line`` a delimiter row in the container? 1 if it has as many
    cells as ``line``, -1 if not (no table, and none later in the paragraph), 0 if it is
    no delimiter row."""
    below = line + 1
    if not _in_container(state, below):
        return 0
    row = state.src[state.bMarks[below] + state.tShift[below] : state.eMarks[below]].strip()
    if not row or row[0] not in "|-:" or not _DELIMITER_ROW.match(row):
        return 0
    if "|" not in row and ":" not in row:
        return 0  # hyphens alone: a setext underline or a rule
    header = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].strip()
    return 1 if _cells(header) == _cells(row) else -1


def _keeps_parent_type(fn: Any) -> Any:
    """markdown-it's setext heading rule sets ``parentType`` to "paragraph" and does not
    set it back when no underline follows; every later list, table and HTML check would
    then act as if it interrupted a paragraph. Put it back. Its underline must also come
    before a table that ends the paragraph (see :func:`_paragraph_before_table`)."""

    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        parent = state.parentType
        state.env[_PARA_START] = start
        header = None if silent else _code_deep_header(state, start, end)
        found = bool(fn(state, start, end if header is None else header, silent))
        if not found:
            state.parentType = parent
        return found

    return guarded


def _as_paragraph(fn: Any) -> Any:
    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        parent = state.parentType
        state.parentType = "paragraph"
        try:
            return bool(fn(state, start, end, silent))
        finally:
            state.parentType = parent

    return guarded


def _html_guard(fn: Any, lazy_only: bool) -> Any:
    def guarded(state: Any, start: int, end: int, silent: bool) -> bool:
        if fn(state, start, end, silent):
            return True
        if not silent or (lazy_only and state.sCount[start] >= state.blkIndent):
            return False
        return _html_tag_line(state, start)

    return guarded


def _html_tag_line(state: Any, line: int) -> bool:
    """Does ``line`` open an HTML block of type 7 (a line holding only a tag)?"""
    from markdown_it.rules_block.html_block import HTML_SEQUENCES

    if not state.md.options.get("html") or state.is_code_block(line):
        return False
    text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
    return text.startswith("<") and HTML_SEQUENCES[-1][0].search(text) is not None


def _empty_item(state: Any, line: int) -> bool:
    """Is ``line`` the first line of the list item just opened, with only blanks after its
    marker or its task box?"""
    tokens = state.tokens
    if not tokens:
        return False
    item = tokens[-1]
    if item.type != "list_item_open" or item.map[0] != line:
        return False
    return not state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].strip(" \t")


def _cmark_is_empty(state: Any, line: int) -> bool:
    """``state.isEmpty`` as cmark sees the line after an empty item's first line: a blank
    line whose blanks reach the item's content column continues the item (cmark matches
    an item by indentation before it asks whether the line is blank), where markdown-it's
    list rule ends the item without reading on (``-`` / ``··`` / ``·····+ [ ] x``)."""
    if state.bMarks[line] + state.tShift[line] < state.eMarks[line]:
        return False
    return not (line > 0 and state.sCount[line] >= state.blkIndent and _empty_item(state, line - 1))


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
    Line ends become LF first (markdown-it reads CRLF and bare CR the same way), so a
    file with bare-CR line ends is protected too.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "[" not in text or not _TASK_BLOCK_START.search(text):
        return text, ""
    sentinel = next((c for c in _SENTINELS if c not in text), "")
    if not sentinel:  # every candidate occurs in the text: leave it (absurd input)
        return text, ""
    return _TASK_BLOCK_START.sub(lambda m: m.group(1) + sentinel, text), sentinel


def tokenize(source: str) -> list[Any]:
    """markdown-it tokens of ``source``, in cmark-gfm's block structure.

    Line ends are read as LF (markdown-it treats CRLF and bare CR alike). The adjustments
    live in the rules markdown-it runs (:func:`_follow_cmark_laziness`), so this is one
    parse whatever the text holds.
    """
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    return md().parse(source)


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
