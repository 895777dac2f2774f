"""The one task grammar (markdown/grammar.py): every reader and writer of task lines agrees.

The parser, ``tick``, ``new-run``, ``upgrade`` and history all go through these functions;
these tests pin the syntax itself and that writing then reading gives back what was written.
"""

from __future__ import annotations

import pytest

import runbookgen
from runbookgen.markdown import grammar
from runbookgen.markdown.fields import label_pattern
from runbookgen.records.tick import apply


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("- [ ] Tag the release", ("- ", " ", " ", "Tag the release")),
        ("  * [x]\tDeploy", ("  * ", "x", "\t", "Deploy")),
        ("10. [X] Ten", ("10. ", "X", " ", "Ten")),
        ("3) [ ]   spaced", ("3) ", " ", "   ", "spaced")),
        ("- [ ] ", ("- ", " ", " ", "")),
    ],
)
def test_task_line_parts(line: str, parts: tuple[str, str, str, str]) -> None:
    task = grammar.task_line(line)
    assert task is not None
    assert tuple(task) == parts
    assert task.lead + "[" + task.mark + "]" + task.gap + task.text == line
    assert line[task.mark_at] == task.mark
    assert line[task.text_at :] == task.text


@pytest.mark.parametrize(
    "line",
    [
        "- [ ]",  # no blank after the box: GitHub draws none
        "-[ ] x",
        "- [-] x",
        "- [] x",
        "> - [ ] quoted",
        "1234567890. [ ] ten digits",
        "text - [ ] x",
        "- - [x] second marker",
    ],
)
def test_not_task_lines(line: str) -> None:
    assert grammar.task_line(line) is None
    assert grammar.gfm_checked(line) is None


def test_checked_anywhere_on_the_line_like_github() -> None:
    assert grammar.gfm_checked("- [ ] see [x] later") is True
    assert grammar.gfm_checked("- [X] done") is True
    assert grammar.gfm_checked("- [ ] open") is False


def test_marks_round_trip() -> None:
    line = "  - [ ] Deploy **canary** [x] not the box"
    ticked = grammar.with_mark(line, "x")
    assert ticked == "  - [x] Deploy **canary** [x] not the box"
    assert grammar.with_mark(ticked, " ") == line
    with pytest.raises(ValueError):
        grammar.with_mark("plain text", "x")


def test_open_all_opens_only_task_boxes() -> None:
    text = "- [x] a\n  1. [X] b\nsee [x] c\n> - [x] quoted\n- [x]\n"
    assert grammar.open_all(text) == "- [ ] a\n  1. [ ] b\nsee [x] c\n> - [x] quoted\n- [x]\n"


@pytest.mark.parametrize("reason", ["", "not needed", "done by ~~hand~~ in #12", "a: b — c"])
def test_skip_written_by_tick_reads_back_and_unskips_to_the_original(reason: str) -> None:
    text = "## S\n\n- [ ] Notify users\n- [ ] Other\n"
    rb = runbookgen.loads(text)
    skipped, _ = apply(text, [next(rb.items())], skip=reason)
    item = next(runbookgen.loads(skipped).items())
    assert item.skipped and item.checked and item.text == "Notify users"
    assert item.skip_reason == (" ".join(reason.split()) or None)
    restored, _ = apply(skipped, [item], undo=True)
    assert restored == text


def test_read_task_text() -> None:
    t = grammar.read_task_text(" ~~Notify users~~ N/A - internal release ")
    assert (t.text, t.skipped, t.reason, t.key) == ("Notify users", True, "internal release", "Notify users")
    t = grammar.read_task_text("~~Notify~~")
    assert (t.skipped, t.reason) == (True, None)
    t = grammar.read_task_text("QA Lead: @erin Date: ____", label_pattern(frozenset({"QA Lead", "Date"})))
    assert [(f.name, f.value) for f in t.fields] == [("QA Lead", "@erin"), ("Date", "")]
    assert t.key == "QA Lead: Date:"
    t = grammar.read_task_text("Check [the **dashboard**](https://x) <b>now</b>")
    assert t.key == "Check the dashboard now" and not t.skipped


def test_optional_markers() -> None:
    assert grammar.is_optional("Warm caches (if needed)")
    assert grammar.is_optional("Warm caches (when  applicable)")
    assert grammar.is_optional("Warm caches (optional)")
    assert not grammar.is_optional("Warm caches (needed)")
