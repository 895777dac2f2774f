"""Which list items GitHub draws a checkbox for, over markdown-it's tokens.

The tokens (``markdown/tokens.py``) give cmark-gfm's block structure; cmark-gfm's task
rule (``extensions/tasklist.c``) then differs in ways reproduced here, pinned by
``tests/test_gfm_fidelity.py``:

* it scans the item's whole source line from column 0, so the list marker must be the
  first thing on the line: no task inside a block quote (``> - [ ] x``), none for a
  second marker on the same line (``- - [ ] x``), none on line 1 right after a BOM;
* the checked state is ``[x]`` or ``[X]`` *anywhere* on that line
  (:func:`runbookgen.markdown.grammar.gfm_checked`);
* its hook also fires on lazy lines of a block quote inside an item (below).

The index also matches every opening token to its close and counts tasks, so the builder
(``markdown/builder.py``) asks "does this block hold a task?" in O(1).
"""

from __future__ import annotations

from typing import Any

from runbookgen.markdown.grammar import gfm_checked
from runbookgen.markdown.tokens import content_column, indent_columns


class TaskIndex:
    """The tasks of one token stream: ``checked`` (by ``list_item_open`` index), ``close``
    and :meth:`has_tasks`."""

    def __init__(self, tokens: list[Any], lines: list[str], bom: bool) -> None:
        self.tokens, self.lines, self.bom = tokens, lines, bom
        toks = tokens
        n = len(toks)
        close = list(range(n))
        checked: dict[int, bool] = {}
        stack: list[int] = []
        quote_at = -1  # position in ``stack`` of the outermost open block quote
        for i, t in enumerate(toks):
            if t.nesting == 1:
                if t.type == "list_item_open" and "checked" in t.meta:
                    state = self._gfm_checked(t, toks[stack[-2]] if len(stack) > 1 else None)
                    if state is not None:
                        checked[i] = state
                elif t.type == "blockquote_open" and quote_at < 0:
                    quote_at = len(stack)
                elif (
                    t.type == "paragraph_open"
                    and quote_at > 0
                    and toks[stack[quote_at - 1]].type == "list_item_open"
                ):
                    self._lazy_task_lines(t, stack[:quote_at], checked)
                stack.append(i)
            elif t.nesting == -1:
                close[stack.pop()] = i
                if len(stack) == quote_at:
                    quote_at = -1
        tasks = [0] * (n + 1)
        count = 0
        for i in range(n):
            if i in checked:
                count += 1
            tasks[i + 1] = count
        self.close = close  # token index of each opening token's close
        self.tasks = tasks  # tasks before each token index, so ranges count in O(1)
        self.checked = checked  # list_item_open index -> checked, for every task

    def _lazy_task_lines(self, para: Any, items: list[int], checked: dict[int, bool]) -> None:
        """cmark-gfm's task hook also fires on lazy lines: in ``- x`` / ``  > quote`` /
        ``      - [x] y`` the third line continues the quote's paragraph, but cmark-gfm
        offers it to the tasklist scanner with the item ``- x`` as container, which then
        gets a box (checked by that line). Reproduced for a paragraph inside a block quote
        that is a direct child of a list item (``items`` = the open tokens down to it)."""
        li = self.tokens[items[-1]]
        same_line = sum(
            1
            for k in items[:-1]
            if self.tokens[k].type == "list_item_open" and self.tokens[k].map[0] == li.map[0]
        )
        col = content_column(self.lines[li.map[0]], same_line + 1)
        for n in range(para.map[0] + 1, para.map[1]):
            line = self.lines[n]
            state = gfm_checked(line)
            if state is not None and indent_columns(line) >= col + 4:
                checked[items[-1]] = state

    def _gfm_checked(self, li: Any, container: Any) -> bool | None:
        """cmark-gfm's verdict on an item markdown-it saw a checkbox in: None if no box."""
        line_no = li.map[0]
        if (
            container is not None
            and container.type in ("list_item_open", "blockquote_open")
            and container.map[0] == line_no
        ):
            return None  # the marker is not the first thing on its line
        if line_no == 0 and self.bom:
            return None  # cmark-gfm scans the BOM as part of line 1
        return gfm_checked(self.lines[line_no])

    def has_tasks(self, i: int) -> bool:
        """Whether the block opened by token ``i`` holds a task (at any depth)."""
        return self.tasks[self.close[i] + 1] - self.tasks[i] > 0
