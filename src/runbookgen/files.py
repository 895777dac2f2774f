"""Every file runbookgen reads or writes goes through here: one safe reader, atomic writers.

Run records come from pull requests and are edited by hand, so nothing read is trusted:

- the reader refuses what is not a regular file (a FIFO would block forever, a device
  never ends), files above a size limit (checked before reading a byte), and, given the
  repository root, anything that resolves outside it or into ``.git`` (a symlink to
  ``/etc/passwd`` or ``/proc/self/environ`` must never be read into a page);
- the writers never leave a half-written file (temporary file + link or rename), never
  replace a file another command just created, never write through a symlinked directory
  out of the repository, and turn every ``OSError`` into one line:
  ``cannot write <path>: <reason>``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from runbookgen.errors import RunbookgenError

#: Default size limit for Markdown files (run records, runbooks): 10 MB. A real run record
#: is 10-50 KB; the limit only stops a mistaken or hostile file from taking minutes and
#: gigabytes. Configurable with the plugin's ``max_file_mb`` option (see project.py).
DEFAULT_MAX_BYTES = 10_000_000


def os_error(what: str, shown: str | os.PathLike[str], exc: OSError) -> RunbookgenError:
    """``<what> <path>: <reason>`` for an ``OSError`` (e.g. ``cannot write runs/x.md: Permission denied``)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return RunbookgenError(f"{what} {os.fspath(shown)}: {reason}")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def size_text(n: int) -> str:
    """Bytes as people write file sizes: ``10 MB``, ``52.4 MB``, ``900 KB``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{n} bytes"


def inside(path: str | os.PathLike[str], root: Path) -> Path | None:
    """``path`` resolved (symlinks followed) if it lies inside ``root`` and not in its
    ``.git``; None otherwise. ``root`` must be resolved already."""
    full = Path(path)
    try:
        full = (full if full.is_absolute() else Path.cwd() / full).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    if full != root and root not in full.parents:
        return None
    git_dir = root / ".git"
    if full == git_dir or git_dir in full.parents:
        return None
    return full


def refusal(
    path: str | os.PathLike[str], *, limit: int | None = DEFAULT_MAX_BYTES, root: Path | None = None
) -> str | None:
    """Why ``path`` must not be read or published (outside ``root``, not a regular file,
    above ``limit`` bytes), or None. Never blocks: it only looks at the file's metadata."""
    if root is not None and inside(path, root) is None:
        try:
            target = Path(path).resolve()
        except (OSError, RuntimeError):
            return "is a symlink loop"
        if target == root / ".git" or (root / ".git") in target.parents:
            return "resolves into .git; refused"
        return f"resolves to {target}, outside the repository ({root}); refused"
    try:
        st = Path(path).stat()
    except OSError:
        return None  # missing or unreadable: the reader says which, with the reason
    if not stat.S_ISREG(st.st_mode):
        return f"is {_kind(st.st_mode)}, not a regular file; refused"
    if limit is not None and st.st_size > limit:
        return too_big(st.st_size, limit)
    return None


def too_big(size: int, limit: int) -> str:
    return (
        f"is {size_text(size)}, above the {size_text(limit)} limit for Markdown files; refused "
        "(raise max_file_mb of the runbookgen plugin in mkdocs.yml if it is really meant)"
    )


