"""Markdown checklist → :class:`~runbookgen.model.Runbook`, following GitHub's rendering.

An item is a task exactly when GitHub's cmark-gfm would draw a checkbox for it, nested
the way GitHub nests it. markdown-it-py's built-in task lists (``meta["checked"]`` on
``list_item_open``) and CommonMark block structure give most of that. cmark-gfm's task
rule (``extensions/tasklist.c``) differs in ways this module reproduces, pinned by tests
that use cmark-gfm as the oracle (``tests/test_gfm_fidelity.py``):

* it scans the item's whole source line from column 0, so the list marker must be the
  first thing on the line: no task inside a block quote (``> - [ ] x``), none for a
  second marker on the same line (``- - [ ] x``), none on line 1 right after a BOM;
* the checked state is ``[x]`` or ``[X]`` *anywhere* on that line (``- [ ] see [x]``
  draws a ticked box);
* after the checkbox no other block may start on that line: ``- [ ] # x`` is a task
  reading ``# x``, not a heading (see :data:`_TASK_BLOCK_START`).

Only block structure matters for the model, so inline parsing is switched off: item text
is the inline Markdown *source*, rendered later by whoever displays it.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.model import KINDS, Choice, Estimate, Field, Item, Prose, Runbook, Section
from runbookgen.text import first_line, slugify, strip_markup

_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_OPTIONAL = re.compile(
    r"\((?:if|when)\s+(?:needed|required|applicable|necessary|appropriate)\)|\(optional\)", re.I
)
_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_STRIKE = re.compile(r"^~~(?P<text>(?:(?!~~).)+)~~(?P<rest>.*)$", re.S)
_NA_PREFIX = re.compile(r"^\s*(?:[-—–:]\s*)?(?:n/?a|not applicable|skip(?:ped)?)\b\s*[:\-—–]?\s*", re.I)
_BLANK = re.compile(r"_{3,}")
_BLANK_LABEL = re.compile(r"(?P<label>[^:_\n]*[^\s:_*])\**\s*:\s*\**\s*_{3,}")
_LABEL_LINE = re.compile(r"^\*\*(?P<label>[^*]+?)\*\*\s*:?\s*(?P<value>.*?)\s*$")
_BOLD_PREFIX = re.compile(r"^\*\*(?P<label>[^*]+?):?\*\*:?")
_CHOICE_OPT = re.compile(r"\[(?P<mark>[ xX])\]\s*(?P<text>[^\[]*?)\s*(?=\[[ xX]\]|$)")
_ESTIMATE = re.compile(
    r"(?P<a>\d+(?:\.\d+)?)\s*(?:(?:-|–|—|to)\s*(?P<b>\d+(?:\.\d+)?))?\s*"
    r"(?P<unit>minutes?|mins?|m|hours?|hrs?|h)\b",
    re.I,
)
_ESTIMATE_LABELS = frozenset({"time estimate", "estimated time", "estimate", "estimated duration"})
_METADATA_LABELS = frozenset(
    {
        "version",
        "last updated",
        "next review",
        "owner",
        "owners",
        "author",
        "authors",
        "maintainer",
        "maintainers",
        "review cycle",
        "last reviewed",
        "created",
        "reviewed by",
    }
)
_TRIGGER_TITLE = re.compile(
    r"\b(?:roll[- ]?back|abort|escalation|no[- ]go)\s+(?:criteria|triggers?|conditions?)\b", re.I
)
_TRIGGER_INTRO = re.compile(
    r"\b(?:initiate|trigger|start|begin|perform)\s+(?:a\s+)?roll[- ]?back\s+(?:if|when)\b"
    r"|\bif\s+any\s+of\s+the\s+following\s+(?:occurs?|happens?|are\s+true|is\s+true)\b",
    re.I,
)
_CONDITIONAL_TITLE = re.compile(r"\broll[- ]?back\s+(?:procedure|steps|process|runbook)\b", re.I)
_CONDITIONAL_INTRO = re.compile(
    r"^\s*(?:only\s+)?if\s+(?:a\s+)?(?:roll[- ]?back|incident|failure)\s+is\s+"
    r"(?:required|needed|necessary|declared|initiated)\b",
    re.I,
)
_SIGNOFF_TITLE = re.compile(r"\bsign[- ]?offs?\b|\bapprovals?\b", re.I)
_FM_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
# cmark-gfm's ``scan_tasklist`` (ext_scanners.re), applied to the item's whole first line.
_GFM_TASK_LINE = re.compile(r"[ \t\v\f]*(?:[-+*]|[0-9]+.)[ \t\v\f]+\[[ xX]\][ \t\v\f]")
# A task line whose text would start another block in markdown-it (heading, quote, list,
# rule, fence, HTML) but is paragraph text in cmark-gfm; a sentinel keeps it a paragraph.
_TASK_BLOCK_START = re.compile(
    r"^([ \t]*(?:[-+*]|[0-9]{1,9}[.)])[ \t]+\[[ xX]\][ \t])(?=[#>*+\-_`~<=]|[0-9]{1,9}[.)])", re.M
)
_SENTINELS = ("\ue000", "\ue001", "\ue002", "\ufdd0")
_MAX_YAML_NODES = 100_000

_md_instance: Any = None


def _md() -> Any:
    """The shared markdown-it instance: CommonMark + GFM tables/strikethrough + task lists."""
    global _md_instance
    if _md_instance is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.front_matter import front_matter_plugin

        # maxNesting: the preset's 20 silently drops everything below ~10 list levels;
        # GitHub has no such limit. Python's recursion limit is the real bound (loads).
        md = MarkdownIt("commonmark", {"tasklists": True, "maxNesting": 100_000})
        md.enable(["table", "strikethrough"])
        md.use(front_matter_plugin)
        md.disable("inline")  # the model needs block structure and inline *source* only
        md.disable("text_join")
        _follow_cmark_laziness(md)
        _md_instance = md
    return _md_instance


_INDENTS = "runbookgen_indents"


def _follow_cmark_laziness(md: Any) -> None:
    """Make paragraph interruption inside nested lists follow CommonMark/cmark-gfm.

    cmark matches a line against the open list items from the outside in; if the text is
    indented 4+ columns past the deepest item it still belongs to, nothing can start
    there, so the line is a lazy continuation of the open paragraph. markdown-it only
    looks one list level up (``listIndent``) and lets a list, fence, rule, ... interrupt
    the paragraph, closing the lists. Here every ``tokenize`` call records its
    ``blkIndent`` (the content column of the item it parses), and the rules that may
    interrupt a paragraph decline when cmark would read the line as lazy.
    """
    block = md.block
    tokenize = block.tokenize

    def tracked_tokenize(state: Any, start: int, end: int) -> None:
        stack = state.env.setdefault(_INDENTS, [])
        # a block quote starts a new column frame (its lines are measured after the '>')
        stack.append(-1 if state.parentType == "blockquote" else state.blkIndent)
        try:
            tokenize(state, start, end)
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


def load(path: str | os.PathLike[str], *, field_labels: frozenset[str] | None = None) -> Runbook:
    """Parse a Markdown file; errors name the file (and line) instead of raising tracebacks."""
    return loads(read_text(path), path=os.fspath(path), field_labels=field_labels)


def read_text(
    path: str | os.PathLike[str],
    shown: str | os.PathLike[str] | None = None,
    what: str = "a Markdown file",
    missing: str = "no such file",
) -> str:
    """A file's UTF-8 text, or a one-line error naming ``shown`` (default: the path)."""
    name = path if shown is None else shown
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RunbookgenError(missing, name) from None
    except IsADirectoryError:
        raise RunbookgenError(f"is a directory, not {what}", name) from None
    except PermissionError:
        raise RunbookgenError("permission denied", name) from None
    except OSError as exc:
        raise RunbookgenError(exc.strerror or str(exc), name) from None
    return decode(data, name)


