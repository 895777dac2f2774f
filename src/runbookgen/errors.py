"""One exception type for every user mistake, so the CLI can print one line and exit 1."""

from __future__ import annotations

import os


class RunbookgenError(Exception):
    """A problem with the user's input: rendered as ``path:line: message``, never a traceback."""

    def __init__(
        self, message: str, path: str | os.PathLike[str] | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return where + self.message
