"""One parse per document structure: run records of a template share theirs.

A run record made by ``new-run`` is its template's body under front matter; a run then
ticks boxes, strikes items through as skipped, fills sign-off fields and marks the status
choice. None of that changes the *block structure* GitHub (and ``markdown/tokens.py``)
reads, so the markdown-it parse of one such record (most of a site build's time) can serve
every record of the same structure. :class:`ParseCache` keeps, per structure, the
unfinished model of one parsed record (:func:`runbookgen.markdown.builder.draft`) and
derives the model of another from it: a copy, line numbers shifted when the front matter
is longer or shorter, the changed lines read again, then the same
:func:`~runbookgen.markdown.builder.finish` as a full parse. The result equals
:func:`runbookgen.markdown.loads` of the same text (``tests/test_reuse.py`` checks it on
generated changes of the seed runbook and of the GFM generator's documents).

A line may differ from the parsed record's only where the change provably keeps the
block structure; anything else is a :class:`Miss` and the text gets a full parse:

* **a task's first line** (an item of the model, its first paragraph starting on that
  line, outside block quotes): the same indentation, marker and blank before the box and
  after it; the box may change, and the text too if neither the old nor the new one is
  blank, starts with a blank or ``[`` (a link reference definition would start there) or
  holds ``|`` (a table header). After the box every other text is paragraph text: markdown-it
  tries no other block there but the ones ``tokens.protect_task_text`` keeps out. The
  item's text, key, skip and fields are read again with
  :func:`runbookgen.markdown.grammar.read_task_text`; its key (hence its id) and whether
  it is optional (which its children inherit) must stay;
* **a ``**Label**: value`` line** of a paragraph made only of such lines (no block quote,
  not a task's or a step's first paragraph): everything up to the label's closing ``**``
  stays, the label is neither metadata nor an estimate, and the value keeps what it makes
  of the line (a choice, a field or neither, :func:`~runbookgen.markdown.fields.label_value`);
  no ``|`` in either value.

Both kinds of line keep a character no rule reading a whole line accepts (a thematic
break, setext underline, table delimiter row or fence: ``[`` or a label's letters), and
what may start a block is unchanged, so every line before and after is read the same way.
The prose covering a changed line is read again. Texts with private-use or noncharacters
(where ``protect_task_text`` finds its sentinel) are never reused.

The cache is per process: ``web/workers.py`` forks after the site warms it with each
template's fresh run (``records/newrun.py`` ``warm_parse_cache``), so every worker starts
with it. Entries are found by a coarse key — BOM, front matter or not, the field labels
(from the templates' blanks), the number of lines after the front matter — and each one
checks the whole text against its own before it derives anything, so a changed template
(other lines or labels) never meets a stale entry. A text no entry fits is parsed in full;
its structure (:func:`_shape`: task lines without box and text, label lines without value)
is kept the second time it is seen, so unique texts cost one hash; at most
:data:`MAX_ENTRIES` are kept.
"""

from __future__ import annotations

import os
import re
import textwrap
import threading
import weakref
from collections import Counter
from typing import Any, NamedTuple

from runbookgen.markdown.builder import Draft, draft, finish, split_lines
from runbookgen.markdown.builder import loads as full_loads
from runbookgen.markdown.fields import (
    ESTIMATE_LABELS,
    METADATA_LABELS,
    label_lines,
    label_pattern,
    label_value,
)
from runbookgen.markdown.frontmatter import parse_front_matter
from runbookgen.markdown.grammar import gfm_checked, is_optional, read_task_text, task_line
from runbookgen.model import Choice, Estimate, Field, Item, Prose, Runbook, Section

#: structures kept per process (each holds one unfinished model, ~100-200 KB)
MAX_ENTRIES = 64
#: shapes remembered as seen once before the memory is cleared
MAX_SEEN = 20_000

# Private-use characters and noncharacters: markdown/tokens.py picks its sentinel there.
_SENTINEL_RANGE = re.compile("[\ue000-\uf8ff\ufdd0-\ufdef]")
# Characters a line made only of them may be a thematic break, setext underline, table
# delimiter row or fence with; a changed line keeps one that is not among them.
_RULE_CHARS = frozenset(" \t-_=|:*`~+.")