def decode(data: bytes, path: str | os.PathLike[str] | None = None) -> str:
    """UTF-8 (with or without BOM) or a one-line error naming the first bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RunbookgenError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
            path,
            line,
        ) from None


def loads(text: str, *, path: str | None = None, field_labels: frozenset[str] | None = None) -> Runbook:
    """Parse Markdown text. ``field_labels`` (from a template) lets filled-in fields be read."""
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    # A parse allocates hundreds of thousands of small objects and no reference cycles, so
    # the cyclic GC would only re-scan them (about 20% of a 2.5 MB parse); pause it.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Builder(text, path, field_labels or frozenset(), bom=bom).build()
    except RecursionError:
        raise RunbookgenError(
            f"nested too deeply to parse (Python's recursion limit is {sys.getrecursionlimit()}; "
            "lists or block quotes a few hundred levels deep)",
            path,
        ) from None
    finally:
        if paused:
            gc.enable()


def _protect_task_text(text: str) -> tuple[str, str]:
    """Put a sentinel after checkboxes whose text markdown-it would read as a new block.

    Returns the text to tokenize and the sentinel to strip from token content ("" if
    nothing was changed). Only the first line of such items changes, so line numbers hold.
    """
    if not _TASK_BLOCK_START.search(text):
        return text, ""
    sentinel = next((c for c in _SENTINELS if c not in text), "")
    if not sentinel:  # every candidate occurs in the text: leave it (absurd input)
        return text, ""
    return _TASK_BLOCK_START.sub(lambda m: m.group(1) + sentinel, text), sentinel


_EMPTY_TASK = re.compile(
    r"^(?P<head>[ \t]*(?:[-+*]|[0-9]{1,9}[.)])[ \t]+)\[[ xX]\][ \t]*\n"
    r"(?=(?P<next>[ \t]*)(?:\n|\Z))",
    re.M,
)


def _tokenize(source: str) -> tuple[list[Any], frozenset[int]]:
    """markdown-it tokens, with cmark-gfm's ending of empty tasks.

    In cmark-gfm the box is consumed before the item gets content, so ``- [ ] `` with
    nothing after it is an *empty* item: a blank line ends it, and what follows is not
    nested in it. markdown-it sees content (the box) and keeps the item open. Blanking the
    box (same columns) makes markdown-it end the item too; the returned 0-based lines say
    where those boxes were. An empty item cannot interrupt a paragraph in markdown-it
    (in cmark-gfm the box counts as content), so where a blanked line stopped starting a
    list item the box is put back.
    """
    md = _md()
    if "[" not in source:
        return md.parse(source), frozenset()
    if "\r" in source:  # markdown-it normalises line ends the same way
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    if not _EMPTY_TASK.search(source):
        return md.parse(source), frozenset()
    lines = source.split("\n")
    empty: set[int] = set()
    line_no, pos = 0, 0
    for m in _EMPTY_TASK.finditer(source):
        line_no += source.count("\n", pos, m.start())
        pos = m.start()
        content = _content_column(lines[line_no], 1)
        # the box must be the item's content (not indented code), and the blank line must
        # be too short to continue the item (a blank line of spaces can continue it)
        if _columns(m.group("head")) == content > _columns(m.group("next")):
            empty.add(line_no)
    for _ in range(3):
        blanked = list(lines)
        for n in empty:
            blanked[n] = re.sub(r"\[[ xX]\]", "   ", lines[n], count=1)
        tokens = md.parse("\n".join(blanked))
        starts = {t.map[0] for t in tokens if t.type == "list_item_open"}
        lost = {n for n in empty if n not in starts}
        if not lost:
            return tokens, frozenset(empty)
        empty -= lost
    return md.parse(source), frozenset()


class _Builder:
    def __init__(self, text: str, path: str | None, labels: frozenset[str], bom: bool = False) -> None:
        self.path = path
        source, self.sentinel = _protect_task_text(text)
        self.tokens, self.empty_tasks = _tokenize(source)
        self.lines = re.split(r"\r\n?|\n", text)
        self.bom = bom
        self.labels = labels
        self.label_re = _label_regex(labels)
        self.rb = Runbook(title="", path=path, line_count=len(self.lines) - (text.endswith(("\n", "\r"))))
        self.stack: list[Section] = []
        self.implicit: Section | None = None
        self.pre_prose: list[Prose] = []
        self.ids: set[str] = set()
        self._index()

    # ------------------------------------------------------------------ token index
    def _index(self) -> None:
        """Match every opening token to its close, decide which items are tasks, and count
        tasks so "does this range hold a task?" answers in O(1)."""
        toks = self.tokens
        n = len(toks)
        close = list(range(n))
        checked: dict[int, bool] = {}
        stack: list[int] = []
        quote_at = -1  # position in ``stack`` of the outermost open block quote
        for i, t in enumerate(toks):
            if t.nesting == 1:
                if t.type == "list_item_open" and ("checked" in t.meta or t.map[0] in self.empty_tasks):
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
        self.close = close
        self.tasks = tasks
        self.checked = checked

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
        col = _content_column(self.lines[li.map[0]], same_line + 1)
        for n in range(para.map[0] + 1, para.map[1]):
            line = self.lines[n]
            if _GFM_TASK_LINE.match(line) and _indent_columns(line) >= col + 4:
                checked[items[-1]] = "[x]" in line or "[X]" in line

    def _gfm_checked(self, li: Any, container: Any) -> bool | None:
        """cmark-gfm's verdict on an item markdown-it saw a checkbox in: None if no box."""
        line_no = li.map[0]
        if (
            container is not None
            and container.type in ("list_item_open", "blockquote_open")
            and container.map[0] == line_no
        ):
            return None  # the marker is not the first thing on its line
        line = self.lines[line_no]
        if line_no == 0 and self.bom:
            return None  # cmark-gfm scans the BOM as part of line 1
        if not _GFM_TASK_LINE.match(line):
            return None
        return "[x]" in line or "[X]" in line

    def _has_tasks(self, i: int) -> bool:
        return self.tasks[self.close[i] + 1] - self.tasks[i] > 0

    def _content(self, tok: Any) -> str:
        """An inline token's source, without the sentinel :func:`_protect_task_text` added."""
        return tok.content.replace(self.sentinel, "") if self.sentinel else tok.content

    # ------------------------------------------------------------------ build
    def build(self) -> Runbook:
        toks, close = self.tokens, self.close
        i, n = 0, len(toks)
        while i < n:
            t = toks[i]
            typ = t.type
            if typ == "front_matter":
                self._front_matter(t)
                i += 1
                continue
            if typ == "heading_open":
                self._heading(t, self._content(toks[i + 1]))
            elif typ == "paragraph_open":
                self._paragraph(i, self._current())
            elif typ in _LIST_OPEN:
                self._list(i, None, None)
            elif typ == "hr":
                pass
            else:
                self._add_prose(self._current(), self._prose(t.map))
            i = close[i] + 1
        end = self.rb.line_count
        for sec in self.stack:
            sec.end_line = end
        if self.implicit is not None and not self.implicit.end_line:
            self.implicit.end_line = end
        self._finish()
        return self.rb

    def _current(self) -> Section | None:
        if self.stack:
            return self.stack[-1]
        return self.implicit

    def _section_for_items(self) -> Section:
        sec = self._current()
        if sec is None:
            title = self.rb.title or "Checklist"
            sec = self.implicit = Section(
                id=self._unique(slugify(title)), title=title, level=1, line=1, path=(title,)
            )
            self.rb.stages.append(sec)
        return sec

    def _unique(self, base: str) -> str:
        ident, n = base, 1
        while ident in self.ids:
            n += 1
            ident = f"{base}-{n}"
        self.ids.add(ident)
        return ident

    def _front_matter(self, tok: Any) -> None:
        data, lines = parse_front_matter(tok.content, self.path)
        self.rb.front_matter = data
        self.rb.front_matter_lines = lines
        self.rb.body_line = tok.map[1] + 1

    def _heading(self, tok: Any, content: str) -> None:
        level = int(tok.tag[1:])
        line = tok.map[0] + 1
        title = content.strip()
        if level == 1 and not self.rb.title and not self.rb.stages:
            self.rb.title = strip_markup(title)
            return
        if self.implicit is not None and not self.stack:
            self.implicit.end_line = line - 1
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop().end_line = line - 1
        parent = self.stack[-1] if self.stack else None
        timing, optional = _heading_hints(title)
        path = (*(parent.path if parent else ()), title)
        ident = self._unique(f"{parent.id}/{slugify(title)}" if parent else slugify(title))
        sec = Section(
            id=ident,
            title=title,
            level=level,
            line=line,
            timing=timing,
            optional=optional or bool(parent and parent.optional),
            path=path,
        )
        (parent.sections if parent else self.rb.stages).append(sec)
        self.stack.append(sec)

    # ------------------------------------------------------------------ blocks
    def _prose(self, span: list[int] | None) -> Prose:
        a, b = span if span else (0, 0)
        return Prose(textwrap.dedent("\n".join(self.lines[a:b])).strip("\n"), a + 1)

    def _add_prose(self, sec: Section | None, prose: Prose) -> None:
        if not prose.text.strip():
            return
        (sec.prose if sec is not None else self.pre_prose).append(prose)

    def _paragraph(self, i: int, sec: Section | None) -> None:
        tok = self.tokens[i]
        content = self._content(self.tokens[i + 1])
        line = tok.map[0] + 1
        if self._label_lines(content, line, sec, paragraph=True):
            return
        self._add_prose(sec, self._prose(tok.map))

    def _label_lines(self, content: str, line: int, sec: Section | None, paragraph: bool) -> bool:
        """Read ``**Label**: value`` lines; True when they were metadata or an estimate only."""
        parsed = []
        for offset, raw in enumerate(content.split("\n")):
            m = _LABEL_LINE.match(raw.strip())
            if not m:
                return False
            parsed.append((line + offset, m.group("label").strip().rstrip(":"), m.group("value")))
        consumed = True
        for ln, label, value in parsed:
            low = label.lower()
            if paragraph and low in _ESTIMATE_LABELS and sec is not None:
                est = parse_estimate(value)
                if est is not None:
                    sec.estimate = est
                    continue
            if paragraph and low in _METADATA_LABELS:
                self.rb.metadata[label] = value
                continue
            consumed = False
            if sec is None:
                continue
            opts = list(_CHOICE_OPT.finditer(value))
            if len(opts) >= 2 and value.lstrip().startswith("["):
                sec.choices.append(
                    Choice(
                        name=label,
                        options=[o.group("text") for o in opts],
                        selected=[o.group("text") for o in opts if o.group("mark") != " "],
                        line=ln,
                    )
                )
            elif _BLANK.search(value) or label in self.labels:
                sec.fields.append(Field(name=label, value=_field_value(value), line=ln))
        return consumed

    def _scan_plain_list(self, i: int, sec: Section | None) -> None:
        """A list without tasks is prose; its ``**Label**:`` items may still be fields."""
        for k in range(i, self.close[i]):
            t = self.tokens[k]
            if t.type == "inline" and t.map:
                self._label_lines(self._content(t), t.map[0] + 1, sec, paragraph=False)

    def _list(self, i: int, sec: Section | None, parent: Item | None) -> None:
        tok = self.tokens[i]
        if not self._has_tasks(i):
            if parent is not None:
                parent.notes.append(self._prose(tok.map))
            else:
                target = self._current() if sec is None else sec
                self._scan_plain_list(i, target)
                self._add_prose(target, self._prose(tok.map))
            return
        if sec is None:
            sec = self._section_for_items()
        j, end = i + 1, self.close[i]
        while j < end:
            self._list_item(j, sec, parent)
            j = self.close[j] + 1

    def _children(self, j: int) -> tuple[int, int]:
        """Token range of a list item's blocks after its first paragraph."""
        first = j + 1
        if self.tokens[first].type == "paragraph_open":
            first = self.close[first] + 1
        return first, self.close[j]

    def _list_item(self, j: int, sec: Section, parent: Item | None) -> None:
        toks, close = self.tokens, self.close
        li = toks[j]
        starts_para = toks[j + 1].type == "paragraph_open"
        content = self._content(toks[j + 2]) if starts_para else ""
        k, end = self._children(j)
        if j in self.checked:
            item = self._item(content, self.checked[j], li.map, sec, parent)
            while k < end:
                t = toks[k]
                if t.type in _LIST_OPEN:
                    self._list(k, sec, item)
                elif t.map:
                    item.notes.append(self._prose(t.map))
                k = close[k] + 1 if t.nesting == 1 else k + 1
            return
        has_tasks = self._has_tasks(j)
        if parent is not None:
            if not has_tasks:
                parent.notes.append(self._prose(li.map))
                return
            if starts_para:
                parent.notes.append(self._prose(toks[j + 1].map))
            target: Section = sec
        elif has_tasks:
            title = _BOLD_PREFIX.sub(lambda m: m.group("label"), content.strip()).strip()
            title = first_line(title) or "Step"
            timing, optional = _heading_hints(title)
            target = Section(
                id=self._unique(f"{sec.id}/{slugify(title)}"),
                title=title,
                level=sec.level + 1,
                line=li.map[0] + 1,
                end_line=li.map[1],
                step=True,
                timing=timing,
                optional=optional or sec.optional,
                path=(*sec.path, title),
            )
            sec.sections.append(target)
        else:
            self._scan_plain_list(j, sec)
            sec.prose.append(self._prose(li.map))
            return
        while k < end:
            t = toks[k]
            if t.type in _LIST_OPEN:
                self._list(k, target, parent)
            elif t.map and parent is None:
                self._add_prose(target, self._prose(t.map))
            k = close[k] + 1 if t.nesting == 1 else k + 1

    def _item(self, content: str, checked: bool, span: list[int], sec: Section, parent: Item | None) -> Item:
        text = content.strip()
        skipped, reason = False, None
        m = _STRIKE.match(text)
        if m:
            skipped = True
            text = m.group("text").strip()
            reason = _NA_PREFIX.sub("", m.group("rest").strip()).strip() or None
        fields, key = parse_fields(text, self.label_re)
        if not fields:
            key = strip_markup(first_line(text))
        owner = parent.id if parent is not None else sec.id
        item = Item(
            id=self._unique(f"{owner}/{slugify(key)}"),
            text=text,
            checked=checked,
            line=span[0] + 1,
            end_line=span[1],
            key=key,
            optional=bool(_OPTIONAL.search(text)) or sec.optional or bool(parent and parent.optional),
            skipped=skipped,
            skip_reason=reason,
            fields=fields,
        )
        for f in fields:
            f.line = item.line
        (parent.children if parent is not None else sec.items).append(item)
        return item

    # ------------------------------------------------------------------ finishing
    def _finish(self) -> None:
        rb = self.rb
        fm = rb.front_matter
        if not rb.title:
            rb.title = str(fm.get("title") or (Path(self.path).stem if self.path else ""))
        rb.description = "\n\n".join(p.text for p in self.pre_prose)
        version = fm.get("version", rb.metadata.get("Version"))
        rb.version = None if version is None else str(version)
        rb.metadata = {**rb.metadata, **{k: v for k, v in fm.items() if k != "kinds"}}
        overrides = self._kind_overrides()
        _assign_kinds(rb.stages, None, overrides)
        unused = [v[1] for v in overrides.values() if not v[2]]
        if unused:
            raise RunbookgenError(
                f"front matter 'kinds' names '{unused[0]}', but no section has that title or id",
                self.path,
                self._kinds_entry_line(unused[0]),
            )

    def _kind_overrides(self) -> dict[str, list[Any]]:
        raw = self.rb.front_matter.get("kinds")
        if raw is None:
            return {}
        line = self.rb.front_matter_lines.get("kinds")
        if not isinstance(raw, dict):
            raise RunbookgenError("front matter 'kinds' must map section titles to kinds", self.path, line)
        out: dict[str, list[Any]] = {}
        for name, kind in raw.items():
            if kind not in KINDS:
                raise RunbookgenError(
                    f"front matter 'kinds': '{kind}' for '{name}' is not one of {', '.join(KINDS)}",
                    self.path,
                    self._kinds_entry_line(str(name)),
                )
            out[str(name).strip().lower()] = [kind, str(name), False]
        return out

    def _kinds_entry_line(self, name: str) -> int | None:
        """1-based line of ``name:`` under front matter ``kinds`` (else of ``kinds`` itself)."""
        start = self.rb.front_matter_lines.get("kinds")
        if start is None:
            return None
        entry = re.compile(rf"""^\s+(?:{re.escape(name)}|"{re.escape(name)}"|'{re.escape(name)}')\s*:""")
        for n in range(start, self.rb.body_line - 1):
            if entry.match(self.lines[n]):
                return n + 1
        return start


