"""The progress callback every engine adapter reports to (``runbookgen build`` prints it)."""

from __future__ import annotations

from collections.abc import Callable

#: hook(phase, done, total): phase "runs" (run records read, of total) or "pages" (written, total 0)
ProgressHook = Callable[[str, int, int], None]
