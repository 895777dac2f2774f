"""The JSON of ``runbookgen parse`` is a public contract: the shipped schema describes it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import runbookgen
from conftest import SEED, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "gfm"


def schema() -> dict[str, Any]:
    """Loaded from the installed package, as a user of the package would."""
    text = resources.files("runbookgen").joinpath("schemas/runbook.schema.json").read_text("utf-8")
    return json.loads(text)


def validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


def assert_valid(data: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def objects_with_checked(data: Any) -> tuple[list[dict], list[dict]]:
    """Every object with a ``checked`` key, and every task item, found by walking the JSON
    (iteratively: outputs can be deep) and by following ``items``/``children``."""
    with_key: list[dict] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "checked" in node:
                with_key.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    items: list[dict] = []
    secs = list(data["stages"])
    while secs:
        sec = secs.pop()
        secs.extend(sec["sections"])
        todo = list(sec["items"])
        while todo:
            item = todo.pop()
            items.append(item)
            todo.extend(item["children"])
    return with_key, items


def test_schema_is_valid_draft_2020_12() -> None:
    s = schema()
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(s)


def test_seed_output_validates_and_checked_marks_exactly_the_tasks() -> None:
    result = run_cli("parse", str(SEED), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert_valid(data)
    with_key, items = objects_with_checked(data)
    assert len(items) == 206
    assert sorted(map(id, with_key)) == sorted(map(id, items))
    assert all(type(i["checked"]) is bool and type(i["line"]) is int for i in items)
    assert {"id", "text", "checked", "line", "children", "optional", "fields"} <= set(items[0])


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.md")), ids=lambda p: p.name)
def test_fixture_output_validates(path: Path) -> None:
    data = runbookgen.load(path).to_dict()
    assert_valid(data)
    with_key, items = objects_with_checked(data)
    assert sorted(map(id, with_key)) == sorted(map(id, items))


def test_front_matter_key_named_checked_does_not_break_the_contract() -> None:
    """Front matter is free-form; a user key ``checked`` must not look like a task."""
    text = "---\nchecked: 2026-11-30\nowner:\n  checked: true\n---\n# T\n\n- [x] one\n"
    rb = runbookgen.loads(text)
    assert rb.metadata["checked"].isoformat() == "2026-11-30"  # the model keeps the key
    data = rb.to_dict()
    assert data["metadata"] == {"checked_": "2026-11-30", "owner": {"checked_": True}}
    assert_valid(data)
    with_key, items = objects_with_checked(data)
    assert len(with_key) == len(items) == 1


def test_schema_rejects_what_the_contract_forbids() -> None:
    """The schema is not vacuous: each rule below is one the output must keep."""
    good = runbookgen.loads("# T\n\n## S\n**Time Estimate**: 5-10 minutes\n\n- [ ] a\n").to_dict()
    assert_valid(good)
    assert good["stages"][0]["estimate"] == {"min": 5, "max": 10}

    def broken(change: Any) -> dict[str, Any]:
        data = json.loads(json.dumps(good))
        change(data)
        return data

    cases = [
        lambda d: d["stages"][0]["items"][0].__setitem__("checked", "yes"),
        lambda d: d["stages"][0]["items"][0].__setitem__("line", 0),
        lambda d: d["stages"][0]["items"][0].pop("fields"),
        lambda d: d["stages"][0].__setitem__("checked", False),
        lambda d: d["stages"][0].__setitem__("kind", "chores"),
        lambda d: d["stages"][0]["estimate"].pop("max"),
        lambda d: d.pop("version"),
        lambda d: d["metadata"].__setitem__("checked", True),
    ]
    for change in cases:
        assert list(validator().iter_errors(broken(change))), change


def test_yaml_output_is_valid_yaml_with_the_same_data() -> None:
    from ruamel.yaml import YAML

    as_json = run_cli("parse", str(SEED), "--format", "json")
    as_yaml = run_cli("parse", str(SEED), "--format", "yaml")
    assert as_yaml.returncode == 0, as_yaml.stderr
    loaded = YAML(typ="safe", pure=True).load(as_yaml.stdout)
    assert loaded == json.loads(as_json.stdout)
    assert as_yaml.stdout.startswith("title: Production Deployment Checklist\n")
    assert_valid(loaded)
