"""Bad input through the real CLI: one clear line naming the file (and line), exit 1,
never a traceback; usage errors exit 2. Odd but valid input gives a schema-valid result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import runbookgen
from conftest import SEED, run_cli
from test_schema import assert_valid, objects_with_checked


def assert_one_line_error(result, path: Path | str, line: int | None, words: str) -> None:
    """Exit 1, nothing on stdout, exactly one stderr line: ``Error: PATH[:LINE]: message``."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert lines[0].startswith(f"Error: {where}"), lines[0]
    assert words in lines[0], lines[0]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.md"
    assert_one_line_error(run_cli("parse", str(path)), path, None, "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("parse", str(tmp_path)), tmp_path, None, "is a directory")


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "latin1.md", b"# Title\n\n- [ ] ok\n- [ ] caf" + b"\xe9\n")
    assert_one_line_error(run_cli("parse", str(path)), path, 4, "not valid UTF-8")


def test_invalid_front_matter_yaml_gives_the_file_line(tmp_path: Path) -> None:
    # line 1 '---', the YAML problem is on file line 4 (not line 3 of the YAML)
    text = "---\nrunbook: deploy\nrelease: v1\nlead: @alice\n---\n# Title\n"
    path = write(tmp_path, "run.md", text)
    assert_one_line_error(run_cli("parse", str(path)), path, 4, "invalid front matter YAML")


def test_invalid_front_matter_yaml_after_crlf_and_bom(tmp_path: Path) -> None:
    text = "\ufeff---\r\nrunbook: deploy\r\nstatus: [in-progress\r\nlead: x\r\n---\r\n# T\r\n"
    path = write(tmp_path, "run.md", text)
    result = run_cli("parse", str(path))
    assert_one_line_error(result, path, 4, "invalid front matter YAML")


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "list.md", "---\n- a\n- b\n---\n# T\n")
    assert_one_line_error(run_cli("parse", str(path)), path, 2, "must be a YAML mapping")


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path, "bomb.md", "---\n" + "\n".join(levels) + "\n---\n# T\n- [ ] a\n")
    result = run_cli("parse", str(path))  # 9**9 values if expanded; subprocess timeout guards
    assert_one_line_error(result, path, 2, "too large when expanded")


def test_deeply_nested_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.md", "---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n# T\n")
    assert_one_line_error(run_cli("parse", str(path)), path, 2, "nested too deeply")


def test_kinds_naming_a_section_that_does_not_exist(tmp_path: Path) -> None:
    text = (
        "---\ntitle: T\nkinds:\n  Rollback Criteria: triggers\n  Go/No-Go: triggers\n---\n"
        "# T\n\n## Rollback Criteria\n- [ ] Error rate above 1%\n"
    )
    path = write(tmp_path, "t.md", text)
    assert_one_line_error(run_cli("parse", str(path)), path, 5, "'Go/No-Go'")


def test_kinds_with_an_invalid_kind(tmp_path: Path) -> None:
    text = "---\nkinds:\n  Checks: tasks\n  Rollback: chores\n---\n# T\n## Checks\n- [ ] a\n## Rollback\n"
    path = write(tmp_path, "t.md", text)
    assert_one_line_error(run_cli("parse", str(path)), path, 4, "'chores' for 'Rollback' is not one of")


def test_kinds_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "t.md", "---\nkinds: [triggers]\n---\n# T\n")
    assert_one_line_error(run_cli("parse", str(path)), path, 2, "'kinds' must map")


