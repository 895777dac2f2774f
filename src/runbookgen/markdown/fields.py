"""Fill-in fields, choices, ``**Label**: value`` lines and time estimates.

A template leaves blanks (``QA Lead: ________``) that a run fills in; labels known from
the template find the values again in the filled line. Section-level lines
``**Label**: value`` carry metadata, estimates, fields and one-of choices
(``**Status**: [ ] Success [ ] Partial``).

Every pattern here runs in time linear in its input: blanks are found from their colon
(each colon starts at most one short scan), and no two quantifiers can match the same
characters (``tests/test_linear_time.py``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from runbookgen.model import Choice, Estimate, Field

# "Label: ____": a colon, blanks and optional bold marks, then three or more underscores.
_BLANK_AFTER_COLON = re.compile(r":\s*+\**+\s*+___")
_LABEL_LINE = re.compile(r"\*\*(?P<label>[^*]++)\*\*\s*+(?::\s*+)?(?P<value>.*+)", re.S)
_CHOICE_OPT = re.compile(r"\[(?P<mark>[ xX])\](?P<text>[^\[]*+)(?=\[[ xX]\]|$)")
# A number not preceded by a digit or dot (so each run of digits is tried once), an
# optional range, and a unit.
_ESTIMATE = re.compile(
    r"(?<![\d.])(?P<a>\d++(?:\.\d++)?)(?:\s*+(?:-|–|—|to)\s*+(?P<b>\d++(?:\.\d++)?))?\s*+"
    r"(?P<unit>minutes?|mins?|m|hours?|hrs?|h)\b",
    re.I,
)
ESTIMATE_LABELS = frozenset({"time estimate", "estimated time", "estimate", "estimated duration"})
METADATA_LABELS = frozenset(
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


def label_pattern(labels: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern finding ``Label:`` for the labels a template's blanks define (None if none)."""
    if not labels:
        return None
    alts = "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?<!\S)\**+(?P<label>{alts})\**+\s*+:")


def has_blank(text: str) -> bool:
    """Does ``text`` hold a fill-in blank (three or more underscores)?"""
    return "___" in text


def _blank_labels(text: str) -> list[tuple[int, int, str]]:
    """(label start, index after its colon, label) of every ``Label: ____`` in ``text``.

    A label runs back from its colon to the previous ``:``, ``_`` or line end and must end
    in a character other than a blank, ``*``, ``:`` or ``_`` (before optional ``**`` and
    blanks): ``**QA Lead**: ____`` is "QA Lead".
    """
    spans: list[tuple[int, int, str]] = []
    floor = 0  # labels never reach back into the previous blank
    for m in _BLANK_AFTER_COLON.finditer(text):
        colon = m.start()
        start = max(
            text.rfind(":", floor, colon), text.rfind("_", floor, colon), text.rfind("\n", floor, colon)
        )
        start = floor if start < 0 else start + 1
        end = colon
        while end > start and text[end - 1].isspace():
            end -= 1
        while end > start and text[end - 1] == "*":
            end -= 1
        if end > start and not text[end - 1].isspace() and text[end - 1] not in ":_*":
            label = text[start:end].strip().strip("*").strip()
            spans.append((start, colon + 1, label))
        floor = m.end()
        while floor < len(text) and text[floor] == "_":
            floor += 1
    return spans


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
    if not spans and has_blank(text):
        spans = _blank_labels(text)
    if not spans:
        return [], ""
    fields = []
    for n, (_start, after, label) in enumerate(spans):
        stop = spans[n + 1][0] if n + 1 < len(spans) else len(text)
        fields.append(Field(name=label, value=field_value(text[after:stop])))
    key = " ".join(f"{f.name}:" for f in fields)
    return fields, key


def field_value(raw: str) -> str:
    """A field's value as written, ``""`` while it is still a blank."""
    value = raw.strip().strip("*").strip()
    return "" if not value or set(value) <= {"_", " "} else value


class LabelLine(NamedTuple):
    line: int
    label: str
    value: str


def label_lines(content: str, line: int) -> list[LabelLine] | None:
    """Every line of ``content`` read as ``**Label**: value``; None unless all of them are."""
    out = []
    for offset, raw in enumerate(content.split("\n")):
        m = _LABEL_LINE.fullmatch(raw.strip())
        if not m:
            return None
        out.append(LabelLine(line + offset, m.group("label").strip().rstrip(":"), m.group("value").strip()))
    return out


def parse_choice(label: str, value: str, line: int) -> Choice | None:
    """``[ ] Success [x] Partial`` after a label: a choice of two or more options."""
    if not value.lstrip().startswith("["):
        return None
    opts = list(_CHOICE_OPT.finditer(value))
    if len(opts) < 2:
        return None
    return Choice(
        name=label,
        options=[o.group("text").strip() for o in opts],
        selected=[o.group("text").strip() for o in opts if o.group("mark") != " "],
        line=line,
    )


def label_value(label: str, value: str, line: int, labels: frozenset[str]) -> Choice | Field | None:
    """What a section's ``**Label**: value`` line holds besides metadata and estimates: a
    choice, a field (a blank, or a label a template's blanks define), or neither."""
    choice = parse_choice(label, value, line)
    if choice is not None:
        return choice
    if has_blank(value) or label in labels:
        return Field(name=label, value=field_value(value), line=line)
    return None


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


# ---------------------------------------------------------------------- writing
def blank_after(label: str) -> re.Pattern[str]:
    """The blank after ``label:`` (group ``blank``)."""
    return re.compile(re.escape(label) + r"\**+\s*+:\s*+\**+\s*+(?P<blank>___+)")


def choice_box(option: str) -> re.Pattern[str]:
    """The open box before choice ``option``."""
    return re.compile(r"\[ \](?=\s*+" + re.escape(option) + r"\s*+(?:\[|$))")


def fill_blank(line: str, label: str, value: str) -> str:
    """``line`` with the first blank after ``label:`` replaced by ``value``."""
    m = blank_after(label).search(line)
    if m is None:
        return line
    return line[: m.start("blank")] + value + line[m.end("blank") :]


def select_choice(line: str, option: str) -> str:
    """``line`` with the open box before choice ``option`` ticked (``[ ] Partial`` → ``[x]``)."""
    m = choice_box(option).search(line)
    if m is None:
        return line
    return line[: m.start()] + "[x]" + line[m.end() :]