class Miss(NamedTuple):
    """Why a text gets a full parse instead of a derived model."""

    reason: str  # a short code (see tests/test_reuse.py)
    line: int | None = None  # 1-based line of the text, where one is to blame


class _Probe(NamedTuple):
    """A text split up once for the cache and for :meth:`_Entry.derive`."""

    key: tuple[Any, ...]  # BOM, front matter or not, field labels, lines after it
    text: str  # without a BOM
    lines: list[str]
    body: int  # index of the first line after the front matter
    bom: bool


class _Copy(NamedTuple):
    """A copied model and its objects in one fixed order (see :func:`_copy`)."""

    model: Runbook
    description: list[Prose]
    items: list[Item]
    prose: list[Prose]  # the description's, then per section its own and its items' notes
    choices: list[Choice]
    fields: list[Field]  # sections' fields (items' fields are rebuilt with their item)


class _Task(NamedTuple):
    item: int  # index in _Copy.items
    lead: str
    gap: str
    text: str  # the text after the box
    rest: str  # the item's paragraph after its first line ("" or "\n…")
    key: str
    optional: bool


class _Label(NamedTuple):
    head: int  # the line's characters up to the label's closing ``**``
    start: int  # where the paragraph's content starts on the line
    label: str
    kind: type | None  # Choice, Field or None: what the value makes of the line
    target: int | None  # index in _Copy.choices or _Copy.fields of the object read from it


def front_matter_end(lines: list[str]) -> int | None:
    """Index of the line closing the front matter, when it certainly closes there.

    The front matter rule of markdown-it (``mdit_py_plugins.front_matter``) opens at a
    first line of dashes and closes at the first later line of at least as many dashes (up
    to three blanks before, blanks after) or ``...``. Only a plain ``---`` pair is accepted
    here: the first later line that starts, after blanks, with ``---`` or ``...`` must be
    exactly ``---``; otherwise None (a full parse decides).
    """
    if not lines or lines[0] != "---":
        return None
    for n in range(1, len(lines)):
        line = lines[n]
        if line.startswith(("---", "...")) or line.lstrip(" \t").startswith(("---", "...")):
            return n if line == "---" else None
    return None


def _shape(lines: list[str]) -> int:
    """A hash of the parts of a body a run never changes (task lines without their box and
    text, label lines without their value): the same for every run of one structure."""
    out = []
    for line in lines:
        if "[" in line:
            t = task_line(line)
            if t is not None:
                out.append(f"\x00{t.lead}\x00{t.gap}")
                continue
        s = line.find("**")
        if s >= 0:
            q = line.find("*", s + 2)
            if q > s + 2 and line.startswith("**", q):
                out.append("\x01" + line[: q + 2])
                continue
        out.append(line)
    return hash("\n".join(out))


def _probe(text: str, labels: frozenset[str]) -> _Probe | None:
    """A text split into lines with its key, or None when it is not one to reuse for
    (sentinel characters, front matter not closed by a plain ``---``)."""
    if not text.isascii() and _SENTINEL_RANGE.search(text):
        return None
    bom = text.startswith("\ufeff")
    if bom:
        text = text[1:]
    lines = split_lines(text)
    body = 0
    if lines[0].startswith("---"):
        end = front_matter_end(lines)
        if end is None or any(task_line(line) is not None for line in lines[1:end]):
            return None  # (tokens.protect_task_text would also change a task-like line there)
        body = end + 1
    return _Probe((bom, body > 0, labels, len(lines) - body), text, lines, body, bom)


