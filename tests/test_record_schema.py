"""The run record's front matter (records/schema.py): one list of keys and statuses, one
digest, one date check, one validation — used by new-run, check, history stats and the site."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from runbookgen.errors import RunbookgenError
from runbookgen.records import schema


@pytest.mark.parametrize("text", ["2026-12-01", "2024-02-29"])
def test_iso_dates(text: str) -> None:
    assert schema.is_iso_date(text)
    assert schema.parse_date(text) == date.fromisoformat(text)


@pytest.mark.parametrize(
    "text", ["20261201", "2026-W49-1", "2026-13-01", "2023-02-29", "2026-1-01", "２０２６-12-01", ""]
)
def test_not_iso_dates(text: str) -> None:
    assert not schema.is_iso_date(text)
    with pytest.raises(RunbookgenError, match="YYYY-MM-DD"):
        schema.parse_date(text)


def test_finished_statuses_are_statuses() -> None:
    assert set(schema.FINISHED) < set(schema.STATUSES)
    assert not schema.is_finished("in-progress") and schema.is_finished("rolled-back")
    assert set(schema.REQUIRED_KEYS) <= schema.KNOWN_KEYS


def test_digest_is_sha256_of_utf8() -> None:
    # the two UTF-8 bytes c3 a9, not Latin-1's e9
    assert schema.digest("é") == "sha256:" + hashlib.sha256(b"\xc3\xa9").hexdigest()


def test_front_matter_problems() -> None:
    fm = {
        "runbook": "prod",
        "template_version": "",
        "template_digest": "sha256:0",
        "release": 2.1,
        "date": "2026-12-1",
        "lead": "erin",
        "status": "sucess",
        "colour": "blue",
    }
    lines = {k: n for n, k in enumerate(fm, start=2)}
    got = [(p.line, p.severity, p.code) for p in schema.front_matter_problems(fm, lines.get)]
    assert got == [
        (3, "error", "front-matter-key"),
        (5, "error", "front-matter-type"),
        (6, "error", "front-matter-type"),
        (8, "error", "unknown-status"),
        (9, "warning", "front-matter-unknown-key"),
    ]
    relaxed = schema.front_matter_problems(fm, lines.get, template_has_version=False)
    assert "front-matter-key" not in {p.code for p in relaxed}
    missing = list(schema.front_matter_problems({}, lines.get, has_front_matter=False))
    assert [p.code for p in missing] == ["front-matter-missing"]
