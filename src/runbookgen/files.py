"""Atomic file writes: a new file never replaces an existing one; a rewrite is all or nothing.

Run records come from pull requests and are edited by hand; a crash or a race must never
leave a half-written record or overwrite one another command just created.
"""

from __future__ import annotations

import os
from pathlib import Path

from runbookgen.errors import RunbookgenError


def _temp_with(path: Path, text: str, mode: int) -> Path:
    """``text`` in an exclusively created temporary file next to ``path`` (same file system)."""
    for n in range(100):
        tmp = path.parent / f".{path.name}.{os.getpid()}-{n}.runbookgen-tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.chmod(mode)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp
    raise RunbookgenError("cannot create a temporary file", path.parent)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_new(path: Path, text: str, exists: str = "refusing to overwrite existing file") -> None:
    """Create ``path`` with ``text`` atomically; refuse with ``exists`` (file untouched) if it is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_with(path, text, _default_mode())
    try:
        try:
            os.link(tmp, path)  # atomic, and unlike rename never replaces an existing file
        except FileExistsError:
            raise RunbookgenError(exists, path) from None
        except OSError:
            # File systems without hard links: exclusive create, then write.
            try:
                with open(path, "x", encoding="utf-8", newline="") as out:
                    out.write(text)
            except FileExistsError:
                raise RunbookgenError(exists, path) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_replace(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    tmp = _temp_with(path, text, mode)
    try:
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