# ---------------------------------------------------------------------- copying a model
def _copy(rb: Runbook, description: list[Prose], delta: int) -> _Copy:
    """A deep copy of an unfinished model with every line number moved by ``delta`` (but
    line 1, where only the implicit first section of a text with front matter sits).

    Objects are listed in one fixed order, so an index found in one copy names the same
    object in every copy of it. Iterative: steps and items nest as deep as their lists.
    """
    items: list[Item] = []
    prose: list[Prose] = []
    choices: list[Choice] = []
    fields: list[Field] = []

    def prose_copy(p: Prose) -> Prose:
        c = Prose(p.text, p.line + delta)
        prose.append(c)
        return c

    desc = [prose_copy(p) for p in description]
    stages: list[Section] = []
    stack: list[tuple[Section, list[Section]]] = [(s, stages) for s in reversed(rb.stages)]
    # Positional arguments (in model.py's field order): a slotted dataclass builds
    # about eight times faster than with keywords, and a model has hundreds of objects.
    while stack:
        s, out = stack.pop()
        est = s.estimate
        sec_fields = [Field(f.name, f.value, f.line + delta) for f in s.fields]
        sec_choices = [Choice(c.name, list(c.options), list(c.selected), c.line + delta) for c in s.choices]
        fields += sec_fields
        choices += sec_choices
        sec = Section(
            s.id,
            s.title,
            s.level,
            s.line if s.line == 1 else s.line + delta,
            s.end_line + delta,
            s.kind,
            s.step,
            s.timing,
            s.optional,
            None if est is None else Estimate(est.min, est.max, est.text),
            [],
            [],
            [prose_copy(p) for p in s.prose],
            sec_fields,
            sec_choices,
            s.path,
        )
        out.append(sec)
        todo: list[tuple[Item, list[Item]]] = [(i, sec.items) for i in reversed(s.items)]
        while todo:
            i, into = todo.pop()
            line = i.line + delta
            item = Item(
                i.id,
                i.text,
                i.checked,
                line,
                i.end_line + delta,
                [],
                i.optional,
                i.skipped,
                i.skip_reason,
                [Field(f.name, f.value, line) for f in i.fields],
                [prose_copy(n) for n in i.notes],
                i.key,
            )
            into.append(item)
            items.append(item)
            todo.extend((c, item.children) for c in reversed(i.children))
        stack.extend((sub, sec.sections) for sub in reversed(s.sections))
    model = Runbook(
        title=rb.title,
        description=rb.description,
        version=rb.version,
        metadata=dict(rb.metadata),
        front_matter=rb.front_matter,
        front_matter_lines=rb.front_matter_lines,
        body_line=rb.body_line,
        stages=stages,
        path=rb.path,
        line_count=rb.line_count,
    )
    return _Copy(model, desc, items, prose, choices, fields)


