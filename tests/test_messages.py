"""What the commands say reads as written for people: values quoted the one way ('x'), never
as Python reprs ("it's", ['a'], {'a': 1}, datetime.date(...)), and plain English."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import run_cli
from runbookgen.records.schema import front_matter_problems
from runbookgen.text import quoted, yaml_text
from runs_support import RUN, make_repo, new_run

# What Python's repr leaves in a message: a list/dict of quoted strings, a datetime, a
# string in double quotes because it holds an apostrophe.
_REPR = re.compile(r"\['|\{'|datetime\.|\"[^\"]*'[^\"]*\"")


def test_quoted_is_single_quotes_and_yaml_spelling() -> None:
    assert quoted("v1's") == "'v1's'"  # repr would give "v1's"
    assert quoted("a\\b") == "'a\\b'"  # repr would double the backslash
    assert quoted(["a", 1]) == "[a, 1]"
    assert quoted({"a": [True, None]}) == "{a: [true, null]}"
    assert quoted(date(2026, 12, 1)) == "2026-12-01"
    assert yaml_text(2.5) == "2.5"


def _messages(fm: dict) -> list[str]:
    return [p.message for p in front_matter_problems(fm, lambda key: 2)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["x"], "front matter 'release' must be a string, not a list ([x]); write one value: release: ..."),
        ({"a": 1}, "front matter 'release' must be a string, not a mapping ({a: 1}); write one value"),
        (True, "front matter 'release' must be a string, not true/false (true); quote it: release: \"true\""),
        (
            date(2026, 12, 1),
            "front matter 'release' must be a string, not a date (2026-12-01); "
            'quote it: release: "2026-12-01"',
        ),
        (12, "front matter 'release' must be a string, not a number (12); quote it"),
    ],
)
def test_wrong_types_are_named_in_yaml_terms(value: object, expected: str) -> None:
    messages = [m for m in _messages({"release": value}) if m.startswith("front matter 'release'")]
    assert len(messages) == 1 and messages[0].startswith(expected), messages
    assert not _REPR.search(messages[0])


def test_a_list_status_and_date_are_shown_as_yaml() -> None:
    messages = _messages({"status": ["a"], "date": ["x", "y"]})
    assert "status [a] is not one of planned, in-progress, success, partial, rolled-back, aborted" in messages
    assert "front matter 'date' must be a date (YYYY-MM-DD), not [x, y]" in messages
    assert not any(_REPR.search(m) for m in messages), messages


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", use_git=False)
    new_run(repo, "--no-git")
    return repo


def _error(res: subprocess.CompletedProcess[str]) -> str:
    """The one ``Error:`` line of a failed command (exit 1, no traceback)."""
    assert res.returncode == 1 and "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_cli_quotes_what_the_user_typed_with_single_quotes(repo: Path) -> None:
    line = _error(run_cli("new-run", "production-deployment", "-r", "v1's", "--no-git", cwd=repo))
    assert line.startswith("Error: release name 'v1's' is not allowed"), line
    line = _error(run_cli("new-run", "it's", "-r", "v1", "--no-git", cwd=repo))
    assert line.startswith("Error: no runbook named 'it's' in content/"), line
    line = _error(run_cli("tick", RUN, "it's", cwd=repo))
    assert "no item matches 'it's' (give an item id" in line, line
    line = _error(run_cli("new-runbook", "bad name", cwd=repo))
    assert line.startswith("Error: invalid runbook name 'bad name':"), line


def test_a_bad_date_is_called_invalid_not_misformatted(repo: Path) -> None:
    line = _error(run_cli("new-run", "production-deployment", "-r", "v9", "--date", "2026-13-01", cwd=repo))
    assert line == "Error: date '2026-13-01' is not a valid date: write YYYY-MM-DD, e.g. 2026-12-01"


def test_check_names_a_list_status_without_python_quotes(repo: Path) -> None:
    run = repo / RUN
    run.write_text(re.sub(r"(?m)^status: .*$", "status: [a]", run.read_text()), encoding="utf-8")
    res = run_cli("check", RUN, cwd=repo)
    assert res.returncode == 1
    assert "error: status [a] is not one of planned" in res.stdout, res.stdout
    assert not _REPR.search(res.stdout), res.stdout


def test_empty_signoff_says_fill_them_in(repo: Path) -> None:
    run = repo / RUN
    text = run.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("- [ ] ") and "_____" in ln and "Date" in ln)
    run.write_text(text.replace(line, line.replace("- [ ] ", "- [x] ", 1), 1), encoding="utf-8")
    res = run_cli("check", RUN, cwd=repo)
    assert "[signoff-empty]" in res.stdout, res.stdout
    assert "empty: '" in res.stdout and "; fill them in or untick it" in res.stdout, res.stdout
    assert "fill in them" not in res.stdout


def test_no_python_reprs_in_messages() -> None:
    """Messages name values with text.quoted; ``{x!r}`` switches to double quotes for an
    apostrophe and shows lists and dates the Python way. Every module of the package."""
    from conftest import ROOT

    src = ROOT / "src" / "runbookgen"
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(src.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ("!r}" in line or "repr(" in line) and "def __repr__" not in line
    ]
    assert found == []


def test_one_way_to_shorten_text_for_a_line() -> None:
    """check's findings, status and history cut long texts with text.shorten (one rule)."""
    from runbookgen.text import shorten

    assert shorten("a  b\n c", 10) == "a b c"
    assert shorten("abcdefghijk", 5) == "abcd…"
    assert shorten("  indented title", 8, fold=False) == "  inden…"
    from conftest import ROOT

    src = ROOT / "src" / "runbookgen"
    cutters = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in [*(src / "cli").glob("*.py"), *(src / "check").glob("*.py"), *(src / "records").glob("*.py")]
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if '+ "…"' in line
    ]
    assert cutters == []