def _indent_columns(line: str) -> int:
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


def _columns(text: str) -> int:
    """Width of ``text`` in columns from column 0 (tabs stop every 4 columns)."""
    col = 0
    for ch in text:
        col = col + 4 - col % 4 if ch == "\t" else col + 1
    return col


_MARKER = re.compile(r"[-+*]|[0-9]{1,9}[.)]")


def _content_column(line: str, markers: int) -> int:
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


def _assign_kinds(sections: list[Section], inherited: str | None, overrides: dict[str, list[Any]]) -> None:
    """Effective kinds, top down (iterative: steps nest as deep as their lists)."""
    stack = [(sec, inherited) for sec in reversed(sections)]
    while stack:
        sec, parent_kind = stack.pop()
        kind = None
        for key in _override_keys(sec):
            if key in overrides:
                kind = overrides[key][0]
                overrides[key][2] = True
                break
        if kind is None:
            kind = _signal(sec)
        if kind is None:
            if parent_kind in ("triggers", "conditional", "sign-off", "reference"):
                kind = parent_kind
            elif not any(True for _ in sec.all_items()):
                kind = "reference"
            elif any(len(i.fields) >= 2 for i in sec.own_items()):
                kind = "sign-off"
            else:
                kind = "tasks"
        sec.kind = kind
        stack.extend((sub, kind) for sub in reversed(sec.sections))


