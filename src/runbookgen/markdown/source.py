"""Reading a Markdown file's text: UTF-8 with or without a BOM, or one clear error line."""

from __future__ import annotations

import os
from pathlib import Path

from runbookgen.errors import RunbookgenError


def read_text(
    path: str | os.PathLike[str],
    shown: str | os.PathLike[str] | None = None,
    what: str = "a Markdown file",
    missing: str = "no such file",
) -> str:
    """A file's UTF-8 text, or a one-line error naming ``shown`` (default: the path)."""
    name = path if shown is None else shown
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RunbookgenError(missing, name) from None
    except IsADirectoryError:
        raise RunbookgenError(f"is a directory, not {what}", name) from None
    except PermissionError:
        raise RunbookgenError("permission denied", name) from None
    except OSError as exc:
        raise RunbookgenError(exc.strerror or str(exc), name) from None
    return decode(data, name)


def decode(data: bytes, path: str | os.PathLike[str] | None = None) -> str:
    """UTF-8 (with or without BOM) or a one-line error naming the first bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RunbookgenError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
            path,
            line,
        ) from None