# ---------------------------------------------------------------------- one structure
class _Entry:
    """One parsed text's unfinished model and, per line, what a change there may do."""

    def __init__(self, d: Draft, probe: _Probe, labels: frozenset[str]) -> None:
        self.labels = labels
        self.label_re = label_pattern(labels)
        self.base = _copy(d.model, d.description, 0)
        self.bom = probe.bom
        self.body = probe.body
        self.lines = probe.lines[probe.body :]
        self.tasks: dict[int, _Task] = {}  # by line index in the parsed text
        self.labeled: dict[int, _Label] = {}
        self.covers: dict[int, list[int]] = {}  # line index -> indices of the prose over it
        self.spans: list[int] = []  # lines of each prose
        self.ok = self._index(d, probe.lines)

    def _index(self, d: Draft, lines: list[str]) -> bool:
        """Find the changeable lines and the prose spans; False if the text is not one to
        keep (it does not parse the way this module expects)."""
        toks = d.tokens
        base = self.base
        if (bool(toks) and toks[0].type == "front_matter") != (self.body > 0):
            return False
        if self.body and toks[0].map[1] != self.body:
            return False
        item_at = _positions(item.line - 1 for item in base.items)
        heads = {s.line - 1 for s in base.model.sections()}
        choice_at = _positions(c.line - 1 for c in base.choices)
        field_at = _positions(f.line - 1 for f in base.fields)
        items_on = Counter(t.map[0] for t in toks if t.type == "list_item_open")
        quoted: set[int] = set()  # list items with a block quote right inside
        task_li: dict[int, int] = {}  # task line -> its list item token
        starts: dict[int, list[int]] = {}  # line -> ends of the blocks starting there
        stack: list[int] = []
        quotes = 0
        for k, t in enumerate(toks):
            if t.map is not None:
                starts.setdefault(t.map[0], []).append(t.map[1])
            if t.nesting == 1:
                if t.type == "blockquote_open":
                    quotes += 1
                    if stack and toks[stack[-1]].type == "list_item_open":
                        quoted.add(stack[-1])
                elif t.type == "paragraph_open" and not quotes:
                    content = toks[k + 1].content
                    if d.sentinel:
                        content = content.replace(d.sentinel, "")
                    line = t.map[0]
                    if stack and stack[-1] == k - 1 and "checked" in toks[k - 1].meta:
                        if len(item_at.get(line, ())) == 1 and items_on[line] == 1:
                            task = self._task(item_at[line][0], content, lines[line])
                            if task is not None:
                                self.tasks[line] = task
                                task_li[line] = k - 1
                    elif line not in heads and line not in item_at:
                        self._labels(t.map, content, lines, choice_at, field_at)
                stack.append(k)
            elif t.nesting == -1 and toks[stack.pop()].type == "blockquote_open":
                quotes -= 1
        for line, li in task_li.items():
            if li in quoted:  # (a lazy line in the quote may set the item's box)
                del self.tasks[line]
        for n, p in enumerate(base.prose):
            a = p.line - 1
            end = next((b for b in starts.get(a, ()) if _prose_text(lines, a, b) == p.text), None)
            if end is None:
                return False
            self.spans.append(end - a)
            for line in range(a, end):
                self.covers.setdefault(line, []).append(n)
        return True

    def _task(self, index: int, content: str, raw: str) -> _Task | None:
        """A task's first line, if it is one to change."""
        t = task_line(raw)
        if t is None:
            return None
        first = content.split("\n", 1)[0]
        rest = content[len(first) :]
        if (t.text + rest).strip() != content:
            return None
        item = self.base.items[index]
        task = read_task_text(content, self.label_re)
        if (task.text, task.key, task.skipped, task.reason) != (
            item.text,
            item.key,
            item.skipped,
            item.skip_reason,
        ):
            return None
        if item.checked != gfm_checked(raw):
            return None
        return _Task(index, t.lead, t.gap, t.text, rest, item.key, is_optional(item.text))

    def _labels(
        self,
        span: list[int],
        content: str,
        lines: list[str],
        choice_at: dict[int, list[int]],
        field_at: dict[int, list[int]],
    ) -> None:
        """The ``**Label**: value`` lines of a paragraph made only of them."""
        parsed = label_lines(content, span[0] + 1)
        if parsed is None:
            return
        parts = content.split("\n")
        for n, got in enumerate(parsed):
            line = span[0] + n
            raw = lines[line]
            start = raw.find("**")
            if start < 0 or raw[start:].strip() != parts[n].strip():
                continue
            close = raw.find("*", start + 2)
            if close < 0 or not raw.startswith("**", close) or "|" in raw[close:]:
                continue
            label = got.label
            low = label.lower()
            if low in METADATA_LABELS or low in ESTIMATE_LABELS or _RULE_CHARS.issuperset(raw[start:close]):
                continue
            made = label_value(label, got.value, line + 1, self.labels)
            kind = None if made is None else type(made)
            at = (choice_at if kind is Choice else field_at if kind is Field else {}).get(line, [])
            if len(at) > 1:
                continue
            target = at[0] if at else None
            if target is not None:
                old = self.base.choices[target] if kind is Choice else self.base.fields[target]
                if old != made:
                    continue
            self.labeled[line] = _Label(close + 2, start, label, kind, target)

    def derive(self, probe: _Probe, path: str | None) -> Runbook | Miss:
        """The model of ``probe``'s text, as :func:`~runbookgen.markdown.loads` gives it,
        or why it cannot be derived from this entry."""
        if probe.bom != self.bom or (probe.body > 0) != (self.body > 0):
            return Miss("front-matter")
        lines = probe.lines
        body = probe.body
        if len(lines) - body != len(self.lines):
            return Miss("line-count")
        delta = body - self.body
        work: list[tuple[_Task | _Label, str, int]] = []
        boxes: list[tuple[int, bool]] = []
        for n, old in enumerate(self.lines):
            new = lines[body + n]
            if new == old:
                continue
            at = n + self.body
            slot = self.tasks.get(at)
            if slot is not None:
                t = task_line(new)
                if t is None or t.lead != slot.lead or t.gap != slot.gap:
                    return Miss("task-line", body + n + 1)
                if t.text == slot.text:  # only the box changed
                    boxes.append((slot.item, bool(gfm_checked(new))))
                    continue
                if not (_task_text_ok(t.text) and _task_text_ok(slot.text)):
                    return Miss("task-text", body + n + 1)
                work.append((slot, (t.text + slot.rest).strip(), at))
                continue
            label = self.labeled.get(at)
            if label is None:
                return Miss("changed-line", body + n + 1)
            if new[: label.head] != old[: label.head] or "|" in new[label.head :]:
                return Miss("label-line", body + n + 1)
            work.append((label, new[label.start :].strip(), at))
        fm: dict[str, Any] = {}
        fm_lines: dict[str, int] = {}
        if body:
            fm, fm_lines = parse_front_matter("\n".join(lines[1 : body - 1]), path)
        out = _copy(self.base.model, self.base.description, delta)
        for index, checked in boxes:
            out.items[index].checked = checked
        redo: set[int] = set()
        for role, content, at in work:
            line = at + delta + 1
            if isinstance(role, _Task):
                read = read_task_text(content, self.label_re)
                if read.key != role.key:
                    return Miss("item-key", line)
                if is_optional(read.text) != role.optional:
                    return Miss("item-optional", line)
                item = out.items[role.item]
                item.text = read.text
                item.checked = bool(gfm_checked(lines[line - 1]))
                item.skipped = read.skipped
                item.skip_reason = read.reason
                for f in read.fields:
                    f.line = line
                item.fields = read.fields
            else:
                got = label_lines(content, line)
                if got is None:  # (cannot happen: the label and what precedes it stayed)
                    return Miss("label-line", line)
                made = label_value(role.label, got[0].value, line, self.labels)
                if (None if made is None else type(made)) is not role.kind:
                    return Miss("label-kind", line)
                if role.target is not None and isinstance(made, Choice):
                    choice = out.choices[role.target]
                    choice.options, choice.selected = made.options, made.selected
                elif role.target is not None and isinstance(made, Field):
                    out.fields[role.target].value = made.value
            redo.update(self.covers.get(at, ()))
        for n in redo:
            p = out.prose[n]
            a = p.line - 1
            p.text = _prose_text(lines, a, a + self.spans[n])
        rb = out.model
        rb.front_matter = fm
        rb.front_matter_lines = fm_lines
        rb.body_line = body + 1 if body else 1
        rb.path = path
        rb.line_count = len(lines) - probe.text.endswith(("\n", "\r"))
        return finish(rb, out.description, lines, path)


