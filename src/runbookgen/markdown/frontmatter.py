"""YAML front matter: splitting it off a Markdown text and parsing it within limits.

YAML 1.2 (ruamel.yaml, safe loader), so ``no`` stays a string. The limits keep hostile
front matter from a pull request cheap to refuse: flow collections nested deeper than
:data:`MAX_FLOW_DEPTH` and alias bombs that expand past :data:`MAX_YAML_NODES` values.
"""

from __future__ import annotations

import re
from typing import Any

from runbookgen.errors import RunbookgenError

MAX_YAML_NODES = 100_000
MAX_FLOW_DEPTH = 64

_KEY = re.compile(r"([A-Za-z_][\w-]*+)\s*+:")
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
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _check_flow_depth(raw, path)
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(raw) if raw.strip() else {}
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise RunbookgenError(f"invalid front matter YAML: {problem}", path, line) from None
    except (YAMLError, ValueError, TypeError) as exc:
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
    for n, line in enumerate(raw.split("\n")):
        m = _KEY.match(line)
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
