"""Run records: one Markdown file per deployment, front matter plus the ticked checklist.

Reading is here; what the front matter holds and its validation are in ``records/schema.py``,
writing in ``records/newrun.py``, ``upgrade.py`` and ``tick.py``. Reading
never judges: a run with odd front matter still loads, so ``check`` can report every
problem with its line instead of stopping at the first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from runbookgen.model import Runbook
from runbookgen.project import Project


@dataclass
class RunRecord:
    """A parsed run record and the template it was made from (None when it is missing)."""

    path: Path  # absolute
    relpath: str  # relative to the project root, forward slashes
    model: Runbook  # the checklist body as ticked so far
    template: Runbook | None

    @property
    def front_matter(self) -> dict[str, Any]:
        return self.model.front_matter

    def _str(self, key: str) -> str:
        value = self.front_matter.get(key)
        if value is None:
            return ""
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return str(value)

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


def load_run(path: str | os.PathLike[str], project: Project) -> RunRecord:
    """Parse a run record. Raises RunbookgenError only when the file cannot be read or parsed."""
    from runbookgen.markdown import loads, read_text

    full = project.inside(Path(path), "run record")
    rel = project.rel(full)
    text = read_text(full, rel, what="a run record", missing="no such run record")
    model = loads(text, path=rel, field_labels=project.field_labels)
    name = model.front_matter.get("runbook")
    template = project.template(name) if isinstance(name, str) and name else None
    return RunRecord(path=full, relpath=rel, model=model, template=template)


def load_runs(paths: list[str] | None, project: Project) -> list[RunRecord]:
    """The named run records, or every run record in the project when none are named."""
    files = [Path(p) for p in paths] if paths else project.run_files()
    return [load_run(p, project) for p in files]


def run_from_text(text: str, relpath: str, project: Project) -> RunRecord:
    """A run record from its text as git has it (a run branch's version, see
    ``history/branches.py``): parsed like :func:`load_run`, never read from disk."""
    from runbookgen.markdown import loads

    model = loads(text, path=relpath, field_labels=project.field_labels)
    name = model.front_matter.get("runbook")
    template = project.template(name) if isinstance(name, str) and name else None
    return RunRecord(path=project.root / relpath, relpath=relpath, model=model, template=template)
