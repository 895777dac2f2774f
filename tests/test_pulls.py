"""The optional pull-request list (history/pulls.py): gh's JSON, or an env var naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runbookgen.errors import RunbookgenError
from runbookgen.history.pulls import ENV, load_pulls, parse_pulls, pulls_source

GH = [
    {
        "number": 7,
        "title": "Run v2.4.0",
        "headRefName": "run/p/a",
        "url": "https://github.com/a/b/pull/7",
        "state": "OPEN",
    },
    {
        "number": 9,
        "title": "Run v2.4.0 again",
        "headRefName": "run/p/a",
        "url": "https://github.com/a/b/pull/9",
        "state": "OPEN",
    },
    {
        "number": 3,
        "title": "old",
        "headRefName": "run/p/b",
        "url": "https://github.com/a/b/pull/3",
        "state": "MERGED",
    },
    {
        "number": 4,
        "title": "<script>",
        "headRefName": "run/p/c",
        "url": "javascript:alert(1)",
        "state": "OPEN",
    },
    {
        "number": 5,
        "title": "fork",
        "headRefName": "run/p/d",
        "url": "https://github.com/x/b/pull/5",
        "state": "OPEN",
        "isCrossRepository": True,
    },
]


def test_mapping_from_gh_output(tmp_path: Path) -> None:
    path = tmp_path / "pulls.json"
    path.write_text(json.dumps(GH))
    got = load_pulls("pulls.json", tmp_path)
    assert got["run/p/a"].number == 9, "the newest open pull request"
    assert "run/p/b" not in got, "merged pull requests are not open"
    assert got["run/p/c"].url is None and got["run/p/c"].title == "<script>"
    assert "run/p/d" not in got, "a fork's branch is not ours"


def test_source_env_wins_over_setting() -> None:
    assert pulls_source({"pull_requests": "a.json"}, {}) == "a.json"
    assert pulls_source({"pull_requests": "a.json"}, {ENV: "/tmp/b.json"}) == "/tmp/b.json"
    assert pulls_source({}, {}) is None
    assert load_pulls(None) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"a": 1}', "expected a JSON list"),
        ("[1]", "entry 1 is not an object"),
        ('[{"title": "x"}]', "entry 1 lacks a number or headRefName"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_bad_lists_are_one_error_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "pulls.json"
    path.write_text(content)
    with pytest.raises(RunbookgenError, match=message) as err:
        load_pulls(path)
    assert str(path) in str(err.value)


def test_missing_file_says_how_to_write_it(tmp_path: Path) -> None:
    with pytest.raises(RunbookgenError, match="gh pr list"):
        load_pulls(tmp_path / "none.json")
    with pytest.raises(RunbookgenError, match="expected a JSON list"):
        parse_pulls({"x": 1})
