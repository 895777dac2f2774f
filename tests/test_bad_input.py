"""The bad-input suite (issue 13): every case in ``tests/bad_input_cases.py`` through the
real CLI. A case passes when the command gives one ``Error:`` line (or the right output),
prints no traceback, loses or changes no file it should not touch, and does not hang."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bad_input_cases import CASES, Case, base_repo, run_case


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    with base_repo() as repo:
        yield repo


def test_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, base: Path) -> None:
    outcome = run_case(case, base)
    if outcome.verdict == "skipped":
        pytest.skip(outcome.detail)
    assert outcome.verdict == "passed", f"{outcome.verdict}: {outcome.detail}"
