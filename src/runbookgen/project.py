"""Where things live in a runbook repository: templates, run records, settings.

A project is the directory holding ``mkdocs.yml`` or ``properdocs.yml`` (or ``content/``
and ``runs/``). The two directories can be renamed: ``docs_dir`` in ``mkdocs.yml`` moves the templates and
the ``runbookgen`` plugin's ``runs_dir`` option moves the run records. The file is read
with a tolerant YAML loader so this module never imports MkDocs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.model import Runbook

# ProperDocs' own order: its file name first, then MkDocs' (which Zensical also reads).
CONFIG_NAMES = ("properdocs.yml", "properdocs.yaml", "mkdocs.yml", "mkdocs.yaml")


@dataclass
class Project:
    """A runbook repository rooted at ``root``."""

    root: Path
    content_dir: str = "content"
    runs_dir: str = "runs"
    settings: dict[str, Any] = field(default_factory=dict)
    _templates: dict[str, Runbook] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ discovery
    @classmethod
    def discover(cls, start: str | os.PathLike[str] | None = None) -> Project:
        """The project containing ``start`` (default: the working directory)."""
        here = Path(start or Path.cwd()).resolve()
        if here.is_file():
            here = here.parent
        for candidate in (here, *here.parents):
            if any((candidate / n).is_file() for n in CONFIG_NAMES):
                return cls.from_root(candidate)
            if (candidate / "content").is_dir() and (candidate / "runs").is_dir():
                return cls.from_root(candidate)
        raise RunbookgenError(
            "not inside a runbook repository (no mkdocs.yml, and no content/ and runs/ "
            "directories here or above); run 'runbookgen init' to create one",
            here,
        )

    @classmethod
    def from_root(cls, root: str | os.PathLike[str]) -> Project:
        root = Path(root).resolve()
        config = read_mkdocs_config(root)
        plugin = plugin_settings(config)
        return cls(
            root=root,
            content_dir=str(config.get("docs_dir") or "content"),
            runs_dir=str(plugin.get("runs_dir") or "runs"),
            settings=plugin,
        )

    # ------------------------------------------------------------------ paths
    @property
    def content_path(self) -> Path:
        return self.root / self.content_dir

    @property
    def runs_path(self) -> Path:
        return self.root / self.runs_dir

    def rel(self, path: str | os.PathLike[str]) -> str:
        """A path relative to the project root, with forward slashes (for messages and URLs)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix() if p.is_absolute() else p.as_posix()
        except ValueError:
            return p.as_posix()

    def inside(self, path: str | os.PathLike[str], what: str = "path") -> Path:
        """Resolve ``path`` (following symlinks) and refuse anything outside the repository."""
        p = Path(path)
        full = (p if p.is_absolute() else Path.cwd() / p).resolve()
        if full != self.root and self.root not in full.parents:
            raise RunbookgenError(f"{what} is outside the repository ({self.root})", path)
        return full

    # ------------------------------------------------------------------ templates
    def template_path(self, runbook: str) -> Path:
        return self.content_path / f"{runbook}.md"

    @cached_property
    def runbook_names(self) -> list[str]:
        """Template ids: top-level Markdown files in the content directory that hold tasks."""
        names = []
        if self.content_path.is_dir():
            for p in sorted(self.content_path.glob("*.md")):
                if p.stem == "index" or not p.is_file():
                    continue
                if _has_task_marker(p):
                    names.append(p.stem)
        return names

    def template(self, runbook: str) -> Runbook | None:
        """The parsed template ``content/<runbook>.md``, cached; None when there is none."""
        if runbook in self._templates:
            return self._templates[runbook]
        from runbookgen.markdown import load

        path = self.template_path(runbook)
        if "/" in runbook or "\\" in runbook or runbook.startswith(".") or not path.is_file():
            return None
        rb = load(path)
        rb.path = self.rel(path)
        self._templates[runbook] = rb
        return rb

    def template_text(self, runbook: str) -> str:
        return self.template_path(runbook).read_text(encoding="utf-8-sig")

    @cached_property
    def field_labels(self) -> frozenset[str]:
        """Fill-in field labels of every template, so filled-in run fields are recognised.

        A template that fails to parse contributes nothing here: its own runs report the
        error when they load it, and runs of other runbooks must not fail because of it.
        """
        labels: set[str] = set()
        for name in self.runbook_names:
            try:
                tpl = self.template(name)
            except RunbookgenError:
                continue
            if tpl is not None:
                labels |= tpl.field_labels()
        return frozenset(labels)

    # ------------------------------------------------------------------ runs
    def run_files(self) -> list[Path]:
        """Every run record under the runs directory (README files excluded), sorted."""
        if not self.runs_path.is_dir():
            return []
        return sorted(
            p for p in self.runs_path.rglob("*.md") if p.name.lower() != "readme.md" and p.is_file()
        )


def _has_task_marker(path: Path) -> bool:
    """Cheap pre-filter: does the file contain something that looks like a task box?"""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return False
    return "[ ]" in text or "[x]" in text or "[X]" in text


def read_mkdocs_config(root: Path) -> dict[str, Any]:
    """``mkdocs.yml`` as plain data; MkDocs' custom tags (``!ENV``, ``!!python``) become None."""
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            break
    else:
        return {}
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.error import YAMLError

    class _Tolerant(SafeConstructor):
        pass

    _Tolerant.add_constructor(None, lambda loader, node: None)
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _Tolerant
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        raise RunbookgenError(f"cannot read {name}: {exc}".splitlines()[0], path) from None
    return data if isinstance(data, dict) else {}


def plugin_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The ``runbookgen`` entry of ``plugins:`` (a list of names or one-key mappings)."""
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins:
        if isinstance(entry, dict) and "runbookgen" in entry:
            return dict(entry["runbookgen"] or {})
    return {}