def read_bytes(
    path: str | os.PathLike[str],
    shown: str | os.PathLike[str] | None = None,
    *,
    what: str = "a Markdown file",
    missing: str = "no such file",
    limit: int | None = DEFAULT_MAX_BYTES,
    root: Path | None = None,
) -> bytes:
    """A file's bytes, or a one-line error naming ``shown`` (default: the path).

    Refuses, before reading, a path resolving outside ``root`` (when given), anything but
    a regular file, and files above ``limit`` bytes. The file is opened non-blocking, so a
    FIFO swapped in after the check still cannot block.
    """
    name = os.fspath(path if shown is None else shown)
    why = refusal(path, limit=limit, root=root)
    if why is not None:
        if why.startswith("is a directory"):
            why = f"is a directory, not {what}"
        raise RunbookgenError(why, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise RunbookgenError(missing, name) from None
    except IsADirectoryError:
        raise RunbookgenError(f"is a directory, not {what}", name) from None
    except PermissionError:
        raise RunbookgenError("permission denied", name) from None
    except OSError as exc:
        raise RunbookgenError(exc.strerror or str(exc), name) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RunbookgenError(f"is {_kind(st.st_mode)}, not a regular file; refused", name)
        chunks = []
        size = 0
        cap = limit if limit is not None else -1
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if cap >= 0 and size > cap:  # grew after the check
                raise RunbookgenError(too_big(size, cap), name)
            chunks.append(chunk)
        return b"".join(chunks)
    except IsADirectoryError:
        raise RunbookgenError(f"is a directory, not {what}", name) from None
    except OSError as exc:
        raise RunbookgenError(f"cannot read: {exc.strerror or exc}", name) from None
    finally:
        os.close(fd)


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


def read_text(
    path: str | os.PathLike[str],
    shown: str | os.PathLike[str] | None = None,
    what: str = "a Markdown file",
    missing: str = "no such file",
    *,
    limit: int | None = DEFAULT_MAX_BYTES,
    root: Path | None = None,
) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a BOM is dropped)."""
    name = path if shown is None else shown
    data = read_bytes(path, shown, what=what, missing=missing, limit=limit, root=root)
    return decode(data, name)


# ---------------------------------------------------------------------------- writing
def _shown(path: Path, shown: str | os.PathLike[str] | None) -> str:
    return os.fspath(path if shown is None else shown)


def _check_parent(path: Path, root: Path | None, shown: str) -> None:
    """Refuse a target whose directory (or the nearest existing one above it) resolves
    outside ``root`` or into ``.git``: a symlinked directory must not redirect a write."""
    if root is None:
        return
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if inside(parent, root) is None:
        try:
            target = parent.resolve()
        except (OSError, RuntimeError):
            target = parent
        raise RunbookgenError(
            f"refusing to write {shown}: {parent.name or parent} resolves to {target}, "
            f"outside the repository ({root})"
        )
    if path.is_symlink():
        raise RunbookgenError(f"refusing to write {shown}: it is a symlink")


def make_dirs(directory: Path, shown: str | os.PathLike[str] | None = None, root: Path | None = None) -> None:
    """``mkdir -p`` with one-line errors (and no directory created through a symlink out)."""
    name = _shown(directory, shown)
    _check_parent(directory / "x", root, name)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise RunbookgenError(f"cannot create directory {name}: a file of that name is in the way") from None
    except NotADirectoryError:
        raise RunbookgenError(f"cannot create directory {name}: a file is in the way on its path") from None
    except OSError as exc:
        raise os_error("cannot create directory", name, exc) from None
    if not directory.is_dir():
        raise RunbookgenError(f"cannot create directory {name}: a file of that name is in the way")


def _temp_with(path: Path, text: str, mode: int, shown: str) -> Path:
    """``text`` in an exclusively created temporary file next to ``path`` (same file system)."""
    for n in range(100):
        tmp = path.parent / f".{path.name}.{os.getpid()}-{n}.runbookgen-tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise os_error("cannot write", shown, exc) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.chmod(mode)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise os_error("cannot write", shown, exc) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp
    raise RunbookgenError(f"cannot write {shown}: cannot create a temporary file next to it")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_new(
    path: Path,
    text: str,
    exists: str = "refusing to overwrite existing file",
    *,
    shown: str | os.PathLike[str] | None = None,
    root: Path | None = None,
) -> None:
    """Create ``path`` with ``text`` atomically; refuse with ``exists`` (file untouched) if it is there.

    ``root``: refuse when the target directory resolves outside it (symlinks)."""
    name = _shown(path, shown)
    make_dirs(path.parent, Path(name).parent.as_posix(), root)
    _check_parent(path, root, name)
    tmp = _temp_with(path, text, _default_mode(), name)
    try:
        try:
            os.link(tmp, path)  # atomic, and unlike rename never replaces an existing file
        except FileExistsError:
            raise RunbookgenError(exists, name) from None
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise os_error("cannot write", name, exc) from None
            _write_exclusive(path, text, exists, name)
    finally:
        tmp.unlink(missing_ok=True)


# link() is not supported there: fall back to an exclusive create (same guarantee of
# never replacing a file, but a crash mid-write could leave part of it: removed on error).
_NO_LINKS = {getattr(errno, n, -1) for n in ("EPERM", "EOPNOTSUPP", "ENOTSUP", "EXDEV", "EMLINK")}


def _write_exclusive(path: Path, text: str, exists: str, name: str) -> None:
    try:
        fh = open(path, "x", encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    except FileExistsError:
        raise RunbookgenError(exists, name) from None
    except OSError as exc:
        raise os_error("cannot write", name, exc) from None
    try:
        with fh:
            fh.write(text)
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise os_error("cannot write", name, exc) from None
        raise


def write_replace(
    path: Path, text: str, *, shown: str | os.PathLike[str] | None = None, root: Path | None = None
) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permissions.

    ``root``: refuse when the target directory resolves outside it (symlinks)."""
    name = _shown(path, shown)
    _check_parent(path, root, name)
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    except OSError as exc:
        raise os_error("cannot write", name, exc) from None
    tmp = _temp_with(path, text, mode, name)
    try:
        tmp.replace(path)
    except OSError as exc:
        raise os_error("cannot write", name, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