@pytest.mark.parametrize(
    "args", [("parse",), ("parse", "x.md", "--format", "toml"), ("parse", "x.md", "--bogus")]
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Usage: runbookgen parse" in result.stderr
    assert "Try 'runbookgen parse --help'" in result.stderr


def test_help_teaches() -> None:
    result = run_cli("parse", "--help")
    assert result.returncode == 0
    for words in (
        "FILE",
        "--format",
        "json",
        "yaml",
        "Examples:",
        "kinds:",
        "runbook.schema.json",
        "runbookgen parse content/production-deployment.md",
    ):
        assert words in result.stdout, words


# ---------------------------------------------------------------------- valid odd input


def _parse_ok(path: Path, *extra: str) -> dict:
    result = run_cli("parse", str(path), *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert_valid(data)
    return data


def test_empty_file(tmp_path: Path) -> None:
    data = _parse_ok(write(tmp_path, "empty.md", ""))
    assert data == {"title": "empty", "description": "", "version": None, "metadata": {}, "stages": []}


def test_file_without_tasks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notes.md",
        "# Notes\n\nJust prose.\n\n- a plain list\n- [-] not a box\n"
        "\n## Contacts\n\n| Role | Who |\n|---|---|\n| SRE | [ ] |\n",
    )
    data = _parse_ok(path)
    assert data["title"] == "Notes"
    assert objects_with_checked(data) == ([], [])
    assert [s["kind"] for s in data["stages"]] == ["reference"]


def test_unknown_front_matter_keys_are_kept_as_metadata(tmp_path: Path) -> None:
    text = (
        "---\nrunbook: production-deployment\nrelease: v2.4.0\ndate: 2026-12-01\n"
        "team: {name: payments, pager: '#pay-oncall'}\nversion: 3.1.0\n---\n# Deploy\n"
        "**Last Updated**: 2026-11-01\n\n## Go\n- [ ] ship\n"
    )
    data = _parse_ok(write(tmp_path, "run.md", text))
    assert data["metadata"] == {
        "Last Updated": "2026-11-01",
        "runbook": "production-deployment",
        "release": "v2.4.0",
        "date": "2026-12-01",
        "team": {"name": "payments", "pager": "#pay-oncall"},
        "version": "3.1.0",
    }
    assert data["version"] == "3.1.0"
    assert data["stages"][0]["items"][0]["line"] == 12  # lines count the front matter


def test_kinds_overrides_apply_and_steps_inherit(tmp_path: Path) -> None:
    """Override a section the text alone would call ``tasks``; sub-sections and ordered
    steps inherit it; an override by path or id works too."""
    text = (
        "---\nkinds:\n  Go/No-Go: triggers\n  Contacts: reference\n"
        "  Release / Approvals: sign-off\n  release/smoke-tests: conditional\n---\n"
        "# Release\n\n## Go/No-Go\n### Health\n- [ ] Error rate above 1%\n"
        "1. **Latency**\n   - [ ] p99 above 2 s\n\n"
        "## Contacts\n- [ ] Page the on-call\n\n"
        "## Release\n### Approvals\n- [ ] Manager\n"
        "### Smoke tests\n- [ ] Log in\n### Deploy\n- [ ] Ship\n"
    )
    data = _parse_ok(write(tmp_path, "t.md", text))
    kinds = {}
    stack = list(data["stages"])
    while stack:
        sec = stack.pop()
        kinds[sec["title"]] = sec["kind"]
        stack.extend(sec["sections"])
    assert kinds == {
        "Go/No-Go": "triggers",
        "Health": "triggers",
        "Latency": "triggers",
        "Contacts": "reference",
        "Release": "tasks",
        "Approvals": "sign-off",
        "Smoke tests": "conditional",
        "Deploy": "tasks",
    }


def test_kinds_override_on_the_seed_without_editing_it(tmp_path: Path) -> None:
    """A template can reclassify the user's sections through front matter alone."""
    text = "---\nkinds:\n  Success Criteria: reference\n  Rollback Criteria: tasks\n---\n" + SEED.read_text(
        encoding="utf-8"
    )
    rb = runbookgen.loads(text)
    by_title = {s.title: s for s in rb.stages}
    assert by_title["Success Criteria"].kind == "reference"
    assert {s.kind for s in by_title["Rollback Criteria"].walk()} == {"tasks"}
    seed = {s.title: s for s in runbookgen.load(SEED).stages}  # as written, for contrast
    assert seed["Success Criteria"].kind == "tasks"
    assert {s.kind for s in seed["Rollback Criteria"].walk()} == {"triggers"}


def _big_checklist(target_bytes: int) -> str:
    """A run record grown to ``target_bytes``: stages, sections, nested tasks, notes."""
    note = (
        "Deviation noted during the release: the canary showed elevated latency on one "
        "shard, which recovered after the cache warmed; no customer impact. "
    ) * 2
    parts = ["---\nrunbook: big\nrelease: v9.9.9\n---\n# Big checklist\n\n"]
    size = stage = 0
    while size < target_bytes:
        block = [f"## Stage {stage}\n\n**Time Estimate**: 10-15 minutes\n\n"]
        for sec in range(3):
            block.append(f"### Section {stage}.{sec}\n")
            for i in range(6):
                mark = "x" if i % 3 == 0 else " "
                block.append(f"- [{mark}] Task {stage}.{sec}.{i}: check the dashboard (if needed)\n")
                block.append(f"  {note}\n")
                if i == 2:
                    block.append("  - [ ] Error rate < 0.1%\n  - [x] Response time < 500ms\n")
            block.append("\n")
        chunk = "".join(block)
        parts.append(chunk)
        size += len(chunk.encode())
        stage += 1
    return "".join(parts)


def test_five_megabyte_checklist(tmp_path: Path) -> None:
    path = write(tmp_path, "big.md", _big_checklist(5_000_000))
    assert path.stat().st_size >= 5_000_000
    data = _parse_ok(path)
    with_key, items = objects_with_checked(data)
    stages = len(data["stages"])
    assert len(items) == stages * 3 * 8 == len(with_key)
    assert sum(i["checked"] for i in items) == stages * 3 * 3
    assert all(s["estimate"] == {"min": 10, "max": 15} for s in data["stages"])


@pytest.fixture
def deep_stack():
    """jsonschema validates nested items recursively (~10 frames a level)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    yield
    sys.setrecursionlimit(old)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_two_hundred_levels_of_nesting(tmp_path: Path, fmt: str, deep_stack: None) -> None:
    text = "# Deep\n\n" + "".join("  " * n + f"- [{'x' if n % 2 else ' '}] level {n}\n" for n in range(200))
    path = write(tmp_path, "deep.md", text)
    result = run_cli("parse", str(path), "--format", fmt)
    assert result.returncode == 0, result.stderr[-500:]
    if fmt == "json":
        data = json.loads(result.stdout)
    else:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(result.stdout)
    assert_valid(data)
    item, depth = data["stages"][0]["items"][0], 1
    while item["children"]:
        assert [c["line"] for c in item["children"]] == [item["line"] + 1]
        item, depth = item["children"][0], depth + 1
    assert depth == 200
    assert item["text"] == "level 199" and item["checked"] is True


def test_two_hundred_levels_in_process_with_the_default_stack() -> None:
    """Library users keep Python's default recursion limit: model code must not recurse."""
    text = "".join("  " * n + f"- [ ] level {n}\n" for n in range(200))
    rb = runbookgen.loads(text)
    assert sum(1 for _ in rb.items()) == 200
    assert len(json.dumps(rb.to_dict())) > 0
    steps = "".join("  " * n + f"- step {n}\n" for n in range(199)) + "  " * 199 + "- [ ] leaf\n"
    rb = runbookgen.loads(steps)
    assert len(list(rb.sections())) == 200  # plain items holding tasks become nested steps
    assert [i.text for i in rb.items()] == ["leaf"]
    json.dumps(rb.to_dict())


def test_absurd_nesting_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "absurd.md", "> " * 20_000 + "x\n")
    assert_one_line_error(run_cli("parse", str(path)), path, None, "nested too deeply")


def test_loads_leaves_the_garbage_collector_as_it_found_it() -> None:
    """loads pauses the cyclic GC for speed; it must restore it, errors included."""
    import gc

    assert gc.isenabled()
    runbookgen.loads("- [ ] a\n")
    assert gc.isenabled()
    with pytest.raises(runbookgen.RunbookgenError):
        runbookgen.loads("---\nx: [\n---\n")
    assert gc.isenabled()
    gc.disable()
    try:
        runbookgen.loads("- [ ] a\n")
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
