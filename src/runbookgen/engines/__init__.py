"""Adapters from site engines (MkDocs, ProperDocs, Zensical) to :mod:`runbookgen.web`.

The CLI's site commands call :func:`build` and :func:`serve` with an
:class:`~runbookgen.engines.select.EngineChoice`; each engine's code lives in its own
subpackage (``mkdocs/`` for MkDocs and ProperDocs, ``zensical/``) and is imported only
when that engine runs.
"""

from __future__ import annotations

from pathlib import Path

from runbookgen.engines.progress import ProgressHook
from runbookgen.engines.select import ENGINES, EngineChoice, choose, installed

__all__ = ["ENGINES", "EngineChoice", "ProgressHook", "build", "choose", "installed", "serve"]


def build(
    choice: EngineChoice,
    *,
    site_dir: Path | None = None,
    strict: bool = False,
    clean: bool = True,
    quiet: bool = False,
    verbose: bool = False,
    progress: ProgressHook | None = None,
) -> Path:
    """Build the site with the chosen engine; returns the site directory."""
    if choice.engine == "zensical":
        from runbookgen.engines.zensical import run as zensical_run

        return zensical_run.build(
            choice.config_file, site_dir=site_dir, strict=strict, clean=clean, quiet=quiet, progress=progress
        )
    from runbookgen.engines.mkdocs import run as mkdocs_run

    return mkdocs_run.build(
        choice.engine,
        choice.config_file,
        site_dir=site_dir,
        strict=strict,
        clean=clean,
        quiet=quiet,
        verbose=verbose,
        progress=progress,
    )


def serve(
    choice: EngineChoice, *, dev_addr: str, strict: bool = False, open_in_browser: bool = False
) -> None:
    """Serve the site locally with the chosen engine, rebuilding when files change."""
    if choice.engine == "zensical":
        from runbookgen.engines.zensical import run as zensical_run

        zensical_run.serve(choice.config_file, dev_addr=dev_addr, open_in_browser=open_in_browser)
        return
    from runbookgen.engines.mkdocs import run as mkdocs_run

    mkdocs_run.serve(
        choice.engine, choice.config_file, dev_addr=dev_addr, strict=strict, open_in_browser=open_in_browser
    )
