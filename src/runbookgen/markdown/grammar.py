"""THE task line: what a checkbox line looks like, how it reads and how it is written.

A task line is a list item whose marker is the first thing on its line, then the box,
then at least one blank and the item's text::

    - [ ] Tag the release                              open
    1. [x] Deploy to canary                            ticked (x or X)
    - [x] ~~Notify users~~ n/a: internal release       skipped, with a reason
    - [ ] QA Lead: ________ Date: ____                 fill-in fields (markdown/fields.py)

Whether a line shaped like this *is* a task also depends on the blocks around it (code,
block quotes, laziness); the parser (``markdown/builder.py``) decides that the way
cmark-gfm does. Everything that reads or writes single task lines — the parser, ``tick``,
``new-run``, ``upgrade`` and history — uses the functions here, so the syntax is defined
once.

Every pattern here is anchored at a line start (or at one character class it cannot
re-enter) and has no two quantifiers that can match the same characters, so each runs
in time linear in the line, whatever the line holds (``tests/test_linear_time.py``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from runbookgen.markdown.fields import label_pattern, parse_fields
from runbookgen.model import Field
from runbookgen.text import first_line, strip_markup

# A list marker: a bullet, or 1-9 digits and "." or ")" (CommonMark's limits).
MARKER = r"(?:[-+*]|[0-9]{1,9}[.)])"
# The blanks cmark-gfm's task scanner accepts around the box (ext_scanners.re ``spacechar``
# without the line ends).
BLANK = r"[ \t\v\f]"
# Indentation, marker and the blank after it: the part of a task line before its box.
LEAD = rf"[ \t]*+{MARKER}{BLANK}++"
_TASK = re.compile(rf"^(?P<lead>{LEAD})\[(?P<mark>[ xX])\](?P<gap>{BLANK}++)")
# Every ticked box at a line start, for writers that open them all (new-run, history).
_TICKED = re.compile(rf"(?m)^({LEAD})\[[xX]\](?={BLANK})")

# A skipped item: its text struck through, then an optional "n/a: reason".
SKIP_OPEN = "~~"
_STRUCK = re.compile(r"\A~~(?P<text>(?:(?!~~).)++)~~(?P<rest>.*+)", re.S)
_NA_PREFIX = re.compile(r"\A[-—–:]?+\s*+(?:n/?a|not applicable|skip(?:ped)?)\b\s*+(?:[:\-—–]\s*+)?", re.I)
_OPTIONAL = re.compile(
    r"\((?:if|when)\s++(?:needed|required|applicable|necessary|appropriate)\)|\(optional\)", re.I
)


class TaskLine(NamedTuple):
    """A task line split into its parts; ``lead + "[" + mark + "]" + gap + text`` is the line."""

    lead: str  # indentation, list marker and the blank after it
    mark: str  # " " (open), "x" or "X"
    gap: str  # the blank between the box and the text
    text: str  # the rest of the line: the first line of the item's text

    @property
    def mark_at(self) -> int:
        """Index of the mark character in the line."""
        return len(self.lead) + 1

    @property
    def text_at(self) -> int:
        """Index where the item's text starts."""
        return len(self.lead) + 3 + len(self.gap)


def task_line(line: str) -> TaskLine | None:
    """``line`` as a task line (marker first on the line, box, blank), else None."""
    m = _TASK.match(line)
    if m is None:
        return None
    return TaskLine(m.group("lead"), m.group("mark"), m.group("gap"), line[m.end() :])


def gfm_checked(line: str) -> bool | None:
    """cmark-gfm's verdict on an item's first line: None when it draws no box, else whether
    the box is ticked — ``[x]`` or ``[X]`` *anywhere* on the line ticks it (tasklist.c
    searches the whole line), so ``- [ ] see [x]`` is ticked on GitHub."""
    if _TASK.match(line) is None:
        return None
    return "[x]" in line or "[X]" in line


def with_mark(line: str, mark: str) -> str:
    """The task line with its box set to ``mark`` (" " or "x"); other bytes unchanged."""
    t = task_line(line)
    if t is None:
        raise ValueError("not a task line")
    return line[: t.mark_at] + mark + line[t.mark_at + 1 :]


def open_all(text: str) -> str:
    """``text`` with every ticked box at a line start opened (a fresh run, a skeleton)."""
    if "[x]" not in text and "[X]" not in text:
        return text
    return _TICKED.sub(r"\1[ ]", text)


# ---------------------------------------------------------------------- skipping
def skip_suffix(reason: str) -> str:
    """What closes a skipped item's text: ``~~ n/a: reason`` (``~~ n/a`` without one)."""
    reason = " ".join(reason.split())
    return f"~~ n/a: {reason}" if reason else "~~ n/a"


def strike_first(line: str) -> str:
    """A task line ticked and its text opened for striking (``- [x] ~~text``)."""
    t = task_line(line)
    if t is None:
        raise ValueError("not a task line")
    return line[: t.mark_at] + "x" + line[t.mark_at + 1 : t.text_at] + SKIP_OPEN + line[t.text_at :]


def unstrike_first(line: str) -> str:
    """A skipped task line opened again, without the ``~~`` that began the strike."""
    t = task_line(line)
    if t is None:
        raise ValueError("not a task line")
    rest = line[t.text_at :]
    if rest.startswith(SKIP_OPEN):
        rest = rest[len(SKIP_OPEN) :]
    return line[: t.mark_at] + " " + line[t.mark_at + 1 : t.text_at] + rest


def unstrike_last(line: str) -> str:
    """The line that closes a strike without the closing ``~~`` and the reason after it.

    The strike closes at the first ``~~`` (struck text cannot hold one), so a reason may
    itself contain ``~~``. Call it on the item's last text line after
    :func:`unstrike_first` removed the opening marks.
    """
    at = line.find(SKIP_OPEN)
    return line if at < 0 else line[:at].rstrip()


# ---------------------------------------------------------------------- reading text
class TaskText(NamedTuple):
    """What an item's text means: its text without strike marks, identity, skip, fields."""

    text: str
    key: str  # the text an item id is made from (values and markup removed)
    skipped: bool
    reason: str | None
    fields: list[Field]


def read_task_text(raw: str, labels: re.Pattern[str] | None = None) -> TaskText:
    """An item's text (its Markdown source after the box) read as a task.

    ``~~text~~ n/a: reason`` is a skipped item (the reason is optional); ``Label: ____``
    blanks are fields, found again in a filled run line by the template's ``labels``
    (see :func:`runbookgen.markdown.fields.label_pattern`).
    """
    text = raw.strip()
    skipped, reason = False, None
    m = _STRUCK.match(text) if text.startswith(SKIP_OPEN) else None
    if m:
        skipped = True
        text = m.group("text").strip()
        rest = m.group("rest").strip()
        n = _NA_PREFIX.match(rest)
        reason = (rest[n.end() :] if n else rest).strip() or None
    fields, key = parse_fields(text, labels)
    if not fields:
        key = strip_markup(first_line(text))
    return TaskText(text, key, skipped, reason, fields)


def is_optional(text: str) -> bool:
    """``(optional)``, ``(if needed)``, ``(when required)``, ... mark an item optional."""
    return "(" in text and _OPTIONAL.search(text) is not None


__all__ = [
    "BLANK",
    "LEAD",
    "MARKER",
    "SKIP_OPEN",
    "TaskLine",
    "TaskText",
    "gfm_checked",
    "is_optional",
    "label_pattern",
    "open_all",
    "read_task_text",
    "skip_suffix",
    "strike_first",
    "task_line",
    "unstrike_first",
    "unstrike_last",
    "with_mark",
]