def _override_keys(sec: Section) -> list[str]:
    bare = _TRAILING_PAREN.sub("", sec.title)
    return [sec.id.lower(), sec.title.lower(), bare.lower(), " / ".join(sec.path).lower()]


def _signal(sec: Section) -> str | None:
    """A kind the section's own title or introduction asks for."""
    first = min([i.line for i in sec.items] + [s.line for s in sec.sections] + [sec.end_line + 1])
    intro = " ".join(p.text for p in sec.prose if p.line < first)
    title = sec.title
    if _TRIGGER_TITLE.search(title) or _TRIGGER_INTRO.search(intro):
        return "triggers"
    if _CONDITIONAL_TITLE.search(title) or _CONDITIONAL_INTRO.search(intro):
        return "conditional"
    if _SIGNOFF_TITLE.search(title):
        return "sign-off"
    return None


def _heading_hints(title: str) -> tuple[str | None, bool]:
    """A trailing ``(24 Hours Before)`` is a timing hint; ``(if required)`` makes it optional."""
    m = _TRAILING_PAREN.search(title)
    if not m:
        return None, False
    if _OPTIONAL.search(m.group(0)):
        return None, True
    return m.group(1).strip() or None, False


def _label_regex(labels: frozenset[str]) -> re.Pattern[str] | None:
    if not labels:
        return None
    alts = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=\s))\**(?P<label>{alts})\**\s*:")


