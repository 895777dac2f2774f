"""The published JSON Schema of the plugin's options agrees with the plugin's Config class."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from runbookgen.engines.mkdocs.config import RunbookgenConfig
from runbookgen.project import read_mkdocs_config
from test_site_support import ROOT

SCHEMA = json.loads(files("runbookgen").joinpath("schemas/plugin.schema.json").read_text())
PROPS: dict[str, Any] = SCHEMA["oneOf"][1]["properties"]["runbookgen"]["properties"]
SAMPLES = {
    "boolean": True,
    "string": "x",
    "integer": 3,
    "number": 2.5,
    "null": None,
    "object": {"Jane Doe": ["jane@example.com"]},
    "array": ["run/**", "hotfix/**"],
}
WRONG = {
    "boolean": "yes please",
    "string": 12,
    "integer": "many",
    "number": "big",
    "object": "jane",
    "array": 3,
}
# options whose objects have a shape of their own
SAMPLE_FOR = {"signoffs": {"object": {"require": "verified", "allowed_signers": ".github/allowed_signers"}}}


def config_errors(options: dict[str, Any]) -> list[str]:
    cfg = RunbookgenConfig()
    cfg.load_dict(options)
    errors, _warnings = cfg.validate()
    return [f"{k}: {e}" for k, e in errors]


def schema_ok(options: dict[str, Any] | str) -> bool:
    entry = options if isinstance(options, str) else {"runbookgen": options}
    return jsonschema.Draft7Validator(SCHEMA).is_valid(entry)


def test_schema_is_valid_draft7() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_same_options_and_defaults() -> None:
    cfg = RunbookgenConfig()
    cfg.load_dict({})
    assert cfg.validate() == ([], [])
    assert set(PROPS) == set(cfg.keys())
    for name, prop in PROPS.items():
        assert prop["default"] == cfg[name], name
        assert prop.get("description"), name


@pytest.mark.parametrize("name", sorted(PROPS))
def test_types_agree(name: str) -> None:
    types = PROPS[name]["type"]
    types = types if isinstance(types, list) else [types]
    for t in types:
        value = SAMPLE_FOR.get(name, {}).get(t, SAMPLES[t])
        assert schema_ok({name: value}) and not config_errors({name: value}), (name, value)
    json_type = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object"}
    for t in types:
        # a value wrong for one type may be right for another the option accepts
        if t in WRONG and json_type[type(WRONG[t])] not in types:
            value = WRONG[t]
            assert not schema_ok({name: value}), (name, value)
            assert config_errors({name: value}), (name, value)


def test_unknown_option_rejected_by_both() -> None:
    assert not schema_ok({"run_dir": "runs"})
    cfg = RunbookgenConfig()
    cfg.load_dict({"run_dir": "runs"})
    _errors, warnings = cfg.validate()
    assert any(k == "run_dir" for k, _ in warnings)  # MkDocs warns (fails under --strict)


def test_this_repository_uses_the_plugin_validly() -> None:
    plugins = read_mkdocs_config(ROOT)["plugins"]
    assert "search" in plugins
    entry = next(p for p in plugins if p == "runbookgen" or (isinstance(p, dict) and "runbookgen" in p))
    assert jsonschema.Draft7Validator(SCHEMA).is_valid(entry)
    assert schema_ok("runbookgen")
