"""Section kinds: what a section is for, from front matter ``kinds:`` or from its words.

``tasks`` count towards progress; ``triggers`` (rollback criteria) are ticked only when
something went wrong; ``conditional`` steps count once a run rolls back; ``sign-off``
sections hold names and dates; ``reference`` sections have no boxes. A kind declared in
front matter wins, else the title or introduction asks for one, else the parent's kind is
inherited for the kinds that carry over, else the contents decide.

The patterns run on titles and introductions of any length in linear time: each starts at
a word boundary and its blanks are followed by a required word.
"""

from __future__ import annotations

import re
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.markdown.grammar import is_optional
from runbookgen.model import KINDS, Runbook, Section

_TRAILING_PAREN = re.compile(r"\((?P<inner>[^()]*+)\)\s*+$")
_TRIGGER_TITLE = re.compile(
    r"\b(?:roll[- ]?back|abort|escalation|no[- ]go)\s++(?:criteria|triggers?|conditions?)\b", re.I
)
_TRIGGER_INTRO = re.compile(
    r"\b(?:initiate|trigger|start|begin|perform)\s++(?:a\s++)?roll[- ]?back\s++(?:if|when)\b"
    r"|\bif\s++any\s++of\s++the\s++following\s++(?:occurs?|happens?|are\s++true|is\s++true)\b",
    re.I,
)
_CONDITIONAL_TITLE = re.compile(r"\broll[- ]?back\s++(?:procedure|steps|process|runbook)\b", re.I)
_CONDITIONAL_INTRO = re.compile(
    r"\A\s*+(?:only\s++)?if\s++(?:a\s++)?(?:roll[- ]?back|incident|failure)\s++is\s++"
    r"(?:required|needed|necessary|declared|initiated)\b",
    re.I,
)
_SIGNOFF_TITLE = re.compile(r"\bsign[- ]?offs?\b|\bapprovals?\b", re.I)
# kinds that a section's sub-sections and steps inherit
_INHERITED = ("triggers", "conditional", "sign-off", "reference")


def trailing_paren(title: str) -> tuple[str, str] | None:
    """A title's trailing ``(…)``: (the title without it, what is inside), else None."""
    if not title.rstrip().endswith(")"):
        return None
    m = _TRAILING_PAREN.search(title)
    if m is None:
        return None
    return title[: m.start()].rstrip(), m.group("inner")


def heading_hints(title: str) -> tuple[str | None, bool]:
    """A trailing ``(24 Hours Before)`` is a timing hint; ``(if required)`` makes it optional."""
    paren = trailing_paren(title)
    if paren is None:
        return None, False
    if is_optional(f"({paren[1]})"):
        return None, True
    return paren[1].strip() or None, False


def apply_kinds(rb: Runbook, lines: list[str], path: str | None) -> None:
    """Give every section its effective kind; refuse ``kinds:`` that names no section."""
    overrides = _overrides(rb, lines, path)
    _assign(rb.stages, None, overrides)
    unused = [v[1] for v in overrides.values() if not v[2]]
    if unused:
        raise RunbookgenError(
            f"front matter 'kinds' names '{unused[0]}', but no section has that title or id",
            path,
            _entry_line(rb, lines, unused[0]),
        )


def _overrides(rb: Runbook, lines: list[str], path: str | None) -> dict[str, list[Any]]:
    """Lower-cased section name → [kind, name as written, used yet]."""
    raw = rb.front_matter.get("kinds")
    if raw is None:
        return {}
    line = rb.front_matter_lines.get("kinds")
    if not isinstance(raw, dict):
        raise RunbookgenError("front matter 'kinds' must map section titles to kinds", path, line)
    out: dict[str, list[Any]] = {}
    for name, kind in raw.items():
        if kind not in KINDS:
            raise RunbookgenError(
                f"front matter 'kinds': '{kind}' for '{name}' is not one of {', '.join(KINDS)}",
                path,
                _entry_line(rb, lines, str(name)),
            )
        out[str(name).strip().lower()] = [kind, str(name), False]
    return out


def _entry_line(rb: Runbook, lines: list[str], name: str) -> int | None:
    """1-based line of ``name:`` under front matter ``kinds`` (else of ``kinds`` itself)."""
    start = rb.front_matter_lines.get("kinds")
    if start is None:
        return None
    quoted = (name, f'"{name}"', f"'{name}'")
    for n in range(start, rb.body_line - 1):
        entry = lines[n]
        body = entry.lstrip()
        if len(body) == len(entry):  # entries are indented under 'kinds:'
            continue
        for q in quoted:
            if body.startswith(q) and body[len(q) :].lstrip().startswith(":"):
                return n + 1
    return start


def _assign(sections: list[Section], inherited: str | None, overrides: dict[str, list[Any]]) -> None:
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
            if parent_kind in _INHERITED:
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
    paren = trailing_paren(sec.title)
    bare = paren[0] if paren else sec.title
    return [sec.id.lower(), sec.title.lower(), bare.lower(), " / ".join(sec.path).lower()]


def _signal(sec: Section) -> str | None:
    """A kind the section's own title or introduction asks for."""
    first = min([i.line for i in sec.items] + [s.line for s in sec.sections] + [sec.end_line + 1])
    intro = " ".join(p.text for p in sec.prose if p.line < first)
    title = sec.title
    if _TRIGGER_TITLE.search(title) or _TRIGGER_INTRO.search(intro):
        return "triggers"
    if _CONDITIONAL_TITLE.search(title) or _CONDITIONAL_INTRO.match(intro):
        return "conditional"
    if _SIGNOFF_TITLE.search(title):
        return "sign-off"
    return None
