"""``tick``: only checkbox characters change (or a strike-through is added)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from runbookgen.errors import RunbookgenError
from runbookgen.markdown import loads
from runbookgen.records.tick import apply, find_items
from runs_support import RUN, make_repo, new_run


def _diff_bytes(a: bytes, b: bytes) -> list[tuple[int, bytes, bytes]]:
    return [(n, a[n : n + 1], b[n : n + 1]) for n in range(len(a)) if a[n] != b[n]]


def test_tick_changes_only_the_box_characters(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    path = new_run(repo)
    before = path.read_bytes()
    res = run_cli("tick", RUN, "All code reviewed", "pre-deployment-24-hours-before/testing/cdn", cwd=repo)
    assert res.returncode == 1  # unknown id: nothing written at all
    assert path.read_bytes() == before
    res = run_cli(
        "tick",
        RUN,
        "All code reviewed",
        "during-deployment/phase-4-traffic-migration/monitor-for-10-minutes-2",
        cwd=repo,
    )
    assert res.returncode == 0, res.stderr
    after = path.read_bytes()
    assert len(after) == len(before)
    assert [(a, b) for _, a, b in _diff_bytes(before, after)] == [(b" ", b"x"), (b" ", b"x")]
    lines = after.decode().split("\n")
    assert "- [x] All code reviewed and approved" in lines
    # the second "Monitor for 10 minutes", not the first
    monitors = [n for n, line in enumerate(lines) if "Monitor for 10 minutes" in line]
    assert [lines[n][:5] for n in monitors] == ["- [ ]", "- [x]", "- [ ]"]
    undo = run_cli("tick", RUN, "All code reviewed", "--undo", cwd=repo)
    assert undo.returncode == 0
    assert len(_diff_bytes(before, path.read_bytes())) == 1


def test_ambiguous_prefix_lists_ids(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    new_run(repo)
    res = run_cli("tick", RUN, "Monitor for 10", cwd=repo)
    assert res.returncode == 1
    assert "matches 3 items" in res.stderr and "monitor-for-10-minutes-2" in res.stderr


def test_crlf_and_bom_preserved() -> None:
    text = "\ufeff# T\r\n\r\n## S\r\n- [ ] one\r\n- [ ] two\r\n  continued\r\n"
    model = loads(text)
    new, changes = apply(text, find_items(model, ["one"]))
    assert new == text.replace("- [ ] one", "- [x] one")
    assert [c.action for c in changes] == ["ticked"]
    skipped, _ = apply(text, find_items(model, ["two"]), skip="not needed")
    assert skipped == text.replace(
        "- [ ] two\r\n  continued\r\n", "- [x] ~~two\r\n  continued~~ n/a: not needed\r\n"
    )
    again = loads(skipped)
    item = again.item_index()[find_items(model, ["two"])[0].id]
    assert item.skipped and item.skip_reason == "not needed"


def test_skip_keeps_children_and_notes_outside_the_strike() -> None:
    text = "## S\n- [ ] parent\n  continues\n\n  a note\n  - [ ] child\n- [ ] next\n"
    model = loads(text)
    new, _ = apply(text, find_items(model, ["parent"]), skip="later")
    assert new == "## S\n- [x] ~~parent\n  continues~~ n/a: later\n\n  a note\n  - [ ] child\n- [ ] next\n"
    item = loads(new).items().__next__()
    assert item.skipped and [n.text for n in item.notes] == ["a note"]


def test_undo_skip_restores_the_line() -> None:
    text = "## S\n- [ ] Put app in maintenance (if needed)\n"
    model = loads(text)
    skipped, _ = apply(text, list(model.items()), skip="online")
    back, changes = apply(skipped, list(loads(skipped).items()), undo=True)
    assert back == text and changes[0].action == "unticked"


def test_already_ticked_is_reported_not_changed() -> None:
    text = "## S\n- [X] done\n"
    new, changes = apply(text, list(loads(text).items()))
    assert new == text and changes[0].action == "unchanged"


def test_no_match() -> None:
    with pytest.raises(RunbookgenError, match="no item matches"):
        find_items(loads("## S\n- [ ] a\n"), ["zzz"])