def parse_fields(text: str, known: re.Pattern[str] | None = None) -> tuple[list[Field], str]:
    """Fill-in fields of an item and the text with values removed (its identity).

    Blanks (``Name: ____``) define fields in a template; in a run the blanks are
    replaced by values, so labels known from the template find them again.
    """
    spans: list[tuple[int, int, str]] = []
    # Labels known from the template win: in a half-filled run line ("QA Lead: @erin
    # Date: ____") the blank alone cannot tell where the value ends and the label starts.
    if known is not None and known.match(text):
        spans = [(m.start(), m.end(), m.group("label")) for m in known.finditer(text)]
    if not spans and _BLANK.search(text):
        for m in _BLANK_LABEL.finditer(text):
            label = m.group("label").strip().strip("*").strip()
            colon = text.index(":", m.start("label") + len(m.group("label")))
            spans.append((m.start("label"), colon + 1, label))
    if not spans:
        return [], ""
    fields = []
    for n, (_start, after, label) in enumerate(spans):
        stop = spans[n + 1][0] if n + 1 < len(spans) else len(text)
        fields.append(Field(name=label, value=_field_value(text[after:stop])))
    key = " ".join(f"{f.name}:" for f in fields)
    return fields, key


def _field_value(raw: str) -> str:
    value = raw.strip().strip("*").strip()
    return "" if not value or set(value) <= {"_", " "} else value


