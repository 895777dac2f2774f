"""Scaffolding a runbook repository (``init``) and adding runbooks (``new-runbook``).

The starter files ship as package data under ``runbookgen/starter/`` so a wheel carries
them. Both operations refuse to overwrite anything: every target is checked before the
first byte is written, each file is written atomically (temporary file + rename), and a
failure part-way removes what this call created, so a project is never left half-made.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from runbookgen import __version__
from runbookgen.errors import RunbookgenError
from runbookgen.files import make_dirs, os_error, write_new
from runbookgen.text import quoted

#: The runbook that ``init`` writes and ``new-runbook`` copies.
EXAMPLE_RUNBOOK = "content/example-deployment.md"
EXAMPLE_TITLE = "Example Deployment"

# Runbook ids become file names and URL segments: plain, portable, no path tricks.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_RESERVED = {"index", "con", "prn", "aux", "nul"}


@dataclass
class Scaffold:
    """What a scaffolding call wrote (paths relative to ``root``)."""

    root: Path
    written: list[str] = field(default_factory=list)


def starter_root() -> Traversable:
    """The packaged starter tree."""
    return files("runbookgen").joinpath("starter")


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            out.extend(_walk(child, rel + "/"))
        else:
            out.append((rel, child))
    return out


def starter_files(site_name: str) -> dict[str, str]:
    """Relative path → text of every starter file, with placeholders filled in."""
    result = {}
    for rel, node in _walk(starter_root()):
        text = node.read_text(encoding="utf-8")
        text = text.replace("__RUNBOOKGEN_VERSION__", __version__)
        text = text.replace("__SITE_NAME__", _yaml_scalar(site_name))
        result[rel] = text
    return result


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that stays a plain string whatever it contains."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]*", text) and text.lower() not in {
        "yes",
        "no",
        "true",
        "false",
        "null",
        "on",
        "off",
        "y",
        "n",
    }:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def title_from_name(name: str) -> str:
    """``production-deployment`` → ``Production Deployment``."""
    words = re.split(r"[-_]+", name)
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def validate_name(name: str) -> str:
    """A runbook id usable as ``content/<name>.md`` and ``runs/<name>/``; raises otherwise."""
    if name.endswith(".md"):
        name = name[:-3]
    if not _NAME.fullmatch(name) or name.lower() in _RESERVED:
        raise RunbookgenError(
            f"invalid runbook name {quoted(name)}: use letters, digits, '-' and '_' (at most 64, "
            "starting with a letter or digit; not 'index'), e.g. 'production-deployment'"
        )
    return name


def write_files(root: Path, contents: dict[str, str], boundary: Path | None = None) -> Scaffold:
    """Write ``contents`` under ``root``: all or nothing, never overwriting, and never
    through a symlinked directory that leads out of ``boundary`` (default: ``root``)."""
    boundary = boundary or root
    conflicts = sorted(rel for rel in contents if os.path.lexists(root / rel))
    if conflicts:
        listing = ", ".join(conflicts[:10]) + (
            f" and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        )
        raise RunbookgenError(f"refusing to overwrite existing files: {listing}; nothing was written", root)
    made = Scaffold(root=root)
    created_dirs: list[Path] = []
    try:
        for rel, text in contents.items():
            target = root / rel
            for parent in reversed([p for p in target.parents if p == root or root in p.parents]):
                if not parent.exists() and not parent.is_symlink():
                    make_dirs(parent, parent.relative_to(root.parent).as_posix(), boundary)
                    created_dirs.append(parent)
            write_new(target, text, shown=target.relative_to(root).as_posix(), root=boundary)
            made.written.append(rel)
    except BaseException:
        for rel in made.written:
            (root / rel).unlink(missing_ok=True)
        for d in reversed(created_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
    return made


def init_project(directory: str | os.PathLike[str], site_name: str | None = None) -> Scaffold:
    """Scaffold a runbook repository in ``directory`` (created if missing)."""
    root = Path(directory).resolve()
    if root.exists() and not root.is_dir():
        raise RunbookgenError("not a directory", root)
    contents = starter_files(site_name or default_site_name(root.name))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error("cannot create directory", directory, exc) from None
    return write_files(root, contents)


def default_site_name(directory: str) -> str:
    """``payments`` → ``Payments Runbooks``; ``my-runbooks`` → ``My Runbooks`` (not "… Runbooks Runbooks")."""
    title = title_from_name(directory) or "Deployment"
    if title.lower().endswith(("runbooks", "runbook")):
        return title if title.lower().endswith("runbooks") else title + "s"
    return f"{title} Runbooks"


def runbook_text(name: str, title: str | None = None) -> str:
    """The starter runbook retitled for ``name``."""
    text = starter_root().joinpath(*EXAMPLE_RUNBOOK.split("/")).read_text(encoding="utf-8")
    title = (title or title_from_name(name)).strip()
    if not title or "\n" in title:
        raise RunbookgenError("the title must be one non-empty line")
    lines = text.splitlines(keepends=True)
    lines[0] = f"# {title}\n"
    # The intro line about renaming only makes sense in the example itself.
    return "".join(lines).replace(
        "A starting point: rename this file, or add your own with `runbookgen new-runbook NAME`.\n",
        "Describe when this runbook is used and who runs it.\n",
    )


def new_runbook(
    content_dir: str | os.PathLike[str], name: str, title: str | None = None, repo: Path | None = None
) -> Path:
    """Write ``<content_dir>/<name>.md`` from the starter runbook; never overwrites, and
    never outside ``repo`` (the repository root) when given."""
    name = validate_name(name)
    folder = Path(content_dir)
    rel = f"{name}.md"
    target = folder / rel
    if os.path.lexists(target):  # named from the repository, as new-run names its run
        shown = os.path.relpath(target, repo) if repo is not None else os.fspath(target)
        raise RunbookgenError("already exists; new-runbook never overwrites", Path(shown).as_posix())
    write_files(folder, {rel: runbook_text(name, title)}, boundary=repo)
    return folder / rel
