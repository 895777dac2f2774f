"""What runbookgen reads from the user's configuration for a Zensical build.

The file is read round-trip (``ruamel.yaml``), so the configuration Zensical finally
builds from (``stage.write_config``) keeps tags such as ``!ENV`` and
``!!python/name:…`` for Zensical to resolve; the few settings runbookgen needs itself
are resolved here the way MkDocs would.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runbookgen.engines.zensical.stage import yaml_round_trip
from runbookgen.errors import RunbookgenError

#: the edit URI MkDocs and Zensical assume for these hosts when ``edit_uri`` is unset
KNOWN_REPO_HOSTS = {
    "github.com": "edit/master/",
    "gitlab.com": "edit/master/",
    "bitbucket.org": "src/default/",
}


def load_config(path: Path) -> Any:
    """The configuration file as round-trip YAML data (a mapping)."""
    from ruamel.yaml.error import YAMLError

    try:
        data = yaml_round_trip().load(path.read_text(encoding="utf-8"))
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        raise RunbookgenError(f"cannot read the configuration: {exc}".splitlines()[0], path) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RunbookgenError("the configuration is not a mapping", path)
    return data


def resolve_env(value: Any) -> Any:
    """MkDocs' ``!ENV VAR`` / ``!ENV [VAR, …, default]``: the first variable that is set,
    its text read as a YAML scalar (``true`` is a boolean, as in MkDocs), else the default."""
    tag = getattr(getattr(value, "tag", None), "value", None)
    if tag != "!ENV":
        return value
    items = list(value) if isinstance(value, list) else [getattr(value, "value", str(value))]
    names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    for name in names:
        if str(name) in os.environ:
            from ruamel.yaml import YAML
            from ruamel.yaml.error import YAMLError

            text = os.environ[str(name)]
            try:
                parsed = YAML(typ="safe", pure=True).load(text)
            except YAMLError:
                return text
            return parsed if isinstance(parsed, (str, int, float, bool)) or parsed is None else text
    return default


def setting(config: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = resolve_env(config.get(key, default))
    return default if value is None else value


def plugin_entry(config: Mapping[str, Any]) -> tuple[bool, Mapping[str, Any] | None]:
    """(whether ``runbookgen`` is among ``plugins``, its options)."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins:
        if entry == "runbookgen":
            return True, None
        if isinstance(entry, dict) and "runbookgen" in entry:
            return True, entry["runbookgen"]
    return False, None


def default_edit_uri(repo_url: str | None, docs_rel: str) -> str | None:
    """The edit URI Zensical would derive for the user's ``docs_dir`` (not the staging one)."""
    if not repo_url:
        return None
    from urllib.parse import urlsplit

    prefix = KNOWN_REPO_HOSTS.get(urlsplit(repo_url).hostname or "")
    return f"{prefix}{docs_rel}" if prefix else None
