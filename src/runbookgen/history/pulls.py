"""Which pull request is open for a run branch: an optional input, never required.

git knows nothing about pull requests, so the site learns them from a JSON file the
workflow writes with GitHub's CLI (``.github/workflows/pages.yml``)::

    gh pr list --state open --json number,title,headRefName,url,state > "$RUNNER_TEMP/pulls.json"

named by the plugin option ``pull_requests`` or the environment variable
``RUNBOOKGEN_PULL_REQUESTS`` (the variable wins: a workflow sets it without editing
``mkdocs.yml``). Without either, there is no mapping and nothing else changes.

The file comes from the GitHub API, but titles are anyone's text: they are only ever shown
escaped, and a URL is kept only when it is an ``https://`` URL (never ``javascript:``).
Pull requests from forks (``isCrossRepository: true``, when the list has that field) are
left out: their branch names say nothing about this repository's branches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError

ENV = "RUNBOOKGEN_PULL_REQUESTS"
SETTING = "pull_requests"
MAX_BYTES = 32 * 1024 * 1024
#: the command that writes the file, for docs and messages
GH_COMMAND = "gh pr list --state open --limit 1000 --json number,title,headRefName,url,state"


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    title: str
    url: str | None  # https only
    state: str  # OPEN, CLOSED, MERGED (as gh prints it)
    branch: str


def pulls_source(settings: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str | None:
    """The file to read: ``$RUNBOOKGEN_PULL_REQUESTS``, else the ``pull_requests`` option."""
    env = os.environ if env is None else env
    named = env.get(ENV) or settings.get(SETTING)
    return str(named) if named else None


def load_pulls(path: str | os.PathLike[str] | None, root: Path | None = None) -> dict[str, PullRequest]:
    """Branch name → its open pull request (the newest when several are open).

    ``path`` is relative to ``root`` (the project) unless absolute. A file that is named but
    missing or malformed raises :class:`RunbookgenError` naming it; the caller decides
    whether that fails (``check``) or warns (the site still builds).
    """
    if not path:
        return {}
    full = Path(path)
    if root is not None and not full.is_absolute():
        full = root / full
    shown = os.fspath(path)
    try:
        if full.stat().st_size > MAX_BYTES:
            raise RunbookgenError(f"pull request list is larger than {MAX_BYTES // (1024 * 1024)} MB", shown)
        data = json.loads(full.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise RunbookgenError(f"no such pull request list (write it with: {GH_COMMAND})", shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunbookgenError(f"cannot read the pull request list: {exc}".splitlines()[0], shown) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise RunbookgenError(f"not JSON: {getattr(exc, 'msg', exc)}", shown, line) from None
    return parse_pulls(data, shown)


def parse_pulls(data: Any, shown: str = "pull request list") -> dict[str, PullRequest]:
    """The mapping from ``gh pr list --json …`` output (see :func:`load_pulls`)."""
    if not isinstance(data, list):
        raise RunbookgenError(f"expected a JSON list as '{GH_COMMAND}' writes it", shown)
    out: dict[str, PullRequest] = {}
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise RunbookgenError(f"entry {n} is not an object", shown)
        number, branch = entry.get("number"), entry.get("headRefName")
        if not isinstance(number, int) or isinstance(number, bool) or not isinstance(branch, str):
            raise RunbookgenError(f"entry {n} lacks a number or headRefName", shown)
        if entry.get("isCrossRepository") is True:
            continue
        state = str(entry.get("state") or "OPEN").upper()
        if state != "OPEN":
            continue
        title = entry.get("title")
        url = entry.get("url")
        pr = PullRequest(
            number,
            title if isinstance(title, str) else "",
            url if isinstance(url, str) and url.startswith("https://") and len(url) < 2048 else None,
            state,
            branch,
        )
        have = out.get(branch)
        if have is None or pr.number > have.number:
            out[branch] = pr
    return out
