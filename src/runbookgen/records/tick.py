"""``tick``: tick, untick or skip items from the terminal, changing as few bytes as possible.

Only the checkbox character changes (or ``~~`` … ``~~ n/a: reason`` is added around the
item's text), so a tick made here merges with ticks made anywhere else, exactly like an
edit in GitHub's web editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.markdown.grammar import (
    skip_suffix,
    strike_first,
    task_line,
    unstrike_first,
    unstrike_last,
    with_mark,
)
from runbookgen.model import Item, Runbook
from runbookgen.project import Project
from runbookgen.text import quoted, strip_markup

_NEWLINE = re.compile(r"(\r\n|\r|\n)")


@dataclass
class Change:
    item: Item
    action: str  # ticked | unticked | skipped | unchanged
    note: str = ""


def split_lines(text: str) -> list[str]:
    """Lines with their own line endings (CRLF, CR or LF kept exactly as they were)."""
    parts = _NEWLINE.split(text)
    lines = [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _ending(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body) :]


def find_items(model: Runbook, queries: list[str]) -> list[Item]:
    """Items by exact id, else by a unique (case-insensitive) prefix of their text or id."""
    items = list(model.items())
    by_id = {i.id: i for i in items}
    out: list[Item] = []
    for q in queries:
        if q in by_id:
            out.append(by_id[q])
            continue
        needle = " ".join(q.lower().split())
        matches = [
            i
            for i in items
            if " ".join(strip_markup(i.text).lower().split()).startswith(needle) or i.id.startswith(q)
        ]
        if not matches:
            raise RunbookgenError(
                f"no item matches {quoted(q)} (give an item id from 'runbookgen parse' "
                "or the start of an item's text)",
                model.path,
            )
        if len(matches) > 1:
            shown = ", ".join(f"{m.id} (line {m.line})" for m in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise RunbookgenError(
                f"{quoted(q)} matches {len(matches)} items: {shown}{more}; use an id", model.path
            )
        out.append(matches[0])
    return out


def text_end(item: Item, lines: list[str]) -> int:
    """0-based index of the last line of the item's own text (before notes and sub-items)."""
    stops = [c.line for c in item.children] + [n.line for n in item.notes]
    last = min([item.end_line, *[s - 1 for s in stops]])
    idx = max(item.line - 1, last - 1)
    while idx > item.line - 1 and not lines[idx].strip():
        idx -= 1
    return idx


def apply(
    text: str, items: list[Item], *, undo: bool = False, skip: str | None = None
) -> tuple[str, list[Change]]:
    """The text with the items ticked (or unticked, or struck through as skipped)."""
    lines = split_lines(text)
    changes = []
    for item in items:
        idx = item.line - 1
        body, end = _ending(lines[idx])
        task = task_line(body)
        if task is None:
            raise RunbookgenError(f"cannot find the checkbox of '{item.text[:60]}'", None, item.line)
        if skip is not None:
            if item.skipped:
                changes.append(Change(item, "unchanged", "already skipped"))
                continue
            last = text_end(item, lines)
            lines[idx] = strike_first(body) + end
            tail, tail_end = _ending(lines[last])
            lines[last] = tail + skip_suffix(skip) + tail_end
            changes.append(Change(item, "skipped", " ".join(skip.split())))
            continue
        if undo:
            if item.skipped:
                last = text_end(item, lines)
                lines[idx] = unstrike_first(body) + end
                tail, tail_end = _ending(lines[last])
                lines[last] = unstrike_last(tail) + tail_end
                changes.append(Change(item, "unticked", "strike-through removed"))
                continue
            if task.mark == " ":
                changes.append(Change(item, "unchanged", "already open"))
                continue
            lines[idx] = with_mark(body, " ") + end
            changes.append(Change(item, "unticked"))
        else:
            if task.mark != " ":
                changes.append(Change(item, "unchanged", "already ticked"))
                continue
            lines[idx] = with_mark(body, "x") + end
            changes.append(Change(item, "ticked"))
    return "".join(lines), changes


def tick_file(
    path: Path,
    relpath: str,
    model: Runbook,
    queries: list[str],
    *,
    undo: bool = False,
    skip: str | None = None,
    project: Project | None = None,
) -> list[Change]:
    """Apply ``tick`` to a run file on disk, atomically (through files.py: the safe reader,
    and a writer that never leaves half a file and never writes outside ``project``)."""
    from runbookgen.files import DEFAULT_MAX_BYTES, read_bytes, write_replace

    root = project.root if project is not None else None
    limit = project.max_file_bytes if project is not None else DEFAULT_MAX_BYTES
    data = read_bytes(path, relpath, what="a run record", limit=limit, root=root)
    text = data.decode("utf-8")  # a BOM stays a leading U+FEFF and is written back as it was
    items = find_items(model, queries)
    new, changes = apply(text, items, undo=undo, skip=skip)
    if new != text:
        write_replace(path, new, shown=relpath, root=root)
    return changes
