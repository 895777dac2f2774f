"""``runbookgen build``/``serve`` on MkDocs or ProperDocs, in this process.

ProperDocs is MkDocs 1.x continued under another package name; its own command line
first imports ``properdocs.replacement``, which makes every ``mkdocs.*`` import (Material,
this plugin) resolve to ``properdocs.*``. Doing the same here lets one plugin and one
theme run on either engine, and on an install that has no ``mkdocs`` package at all.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from runbookgen.engines.logsafe import SafeRecords
from runbookgen.engines.progress import ProgressHook
from runbookgen.errors import RunbookgenError


def _prepare(engine: str) -> None:
    """Quiet the engines' start-up banners and, for ProperDocs, alias ``mkdocs.*``."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.environ.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
    if engine == "properdocs":
        import properdocs.replacement  # noqa: F401  (import for its effect: the alias)


class _Errors(logging.Handler):
    """Holds back the engine's ERROR records: when the build aborts they become its one
    ``Error:`` line (MkDocs itself only says "Aborted with a BuildError!")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def failure(self, exc: Exception) -> RunbookgenError:
        from runbookgen.text import for_terminal

        message = "; ".join(self.messages) or str(exc).strip() or type(exc).__name__
        self.messages.clear()
        return RunbookgenError(for_terminal(message))

    def flush_to_stderr(self) -> None:
        """Errors logged without stopping the build: shown after all."""
        from runbookgen.text import for_terminal

        for message in self.messages:
            print(f"ERROR   -  {for_terminal(message)}", file=sys.stderr)
        self.messages.clear()


_ERRORS = _Errors()


class _StderrHandler(logging.StreamHandler):
    """Ours, so a second build in the same process does not add another."""


def _logging(engine: str, quiet: bool, verbose: bool) -> None:
    """Show the engine's warnings (and info unless quiet) on stderr, as its CLI does.

    Plugins log on ``mkdocs.*``; under ProperDocs that logger becomes a child of
    ``properdocs``, whose handler is the one ``--strict`` counts (as in its own CLI).
    """
    logger = logging.getLogger(engine)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.addFilter(SafeRecords())
        handler.addFilter(lambda record: record.levelno < logging.ERROR)
        logger.addHandler(handler)
        logger.addHandler(_ERRORS)
    _ERRORS.messages.clear()
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False
    if engine != "mkdocs":
        legacy = logging.getLogger("mkdocs")
        legacy.parent = logger
        legacy.setLevel(logging.NOTSET)
        legacy.propagate = True


def build(
    engine: str,
    config_file: Path,
    *,
    site_dir: Path | None = None,
    strict: bool = False,
    clean: bool = True,
    quiet: bool = False,
    verbose: bool = False,
    progress: ProgressHook | None = None,
) -> Path:
    """Build the site as ``<engine> build`` would; returns the site directory."""
    _prepare(engine)
    from mkdocs.commands.build import build as run_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from runbookgen.engines.mkdocs.plugin import RunbookgenPlugin

    _logging(engine, quiet, verbose)
    options: dict[str, Any] = {"config_file": str(config_file), "strict": strict}
    if site_dir is not None:
        options["site_dir"] = str(site_dir.resolve())
    RunbookgenPlugin.progress_hook = progress
    try:
        cfg = load_config(**options)
        cfg.plugins.on_startup(command="build", dirty=not clean)
        try:
            run_build(cfg, dirty=not clean)
        finally:
            cfg.plugins.on_shutdown()
    except MkDocsException as exc:
        raise _ERRORS.failure(exc) from None
    finally:
        RunbookgenPlugin.progress_hook = None
    _ERRORS.flush_to_stderr()
    return Path(cfg.site_dir)


def serve(
    engine: str, config_file: Path, *, dev_addr: str, strict: bool = False, open_in_browser: bool = False
) -> None:
    """Serve the site and rebuild on changes (``content/`` by the engine, ``runs/`` by the plugin)."""
    _prepare(engine)
    from mkdocs.commands.serve import serve as run_serve
    from mkdocs.exceptions import MkDocsException

    _logging(engine, False, False)
    try:
        run_serve(
            config_file=str(config_file), dev_addr=dev_addr, strict=strict, open_in_browser=open_in_browser
        )
    except MkDocsException as exc:
        raise _ERRORS.failure(exc) from None
