"""markdown-it tokens → :class:`~runbookgen.model.Runbook`, following GitHub's rendering.

Which list items are tasks, and their checked state, is GitHub's decision, made in
``markdown/taskindex.py``; this module builds the model over it. Headings are stages and
sections; an ordered or bulleted item that is not a task but holds tasks is a *step* (a
section); a task's sub-items are its children; every other block is prose, whose
``**Label**:`` lines may be metadata, estimates, fields or choices
(``markdown/fields.py``). Kinds are assigned at the end (``markdown/kinds.py``).
"""

from __future__ import annotations

import gc
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Any, NamedTuple

from runbookgen.errors import RunbookgenError
from runbookgen.markdown.fields import (
    ESTIMATE_LABELS,
    METADATA_LABELS,
    label_lines,
    label_pattern,
    label_value,
    parse_estimate,
)
from runbookgen.markdown.frontmatter import parse_front_matter
from runbookgen.markdown.grammar import is_optional, read_task_text
from runbookgen.markdown.kinds import apply_kinds, heading_hints
from runbookgen.markdown.source import read_text
from runbookgen.markdown.taskindex import TaskIndex
from runbookgen.markdown.tokens import protect_task_text, tokenize
from runbookgen.model import Choice, Item, Prose, Runbook, Section
from runbookgen.text import first_line, slugify, strip_markup

_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_BOLD_PREFIX = re.compile(r"^\*\*(?P<label>[^*]+?):?\*\*:?")
_LINE_END = re.compile(r"\r\n?|\n")


def load(path: str | os.PathLike[str], *, field_labels: frozenset[str] | None = None) -> Runbook:
    """Parse a Markdown file; errors name the file (and line) instead of raising tracebacks."""
    return loads(read_text(path), path=os.fspath(path), field_labels=field_labels)


def loads(text: str, *, path: str | None = None, field_labels: frozenset[str] | None = None) -> Runbook:
    """Parse Markdown text. ``field_labels`` (from a template) lets filled-in fields be read."""
    d = draft(text, path=path, field_labels=field_labels)
    return finish(d.model, d.description, d.lines, path)


class Draft(NamedTuple):
    """A parse before :func:`finish`, with the tokens it was built from.

    ``markdown/reuse.py`` keeps one per document structure and finishes a patched copy
    for every run of that structure, so the finishing rules are these, once.
    """

    model: Runbook  # kinds not yet assigned; metadata from ``**Label**:`` lines only
    description: list[Prose]  # the prose before the first section
    tokens: list[Any]
    sentinel: str  # what ``protect_task_text`` put into token content ("" if nothing)
    lines: list[str]  # the text's lines (BOM removed), see :func:`split_lines`


def split_lines(text: str) -> list[str]:
    """A text's lines as the model numbers them: any of LF, CRLF and bare CR ends one."""
    return _LINE_END.split(text) if "\r" in text else text.split("\n")


def draft(text: str, *, path: str | None = None, field_labels: frozenset[str] | None = None) -> Draft:
    """Everything :func:`loads` does but :func:`finish` (a leading BOM is dropped)."""
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    # A parse allocates hundreds of thousands of small objects and no reference cycles, so
    # the cyclic GC would only re-scan them (about 20% of a 2.5 MB parse); pause it.
    paused = gc.isenabled()
    gc.disable()
    try:
        b = _Builder(text, path, field_labels or frozenset(), bom=bom)
        b.build()
        return Draft(b.rb, b.pre_prose, b.tokens, b.sentinel, b.lines)
    except RecursionError:
        raise RunbookgenError(
            f"nested too deeply to parse (Python's recursion limit is {sys.getrecursionlimit()}; "
            "lists or block quotes a few hundred levels deep)",
            path,
        ) from None
    finally:
        if paused:
            gc.enable()


def finish(rb: Runbook, description: list[Prose], lines: list[str], path: str | None) -> Runbook:
    """Title, description, version and metadata from the front matter, then every
    section's kind (``markdown/kinds.py``); ``rb`` is changed in place and returned."""
    fm = rb.front_matter
    if not rb.title:
        rb.title = str(fm.get("title") or (Path(path).stem if path else ""))
    rb.description = "\n\n".join(p.text for p in description)
    version = fm.get("version", rb.metadata.get("Version"))
    rb.version = None if version is None else str(version)
    rb.metadata = {**rb.metadata, **{k: v for k, v in fm.items() if k != "kinds"}}
    apply_kinds(rb, lines, path)
    return rb


class _Builder:
    def __init__(self, text: str, path: str | None, labels: frozenset[str], bom: bool = False) -> None:
        self.path = path
        source, self.sentinel = protect_task_text(text)
        self.tokens = tokenize(source)
        self.lines = split_lines(text)
        self.labels = labels
        self.label_re = label_pattern(labels)
        self.rb = Runbook(title="", path=path, line_count=len(self.lines) - (text.endswith(("\n", "\r"))))
        self.stack: list[Section] = []
        self.implicit: Section | None = None
        self.pre_prose: list[Prose] = []
        self.ids: set[str] = set()
        index = TaskIndex(self.tokens, self.lines, bom)
        self.close, self.checked, self._has_tasks = index.close, index.checked, index.has_tasks

    def _content(self, tok: Any) -> str:
        """An inline token's source, without the sentinel ``protect_task_text`` added."""
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
        timing, optional = heading_hints(title)
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
        if not content.lstrip().startswith("**"):
            return False
        parsed = label_lines(content, line)
        if parsed is None:
            return False
        consumed = True
        for ln, label, value in parsed:
            low = label.lower()
            if paragraph and low in ESTIMATE_LABELS and sec is not None:
                est = parse_estimate(value)
                if est is not None:
                    sec.estimate = est
                    continue
            if paragraph and low in METADATA_LABELS and not (sec is not None and low in ("owner", "owners")):
                self.rb.metadata[label] = value
                continue
            # (an Owner(s) line under a heading stays the section's prose: records/owners.py)
            consumed = False
            if sec is None:
                continue
            got = label_value(label, value, ln, self.labels)
            if isinstance(got, Choice):
                sec.choices.append(got)
            elif got is not None:
                sec.fields.append(got)
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
            title = content.strip()
            if title.startswith("**"):
                title = _BOLD_PREFIX.sub(lambda m: m.group("label"), title, count=1).strip()
            title = first_line(title) or "Step"
            timing, optional = heading_hints(title)
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
        task = read_task_text(content, self.label_re)
        owner = parent.id if parent is not None else sec.id
        item = Item(
            id=self._unique(f"{owner}/{slugify(task.key)}"),
            text=task.text,
            checked=checked,
            line=span[0] + 1,
            end_line=span[1],
            key=task.key,
            optional=is_optional(task.text) or sec.optional or bool(parent and parent.optional),
            skipped=task.skipped,
            skip_reason=task.reason,
            fields=task.fields,
        )
        for f in task.fields:
            f.line = item.line
        (parent.children if parent is not None else sec.items).append(item)
        return item
