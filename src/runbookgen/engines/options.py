"""The ``runbookgen`` plugin's options for engines that do not validate them (Zensical).

MkDocs and ProperDocs check the options with the plugin's ``Config`` class
(``engines/mkdocs/config.py``); Zensical ignores the entry. Defaults and types here come
from ``schemas/plugin.schema.json``, which ``tests/test_site_schema.py`` keeps equal to
that class, so the options mean the same on every engine.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from runbookgen.errors import RunbookgenError

_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "string": (str,),
    "integer": (int,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


@functools.cache
def _properties() -> dict[str, Any]:
    schema = json.loads(files("runbookgen").joinpath("schemas/plugin.schema.json").read_text("utf-8"))
    props: dict[str, Any] = schema["oneOf"][1]["properties"]["runbookgen"]["properties"]
    return props


def _fits(value: Any, kind: str | list[str]) -> bool:
    kinds = [kind] if isinstance(kind, str) else kind
    for k in kinds:
        if isinstance(value, _TYPES[k]) and not (k == "integer" and isinstance(value, bool)):
            return True
    return False


def plugin_options(raw: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """Every option with its value or default; an unknown option or a wrong type is an error."""
    props = _properties()
    out = {name: json.loads(json.dumps(spec.get("default"))) for name, spec in props.items()}
    for name, value in dict(raw or {}).items():
        spec = props.get(name)
        if spec is None:
            raise RunbookgenError(f"plugin runbookgen: unknown option '{name}'", where)
        if not _fits(value, spec["type"]):
            wanted = spec["type"] if isinstance(spec["type"], str) else " or ".join(spec["type"])
            raise RunbookgenError(f"plugin runbookgen: option '{name}' must be of type {wanted}", where)
        if "minimum" in spec and value < spec["minimum"]:
            raise RunbookgenError(f"plugin runbookgen: option '{name}' must be >= {spec['minimum']}", where)
        out[name] = value
    return out
