"""What the events refer to: item texts and sections, and the runbook a run file follows.

A run's template gives the same ids as the run itself, so listing the events of many runs
needs one parse per runbook rather than one per run.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runbookgen.model import Runbook

_RUNBOOK_KEY = re.compile(r"^runbook\s*:\s*['\"]?(?P<name>[^'\"#\s]+)", re.M)


def runbook_of(path: str | os.PathLike[str]) -> str | None:
    """The ``runbook:`` of a run file's front matter, read cheaply (no YAML, no parse)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head.startswith("---"):
        return None
    m = _RUNBOOK_KEY.search(head)
    return m.group("name") if m else None


def item_labels(model: Runbook) -> dict[str, tuple[str, str]]:
    """Item id → (item text, title of its section): to show events next to their items.

    A run's template gives the same ids as the run itself, so listing many runs needs one
    parse per runbook rather than one per run.
    """
    return {item.id: (item.text, sec.title) for sec, item in model.items_with_sections()}
