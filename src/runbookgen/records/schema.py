"""What a run record's front matter holds — keys, statuses, digest, date — and the one
validation of it, shared by ``check`` (findings) and the site (broken-run pages).

Kept free of heavy imports: ``new-run`` uses the lists and the digest on its fast path.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from runbookgen.errors import RunbookgenError
from runbookgen.text import quoted, yaml_text

REQUIRED_KEYS: tuple[str, ...] = (
    "runbook",
    "template_version",
    "template_digest",
    "release",
    "date",
    "lead",
    "status",
)
OPTIONAL_KEYS: tuple[str, ...] = ("kinds", "title", "notes", "tags", "environment")
KNOWN_KEYS: frozenset[str] = frozenset((*REQUIRED_KEYS, *OPTIONAL_KEYS))
# Keys that must be strings when present (YAML would make "1.10" a float, "yes" a bool, ...).
STRING_KEYS: tuple[str, ...] = ("runbook", "release", "lead", "template_digest")

STATUSES: tuple[str, ...] = ("planned", "in-progress", "success", "partial", "rolled-back", "aborted")
# The statuses of a run that is over, in the order outcomes are shown.
FINISHED: tuple[str, ...] = ("success", "partial", "rolled-back", "aborted")


def is_finished(status: str) -> bool:
    """Is a run with this status over (whatever its outcome)?"""
    return status in FINISHED


def digest(text: str) -> str:
    """The template digest recorded in a run: sha256 of the template's UTF-8 text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_iso_date(text: str) -> bool:
    """Is ``text`` a calendar date written ``YYYY-MM-DD``?"""
    return _parse_iso(text) is not None


def parse_date(value: str | None) -> date:
    """A ``YYYY-MM-DD`` date given on the command line (today when None), or one error line."""
    if value is None:
        return date.today()
    day = _parse_iso(value)
    if day is None:
        raise RunbookgenError(f"date {quoted(value)} is not a valid date: write YYYY-MM-DD, e.g. 2026-12-01")
    return day


def _parse_iso(text: str) -> date | None:
    """Only the ``YYYY-MM-DD`` form (``date.fromisoformat`` also takes ``20261201``, weeks)."""
    digits = text[:4] + text[5:7] + text[8:]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _kind(value: object) -> str:
    """What YAML made of an unquoted value, in the user's words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return "a date"
    return "a " + type(value).__name__


class Problem(NamedTuple):
    """One thing wrong with a run's front matter; ``code`` is a ``check`` finding code."""

    line: int | None
    severity: str  # "error" | "warning"
    code: str
    message: str


def front_matter_problems(
    fm: Mapping[str, Any],
    key_line: Callable[[str], int | None],
    *,
    has_front_matter: bool = True,
    template_has_version: bool = True,
    written: Mapping[str, str] | None = None,
) -> Iterator[Problem]:
    """Missing, empty or mistyped keys, a bad date, an unknown status, unknown keys.

    ``key_line(key)`` gives the 1-based line of a key. A template without a version makes
    an empty ``template_version`` fine (there is nothing to record). ``written``: values
    YAML read as numbers, as they are written in the file (``2.10``, which YAML makes 2.1).
    """
    if not fm and not has_front_matter:
        yield Problem(
            1,
            "error",
            "front-matter-missing",
            "no front matter: a run record starts with '---', the keys "
            f"{', '.join(REQUIRED_KEYS)}, and '---'",
        )
        return
    for key in REQUIRED_KEYS:
        if key not in fm:
            yield Problem(1, "error", "front-matter-key", f"front matter lacks '{key}'")
        elif fm[key] is None or (isinstance(fm[key], str) and not fm[key].strip()):
            if key == "template_version" and not template_has_version:
                continue
            yield Problem(key_line(key), "error", "front-matter-key", f"front matter '{key}' is empty")
    for key in STRING_KEYS:
        if key in fm and fm[key] is not None and not isinstance(fm[key], str):
            value = fm[key]
            shown = (written or {}).get(key) or yaml_text(value)
            if isinstance(value, (list, tuple, dict)):  # quoting a list would not make it one value
                what = f"a {'mapping' if isinstance(value, dict) else 'list'} ({shown})"
                hint = f"; write one value: {key}: ..."
            else:
                what = f"{_kind(value)} ({shown})"
                hint = f'; quote it: {key}: "{shown}"'
            yield Problem(
                key_line(key),
                "error",
                "front-matter-type",
                f"front matter '{key}' must be a string, not {what}{hint}",
            )
    if isinstance(fm.get("template_version"), (list, dict)):
        yield Problem(
            key_line("template_version"),
            "error",
            "front-matter-type",
            "front matter 'template_version' must be a version string",
        )
    value = fm.get("date")
    written_ok = isinstance(value, str) and is_iso_date(value)
    if value is not None and not isinstance(value, (date, datetime)) and not written_ok:
        yield Problem(
            key_line("date"),
            "error",
            "front-matter-type",
            f"front matter 'date' must be a date (YYYY-MM-DD), not {quoted(value)}",
        )
    status = fm.get("status")
    if status is not None and status not in STATUSES:
        close = difflib.get_close_matches(str(status), STATUSES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield Problem(
            key_line("status"),
            "error",
            "unknown-status",
            f"status {quoted(status)} is not one of {', '.join(STATUSES)}{hint}",
        )
    for key in fm:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            message = f"unknown front matter key '{key}'{hint}"
            yield Problem(key_line(key), "warning", "front-matter-unknown-key", message)
