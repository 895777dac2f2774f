"""Where things live in a runbook repository: templates, run records, settings.

A project is the directory holding ``mkdocs.yml`` or ``properdocs.yml`` (or ``content/``
and ``runs/``). The two directories can be renamed: ``docs_dir`` in ``mkdocs.yml`` moves the templates and
the ``runbookgen`` plugin's ``runs_dir`` option moves the run records. The file is read
with a tolerant YAML loader so this module never imports MkDocs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from runbookgen import files
from runbookgen.errors import RunbookgenError
from runbookgen.model import Runbook
from runbookgen.text import quoted

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
            if any(os.path.lexists(candidate / n) for n in CONFIG_NAMES):
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
        project = cls(
            root=root,
            content_dir=str(config.get("docs_dir") or "content"),
            runs_dir=str(plugin.get("runs_dir") or "runs"),
            settings=plugin,
        )
        project.max_file_bytes  # noqa: B018 - a bad setting is one error now, not one per file
        return project

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
        if not p.is_absolute():
            return p.as_posix()
        # the path as given (a symlink keeps its own name), else where it resolves to
        for candidate in (Path(os.path.normpath(p)), p.resolve()):
            try:
                return candidate.relative_to(self.root).as_posix()
            except ValueError:
                continue
        return p.as_posix()

    def inside(self, path: str | os.PathLike[str], what: str = "path") -> Path:
        """Resolve ``path`` (following symlinks) and refuse anything outside the repository
        or inside its ``.git``."""
        full = files.inside(path, self.root)
        if full is None:
            raise RunbookgenError(f"{what} is outside the repository ({self.root}); refused", path)
        return full

    @cached_property
    def max_file_bytes(self) -> int:
        """Markdown files above this size are refused (plugin option ``max_file_mb``)."""
        raw = self.settings.get("max_file_mb")
        if raw is None:
            return files.DEFAULT_MAX_BYTES
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 < raw < 1e6:
            raise RunbookgenError(
                "the runbookgen plugin's max_file_mb must be a positive number of megabytes, "
                f"not {quoted(raw)}",
                self.config_name,
            )
        return int(raw * 1_000_000)

    @property
    def config_name(self) -> str:
        return next((n for n in CONFIG_NAMES if (self.root / n).is_file()), CONFIG_NAMES[0])

    def read_text(
        self, path: str | os.PathLike[str], what: str = "a Markdown file", missing: str = "no such file"
    ) -> str:
        """A Markdown file of this repository through the one safe reader (files.py): named
        by its repository path in errors, refused when it resolves outside the repository,
        is not a regular file or is above the size limit."""
        return files.read_text(path, self.rel(path), what, missing, limit=self.max_file_bytes, root=self.root)

    # ------------------------------------------------------------------ layout
    def site_dir_problem(self, site_dir: str | os.PathLike[str]) -> str | None:
        """Why building into ``site_dir`` would destroy something, or None.

        MkDocs empties the site directory before a build, so it must not be (or contain) the
        repository, the docs directory, the runs directory or a runbook, nor lie inside
        ``.git``, the docs directory or the runs directory. The default ``site/`` is fine.
        """
        site = Path(site_dir)
        site = (site if site.is_absolute() else self.root / site).resolve()
        shown = os.fspath(site_dir)
        guarded = [
            ("the repository", self.root),
            (f"the docs directory {self.content_dir}/", self.content_path.resolve()),
            (f"the runs directory {self.runs_dir}/", self.runs_path.resolve()),
        ]
        for what, path in guarded:
            if site == path:
                return f"site directory {shown} is {what}"
            if site in path.parents:
                return f"site directory {shown} contains {what}"
        for name in self.runbook_names:
            path = self.template_path(name).resolve()
            if site in path.parents:
                return f"site directory {shown} contains the runbook {self.rel(path)}"
        for what, path in [(".git", self.root / ".git"), *guarded[1:]]:
            if path in site.parents:
                return f"site directory {shown} lies inside {what}"
        return None

    def check_site_dir(self, site_dir: str | os.PathLike[str]) -> None:
        """Refuse, before anything is touched, a site directory a build would destroy."""
        problem = self.site_dir_problem(site_dir)
        if problem:
            raise RunbookgenError(
                f"{problem}; refusing to build there (MkDocs empties the site directory first, "
                "which would delete run records or runbooks). Use the default site/ or a "
                "directory outside the repository's content"
            )

    def publish_refusals(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Why files a site engine would publish or copy must not be, one line each:
        resolving outside the repository or into ``.git`` (symlinks), not a regular file
        (FIFO, device), Markdown above the size limit. Engines call this before reading."""
        out = []
        for path in paths:
            limit = self.max_file_bytes if os.fspath(path).endswith(".md") else None
            why = files.refusal(path, limit=limit, root=self.root)
            if why:
                out.append(f"{self.rel(path)} {why}")
        return out

    def check_layout(self) -> None:
        """Refuse a runs directory inside the docs directory (or around it): MkDocs would
        publish run records as raw pages, and templates would be read as runs."""
        runs, docs = self.runs_path.resolve(), self.content_path.resolve()
        if runs == docs or docs in runs.parents:
            raise RunbookgenError(
                f"runs_dir {quoted(self.runs_dir)} lies inside docs_dir {quoted(self.content_dir)}: "
                "MkDocs would publish the run records itself, raw HTML included; "
                "move the runs outside docs_dir",
                self.config_name,
            )
        if runs in docs.parents:
            raise RunbookgenError(
                f"runs_dir {quoted(self.runs_dir)} contains docs_dir {quoted(self.content_dir)}: "
                "runbook templates would be read as run records; use a directory of its own (e.g. runs)",
                self.config_name,
            )
        self.check_build_cache()

    def check_build_cache(self) -> None:
        """Refuse a ``.cache/`` that comes from the repository: builds keep there what they
        reuse as if they had made it — Zensical whole rendered pages, runbookgen history
        and checked signatures, Material's privacy plugin downloaded scripts — so a pull
        request that commits one (or a symlink to one) could publish its own HTML."""
        from runbookgen.gitutil import committed_or_linked

        if committed_or_linked(self.root, ".cache"):
            raise RunbookgenError(
                ".cache/ is committed to the repository or is a symlink: build caches there "
                "(rendered pages, history, checked signatures) would come from the repository's "
                "content, not from a build; make it a plain directory git ignores "
                "('git rm -r --cached .cache', then add .cache/ to .gitignore)",
                ".cache",
            )

    # ------------------------------------------------------------------ templates
    def template_path(self, runbook: str) -> Path:
        return self.content_path / f"{runbook}.md"

    @cached_property
    def runbook_names(self) -> list[str]:
        """Template ids: top-level Markdown files in the content directory that hold tasks."""
        names = []
        if self.content_path.is_dir():
            for p in sorted(self.content_path.glob("*.md")):
                if p.stem == "index" or p.is_dir():
                    continue
                if _has_task_marker(p, self.root, self.max_file_bytes):
                    names.append(p.stem)
        return names

    def template(self, runbook: str) -> Runbook | None:
        """The parsed template ``content/<runbook>.md``, cached; None when there is none."""
        if runbook in self._templates:
            return self._templates[runbook]
        from runbookgen.markdown import loads

        path = self.template_path(runbook)
        if "/" in runbook or "\\" in runbook or runbook.startswith(".") or not os.path.lexists(path):
            return None
        rel = self.rel(path)
        rb = loads(self.read_text(path, "a runbook"), path=rel)
        rb.path = rel
        self._templates[runbook] = rb
        return rb

    def template_text(self, runbook: str) -> str:
        return self.read_text(self.template_path(runbook), "a runbook")

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
        """Every run record under the runs directory (README files excluded), sorted.

        Anything named ``*.md`` that is not a directory is listed, FIFOs and symlinks
        included, so that reading it reports why it is refused instead of skipping it.
        """
        if not self.runs_path.is_dir():
            return []
        found: list[Path] = []

        def unreadable(exc: OSError) -> None:
            # a directory that cannot be listed is an error, not "no run records"
            where = self.rel(exc.filename) if exc.filename else self.runs_dir
            raise files.os_error("cannot read directory", where, exc)

        for dirpath, dirnames, filenames in os.walk(self.runs_path, onerror=unreadable):
            dirnames.sort()
            for name in filenames:
                if name.endswith(".md") and name.lower() != "readme.md":
                    found.append(Path(dirpath) / name)
        return sorted(found)


