"""YAML front matter: splitting it off a Markdown text and parsing it within limits.

Read with the YAML 1.2 core schema (plus dates), so ``no`` stays a string, ``017`` is 17
and a duplicate key is an error. The scanner is libyaml through PyYAML (``CSafeLoader``,
PyYAML's pure-Python scanner where libyaml is missing): it reads a crafted 200 KB value
at about 0.05 µs a byte, where ruamel.yaml's pure-Python scanner takes 2-10 µs a byte
(``benchmarks/bench_pathological.py``). ruamel.yaml still *writes* front matter
(``records/newrun.py``, ``records/upgrade.py``): it keeps comments and quoting.

The limits keep hostile front matter from a pull request cheap to refuse: more than
:data:`MAX_FRONT_MATTER` bytes, flow collections nested deeper than :data:`MAX_FLOW_DEPTH`,
and alias bombs that expand past :data:`MAX_YAML_NODES` values.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.text import quoted

MAX_YAML_NODES = 100_000
MAX_FLOW_DEPTH = 64
MAX_FRONT_MATTER = 64 * 1024  # bytes; a run's front matter is a few hundred

_KEY = re.compile(r"^([A-Za-z_][\w-]*+)\s*+:")
_SPLIT = re.compile(
    r"\A(?:\ufeff)?---[ \t]*+\r?\n(?P<body>.*?)^(?:---|\.\.\.)[ \t]*+(?:\r?\n|\Z)", re.S | re.M
)


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter YAML, body) of a Markdown text; ``("", text)`` when it has none."""
    if not text.startswith(("---", "\ufeff---")):
        return "", text
    m = _SPLIT.match(text)
    if not m:
        return "", text
    return m.group("body"), text[m.end() :]


def has_key(front_matter: str, key: str) -> bool:
    """Does the YAML text have a top-level ``key:`` line (without parsing it)?"""
    return any(m.group(1) == key for m in map(_KEY.match, front_matter.split("\n")) if m)


def parse_front_matter(raw: str, path: str | None) -> tuple[dict[str, Any], dict[str, int]]:
    """YAML 1.2 front matter as a dict, with the 1-based line of each top-level key."""
    import yaml
    from yaml import MarkedYAMLError, YAMLError

    if len(raw) > MAX_FRONT_MATTER // 4 and len(raw.encode("utf-8")) > MAX_FRONT_MATTER:
        raise RunbookgenError(
            f"front matter is larger than {MAX_FRONT_MATTER // 1024} KB; it holds a few short keys "
            "(put long text in the body)",
            path,
            2,
        )
    _check_flow_depth(raw, path)
    try:
        data = yaml.load(raw, Loader=_loader()) if raw.strip() else {}
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 2 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise RunbookgenError(f"invalid front matter YAML: {problem}", path, at) from None
    except (YAMLError, ValueError, TypeError, OverflowError) as exc:
        bad = _bad_date(raw)  # YAML reads 2026-13-45 as a date and fails without a line
        if bad is not None:
            key, value, line = bad
            raise RunbookgenError(
                f"front matter '{key}': {value} is not a valid date ({exc}); write YYYY-MM-DD", path, line
            ) from None
        raise RunbookgenError(f"invalid front matter YAML: {exc}", path, 2) from None
    except RecursionError:
        raise RunbookgenError("invalid front matter YAML: nested too deeply", path, 2) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RunbookgenError("front matter must be a YAML mapping of keys to values", path, 2)
    _check_size(data, path)
    lines: dict[str, int] = {}
    for n, text in enumerate(raw.split("\n")):
        m = _KEY.match(text)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = n + 2
    return {str(k): v for k, v in data.items()}, lines


def _check_flow_depth(raw: str, path: str | None) -> None:
    """Refuse ``[[[[…]]]]`` before YAML sees it: ruamel's time grows with the square of the
    depth (5,000 levels take about a minute). Counts brackets even inside quotes, so the
    limit is generous; no real front matter comes near it."""
    if raw.count("[") + raw.count("{") <= MAX_FLOW_DEPTH:
        return
    depth = 0
    for n, line in enumerate(raw.split("\n")):
        for ch in line:
            if ch in "[{":
                depth += 1
                if depth > MAX_FLOW_DEPTH:
                    raise RunbookgenError(
                        f"invalid front matter YAML: nested too deeply (more than {MAX_FLOW_DEPTH} "
                        "levels of [ ] or { })",
                        path,
                        n + 2,
                    )
            elif ch in "]}" and depth:
                depth -= 1


def _check_size(data: Any, path: str | None) -> None:
    """Refuse alias bombs: count nodes as if aliases were expanded, stopping early."""
    budget = MAX_YAML_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise RunbookgenError(
                f"front matter is too large when expanded (more than {MAX_YAML_NODES} values; YAML aliases?)",
                path,
                2,
            )
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


_YAML_DATE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*['\"]?(\d{4})-(\d{1,2})-(\d{1,2})\b")


def _bad_date(raw: str) -> tuple[str, str, int] | None:
    """(key, value, 1-based file line) of the first date-shaped value that is no date."""
    from datetime import date

    for n, line in enumerate(raw.split("\n")):
        m = _YAML_DATE.match(line)
        if m:
            try:
                date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
            except ValueError:
                return m.group(1), f"{m.group(2)}-{m.group(3)}-{m.group(4)}", n + 2
    return None


# ---------------------------------------------------------------------- the YAML 1.2 loader
# Plain scalars that are not strings (YAML 1.2 core schema, and timestamps as ruamel.yaml's
# safe loader reads them). Each pattern is anchored at both ends with no overlapping
# quantifiers; libyaml hands them one scalar at a time.
_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    (
        "float",
        r"[-+]?+[0-9][0-9_]*+\.[0-9_]*+(?:[eE][-+]?+[0-9]++)?"
        r"|[-+]?+[0-9][0-9_]*+[eE][-+]?+[0-9]++"
        r"|[-+]?+\.[0-9_]++(?:[eE][-+][0-9]++)?"
        r"|[-+]?+\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("int", r"[-+]?+(?:0b[01_]++|0o[0-7_]++|0x[0-9a-fA-F_]++|[0-9_]++)", "-+0123456789"),
    ("null", r"~|null|Null|NULL", "~nN"),
    ("merge", r"<<", "<"),
    (
        "timestamp",
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]++)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*+)?"
        r"(?:[ \t]*+(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
        "0123456789",
    ),
)


@cache
def _loader() -> Any:
    """A PyYAML safe loader class on libyaml, reading the YAML 1.2 core schema (its own
    resolvers replace PyYAML's YAML 1.1 ones, which read ``no`` as false)."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    loader: Any = type("FrontMatterLoader", (base,), {"yaml_implicit_resolvers": {}})
    for name, pattern, first in _RESOLVERS:
        regexp = re.compile(f"^(?:{pattern})$")
        loader.add_implicit_resolver(f"tag:yaml.org,2002:{name}", regexp, list(first))
    # the empty plain scalar is null (offered to the resolvers with no first character)
    loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile("^$"), [""])
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    return loader


def _construct_int(loader: Any, node: Any) -> int:
    """YAML 1.2 integers: ``017`` is 17 (YAML 1.1 read it as octal), ``0o17`` is 15."""
    text = loader.construct_scalar(node).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)


def _construct_mapping(loader: Any, node: Any) -> dict[Any, Any]:
    """A mapping; a key given twice is an error (a silently lost value is worse)."""
    import yaml

    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from None
        if key in out:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {quoted(str(key))}",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out
