"""runbookgen: deployment runbooks as GitHub Markdown checklists.

``load(path)`` and ``loads(text)`` parse a checklist into a :class:`Runbook`. Imports
are lazy so the command line starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Runbook", "RunbookgenError", "__version__", "load", "loads"]

if TYPE_CHECKING:
    from runbookgen.errors import RunbookgenError
    from runbookgen.markdown import load, loads
    from runbookgen.model import Runbook


def __getattr__(name: str) -> Any:
    if name in ("load", "loads"):
        from runbookgen import markdown

        return getattr(markdown, name)
    if name == "Runbook":
        from runbookgen.model import Runbook

        return Runbook
    if name == "RunbookgenError":
        from runbookgen.errors import RunbookgenError

        return RunbookgenError
    raise AttributeError(name)