def parse_estimate(value: str) -> Estimate | None:
    """``10-15 minutes`` → 10..15; ``1-2 hours`` → 60..120; ``30 min`` → 30..30."""
    m = _ESTIMATE.search(value)
    if not m:
        return None
    factor = 60 if m.group("unit").lower().startswith("h") else 1
    a = float(m.group("a")) * factor
    b = float(m.group("b")) * factor if m.group("b") else a
    lo, hi = sorted((a, b))
    return Estimate(min=round(lo), max=round(hi), text=value.strip())


def parse_front_matter(raw: str, path: str | None) -> tuple[dict[str, Any], dict[str, int]]:
    """YAML 1.2 front matter as a dict, with the 1-based line of each top-level key."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _check_flow_depth(raw, path)
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(raw) if raw.strip() else {}
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise RunbookgenError(f"invalid front matter YAML: {problem}", path, line) from None
    except (YAMLError, ValueError, TypeError) as exc:
        raise RunbookgenError(f"invalid front matter YAML: {exc}", path, 2) from None
    except RecursionError:
        raise RunbookgenError("invalid front matter YAML: nested too deeply", path, 2) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RunbookgenError("front matter must be a YAML mapping of keys to values", path, 2)
    _check_size(data, path)
    lines: dict[str, int] = {}
    for n, line in enumerate(raw.split("\n")):
        m = _FM_KEY.match(line)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = n + 2
    return {str(k): v for k, v in data.items()}, lines


_MAX_FLOW_DEPTH = 64


def _check_flow_depth(raw: str, path: str | None) -> None:
    """Refuse ``[[[[…]]]]`` before YAML sees it: ruamel's time grows with the square of the
    depth (5,000 levels take about a minute). Counts brackets even inside quotes, so the
    limit is generous; no real front matter comes near it."""
    if raw.count("[") + raw.count("{") <= _MAX_FLOW_DEPTH:
        return
    depth = 0
    for n, line in enumerate(raw.split("\n")):
        for ch in line:
            if ch in "[{":
                depth += 1
                if depth > _MAX_FLOW_DEPTH:
                    raise RunbookgenError(
                        f"invalid front matter YAML: nested too deeply (more than {_MAX_FLOW_DEPTH} "
                        "levels of [ ] or { })",
                        path,
                        n + 2,
                    )
            elif ch in "]}" and depth:
                depth -= 1


def _check_size(data: Any, path: str | None) -> None:
    """Refuse alias bombs: count nodes as if aliases were expanded, stopping early."""
    budget = _MAX_YAML_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise RunbookgenError(
                f"front matter is too large when expanded (more than {_MAX_YAML_NODES} values; "
                "YAML aliases?)",
                path,
                2,
            )
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
