"""Run records: one Markdown file per deployment, front matter plus the ticked checklist.

Reading is here; what the front matter holds and its validation are in ``records/schema.py``,
writing in ``records/newrun.py``, ``upgrade.py`` and ``tick.py``. Reading
never judges: a run with odd front matter still loads, so ``check`` can report every
problem with its line instead of stopping at the first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.markdown.grammar import task_line
from runbookgen.model import Runbook
from runbookgen.project import Project


@dataclass
class RunRecord:
    """A parsed run record and the template it was made from (None when it is missing)."""

    path: Path  # absolute
    relpath: str  # relative to the project root, forward slashes
    model: Runbook  # the checklist body as ticked so far
    template: Runbook | None
    #: front matter values YAML read as numbers or booleans, as written (``2.10``, not 2.1)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def front_matter(self) -> dict[str, Any]:
        return self.model.front_matter

    def text(self, key: str) -> str:
        """A front matter value as text: dates in ISO form, numbers as written in the file."""
        value = self.front_matter.get(key)
        if value is None:
            return ""
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if isinstance(value, (bool, int, float)):
            return self.raw.get(key, str(value))
        return str(value)

    _str = text

    @property
    def runbook(self) -> str:
        return self._str("runbook")

    @property
    def release(self) -> str:
        return self._str("release")

    @property
    def date(self) -> str:
        """ISO date string (``YYYY-MM-DD``) or ``""``."""
        value = self.front_matter.get("date")
        if isinstance(value, datetime):
            return value.date().isoformat()
        return self._str("date")

    @property
    def lead(self) -> str:
        return self._str("lead")

    @property
    def status(self) -> str:
        return self._str("status")

    @property
    def template_version(self) -> str:
        return self._str("template_version")

    @property
    def template_digest(self) -> str:
        return self._str("template_digest")

    @property
    def slug(self) -> str:
        """The run's id within its runbook: the file stem (``2026-12-01-v2.4.0``)."""
        return self.path.stem

    def key_line(self, key: str) -> int | None:
        """1-based line of a front matter key, for findings."""
        return self.model.front_matter_lines.get(key)


class MergeConflict(RunbookgenError):
    """A run record still holds git's conflict markers: nothing in it can be trusted."""


_FRONT_MATTER_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_FRONT_MATTER_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_CONFLICT = re.compile(r"^(?:<{7}|>{7}|\|{7})(?: |\r?$)", re.M)


def conflict_line(text: str) -> int | None:
    """1-based line of the first git conflict marker (``<<<<<<<``, ``|||||||``,
    ``>>>>>>>`` at the start of a line), or None."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "|||||||" not in text:
        return None
    m = _CONFLICT.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def parse_run(text: str, relpath: str, project: Project) -> Runbook:
    """The model of a run record's text (from a file or a git revision); the one place run
    records are parsed, so every command and the site see conflict markers the same way.

    Runs of one template share their structure: the process's parse cache
    (``markdown/reuse.py``) derives most of them from one parse, with the same result."""
    from runbookgen.markdown.reuse import loads

    if _FRONT_MATTER_OPEN.match(text) and not _FRONT_MATTER_CLOSE.search(text, text.index("\n") + 1):
        raise RunbookgenError("front matter is not closed: add a line '---' after its last key", relpath, 1)
    line = conflict_line(text)
    if line is not None:
        raise MergeConflict(
            f"unresolved merge conflict at line {line}: keep the lines you want, delete the "
            "<<<<<<<, ======= and >>>>>>> lines, and commit (while git is merging, "
            "'runbookgen resolve' keeps both sides' ticks)",
            relpath,
            line,
        )
    try:
        return loads(text, path=relpath, field_labels=project.field_labels)
    except RunbookgenError as exc:
        unclosed = _markdown_in_front_matter(text) if exc.message.startswith("invalid front matter") else None
        if unclosed is None:
            raise
        raise RunbookgenError(
            f"front matter is not closed: add a line '---' after its last key (line {unclosed} "
            "is already Markdown)",
            relpath,
            1,
        ) from None


_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S")


def _markdown_in_front_matter(text: str) -> int | None:
    """The first heading or task line inside what YAML had to read as front matter: the
    closing ``---`` was left out, so the block ran on to a ``---`` rule further down."""
    lines = text.split("\n")
    for n, line in enumerate(lines[1:], start=2):
        if _FRONT_MATTER_CLOSE.match(line):
            return None
        if _HEADING_LINE.match(line) or task_line(line) is not None:
            return n
    return None


_RAW_KEYS = ("runbook", "release", "lead", "status", "template_version", "template_digest", "date")


def raw_scalars(model: Runbook, text: str) -> dict[str, str]:
    """Front matter values YAML turned into numbers or booleans, as written in ``text``."""
    out: dict[str, str] = {}
    lines: list[str] | None = None
    for key in _RAW_KEYS:
        value = model.front_matter.get(key)
        n = model.front_matter_lines.get(key)
        if not isinstance(value, (bool, int, float)) or n is None:
            continue
        if lines is None:
            lines = text.lstrip("\ufeff").split("\n")
        m = re.match(rf"{re.escape(key)}\s*:\s*([^\s#'\"][^#]*?)\s*(?:#.*)?$", lines[n - 1].rstrip("\r"))
        if m:
            out[key] = m.group(1)
    return out


def load_run(path: str | os.PathLike[str], project: Project) -> RunRecord:
    """Parse a run record. Raises RunbookgenError only when the file cannot be read or parsed."""
    full = project.inside(Path(path), "run record")
    rel = project.rel(full)
    text = project.read_text(full, what="a run record", missing="no such run record")
    model = parse_run(text, rel, project)
    name = model.front_matter.get("runbook")
    template = project.template(name) if isinstance(name, str) and name else None
    return RunRecord(path=full, relpath=rel, model=model, template=template, raw=raw_scalars(model, text))


def require_run(rec: RunRecord, project: Project) -> RunRecord:
    """``rec`` if it is a run record; else one error, for the commands that show or change
    runs (``status``, ``tick``, ``upgrade``): a runbook template given by mistake would
    otherwise show as a run with no status, or be ticked."""
    if project.content_path.resolve() in rec.path.parents:
        why = f"a runbook template in {project.content_dir}/"
    elif not rec.runbook:
        why = "its front matter names no 'runbook'"
    else:
        return rec
    raise RunbookgenError(
        f"not a run record ({why}); run records live under {project.runs_dir}/ and are made with "
        "'runbookgen new-run RUNBOOK --release R'",
        rec.relpath,
    )


def load_runs(paths: list[str] | None, project: Project) -> list[RunRecord]:
    """The named run records, or every run record in the project when none are named."""
    files = [Path(p) for p in paths] if paths else project.run_files()
    return [load_run(p, project) for p in files]


def run_from_text(text: str, relpath: str, project: Project) -> RunRecord:
    """A run record from its text as git has it (a run branch's version, see
    ``history/branches.py``): parsed like :func:`load_run`, never read from disk."""
    model = parse_run(text, relpath, project)
    name = model.front_matter.get("runbook")
    template = project.template(name) if isinstance(name, str) and name else None
    return RunRecord(
        path=project.root / relpath,
        relpath=relpath,
        model=model,
        template=template,
        raw=raw_scalars(model, text),
    )