def _has_task_marker(path: Path, root: Path, limit: int) -> bool:
    """Cheap pre-filter: does the file contain something that looks like a task box?

    A file the safe reader refuses (outside the repository, not a regular file, too big)
    counts as a runbook, so that loading it reports why instead of it silently vanishing."""
    if files.refusal(path, limit=limit, root=root) is not None:
        return True
    try:
        data = files.read_bytes(path, limit=limit, root=root)
    except RunbookgenError:
        return False
    return b"[ ]" in data or b"[x]" in data or b"[X]" in data


def read_mkdocs_config(root: Path) -> dict[str, Any]:
    """``mkdocs.yml`` as plain data; MkDocs' custom tags (``!ENV``, ``!!python``) become None."""
    for name in CONFIG_NAMES:
        path = root / name
        if os.path.lexists(path):
            break
    else:
        return {}
    text = files.read_text(path, name, "a YAML file", limit=files.DEFAULT_MAX_BYTES, root=root)
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.error import YAMLError

    class _Tolerant(SafeConstructor):
        pass

    # MkDocs' own tags (``!ENV``, ``!relative``, ``!!python/name:…``) read as None
    _Tolerant.add_constructor(None, lambda loader, node: None)
    yaml = YAML(typ="safe")  # libyaml's scanner where ruamel has it; new-run writes with ruamel too
    yaml.Constructor = _Tolerant
    try:
        data = yaml.load(text)
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