def _positions(lines: Any) -> dict[int, list[int]]:
    """Line -> the indices (in iteration order) of the objects on it."""
    out: dict[int, list[int]] = {}
    for n, line in enumerate(lines):
        out.setdefault(line, []).append(n)
    return out


def _prose_text(lines: list[str], a: int, b: int) -> str:
    """Prose as ``markdown/builder.py`` keeps it: its lines, dedented, without blank ends."""
    return textwrap.dedent("\n".join(lines[a:b])).strip("\n")


def _task_text_ok(text: str) -> bool:
    """A task text whose change keeps the item's block structure (see the module notes)."""
    return bool(text) and not text[0].isspace() and not text.startswith("[") and "|" not in text


# ---------------------------------------------------------------------- the cache
class ParseCache:
    """Structures seen in this process and the models derived from them.

    Entries are found by a coarse key (BOM, front matter or not, field labels, number of
    lines after the front matter) and tried most recently used first; each one checks the
    whole text itself (:meth:`_Entry.derive`). A text no entry fits is parsed in full; its
    structure (:func:`_shape`) is kept the second time it is seen.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, per_key: int = 4) -> None:
        self.max_entries = max_entries
        self.per_key = per_key
        self.entries: dict[tuple[Any, ...], list[_Entry]] = {}
        self.seen: set[int] = set()
        self.stats: Counter[str] = Counter()  # "reused", "parsed", "kept", Miss reasons, ...
        self._lock = threading.Lock()
        _CACHES.add(self)

    def loads(
        self, text: str, *, path: str | None = None, field_labels: frozenset[str] | None = None
    ) -> Runbook:
        """:func:`runbookgen.markdown.loads`, derived from a kept structure when one fits."""
        labels = field_labels or frozenset()
        probe = _probe(text, labels)
        if probe is None:
            self.stats["unsuited"] += 1
            return full_loads(text, path=path, field_labels=labels)
        for entry in self.entries.get(probe.key, ()):
            got = entry.derive(probe, path)
            if isinstance(got, Runbook):
                self.stats["reused"] += 1
                return got
            self.stats[got.reason] += 1
        shape = _shape(probe.lines[probe.body :])
        with self._lock:
            first = shape not in self.seen
            if first:
                if len(self.seen) >= MAX_SEEN:
                    self.seen.clear()
                self.seen.add(shape)
        if first:
            self.stats["parsed"] += 1
            return full_loads(text, path=path, field_labels=labels)
        return self._keep(probe, labels, path)

    def warm(self, text: str, field_labels: frozenset[str] | None = None) -> bool:
        """Keep ``text``'s structure now (a site does so with each template's run body
        before it forks its workers); False when the text is not one to keep."""
        labels = field_labels or frozenset()
        probe = _probe(text, labels)
        if probe is None:
            return False
        self._keep(probe, labels, None)
        return any(e.lines == probe.lines[probe.body :] for e in self.entries.get(probe.key, ()))

    def entry_for(self, text: str, field_labels: frozenset[str] | None = None) -> _Entry | None:
        """A new entry for ``text``, not kept (tests and benchmarks: see :func:`derive`)."""
        labels = field_labels or frozenset()
        probe = _probe(text, labels)
        if probe is None:
            return None
        entry = _Entry(draft(probe.text, field_labels=labels), probe, labels)
        return entry if entry.ok else None

    def _keep(self, probe: _Probe, labels: frozenset[str], path: str | None) -> Runbook:
        d = draft(probe.text, path=path, field_labels=labels)
        entry = _Entry(d, probe, labels)  # (copies the draft before finish changes it)
        if entry.ok:
            with self._lock:
                kept = [entry, *self.entries.pop(probe.key, [])[: self.per_key - 1]]
                self.entries[probe.key] = kept  # (now the newest key)
                while sum(map(len, self.entries.values())) > self.max_entries:
                    oldest = next(iter(self.entries))
                    self.entries[oldest].pop()
                    if not self.entries[oldest]:
                        del self.entries[oldest]
            self.stats["kept"] += 1
        else:
            self.stats["not-kept"] += 1
        return finish(d.model, d.description, d.lines, path)

    def clear(self) -> None:
        """Forget every structure (tests)."""
        with self._lock:
            self.entries.clear()
            self.seen.clear()
            self.stats.clear()


def derive(entry: _Entry, text: str, path: str | None = None) -> Runbook | Miss:
    """The model of ``text`` derived from ``entry`` (see :meth:`ParseCache.entry_for`),
    or why not: tests compare it with a full parse and check every reason."""
    probe = _probe(text, entry.labels)
    if probe is None:
        return Miss("unsuited")
    return entry.derive(probe, path)


_CACHES: weakref.WeakSet[ParseCache] = weakref.WeakSet()


def _after_fork() -> None:
    """A worker forked while another thread held a cache's lock would wait for it forever."""
    for c in list(_CACHES):
        c._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)

#: the process's cache (web/workers.py's forked workers inherit it)
CACHE = ParseCache()


def loads(text: str, *, path: str | None = None, field_labels: frozenset[str] | None = None) -> Runbook:
    """:func:`runbookgen.markdown.loads` through the process's :data:`CACHE`."""
    return CACHE.loads(text, path=path, field_labels=field_labels)


def warm(text: str, field_labels: frozenset[str] | None = None) -> bool:
    """:meth:`ParseCache.warm` on the process's :data:`CACHE`."""
    return CACHE.warm(text, field_labels)
