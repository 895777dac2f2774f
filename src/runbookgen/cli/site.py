"""``runbookgen build`` / ``runbookgen serve``: the site, by wrapping MkDocs.

MkDocs is imported only inside the commands (it costs ~0.2 s), and the same plugin
does the work as under ``mkdocs build``; these commands add project discovery (run them
from anywhere inside the repository), progress output for large sites and one-line errors.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import click


def _config_file(config_file: str | None) -> str:
    if config_file:
        return config_file
    from runbookgen.project import CONFIG_NAMES, Project

    root = Project.discover().root
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return str(root / name)
    raise click.ClickException(f"no mkdocs.yml in {root}; run 'runbookgen init' to create one")


class _Progress:
    """Reports long builds on stderr: a live line on a terminal, a few lines in CI logs."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.total_runs = 0
        self.last = 0.0
        self.start = time.monotonic()

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if phase == "runs":
            self.total_runs = total
        if self.total_runs < 100:  # small sites build in a second or two: stay silent
            return
        now = time.monotonic()
        final = phase == "runs" and done == total
        if not final and now - self.last < (0.5 if self.tty else 10.0):
            return
        self.last = now
        what = f"read {done}/{total} run records" if phase == "runs" else f"rendered {done} pages"
        line = f"runbookgen: {what} ({now - self.start:.0f} s)"
        if self.tty:
            click.echo("\r" + line.ljust(60), err=True, nl=final)
        else:
            click.echo(line, err=True)


def _logging(quiet: bool, verbose: bool) -> None:
    """MkDocs logs through the ``mkdocs`` logger; show its warnings (and info unless quiet)."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_runbookgen", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._runbookgen = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


@click.command("build")
@click.option(
    "-f",
    "--config-file",
    type=click.Path(exists=True, dir_okay=False),
    help="mkdocs.yml to use (default: the repository's).",
)
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), help="Output directory (default: site/).")
@click.option("--strict", is_flag=True, help="Fail on warnings, e.g. a run file that cannot be read.")
@click.option("--clean/--dirty", default=True, show_default=True, help="Empty the site directory first.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="MkDocs' debug output.")
def build_cmd(
    config_file: str | None, site_dir: str | None, strict: bool, clean: bool, quiet: bool, verbose: bool
) -> None:
    """Build the site: runbooks, a page per run, history, badges and search.

    Runs MkDocs with the runbookgen plugin (the same as `mkdocs build`); run records
    that cannot be read become pages that say so, and fail the build with --strict.
    """
    import os

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from runbookgen.engines.mkdocs.plugin import RunbookgenPlugin

    _logging(quiet, verbose)
    options: dict[str, Any] = {"config_file": _config_file(config_file), "strict": strict}
    if site_dir:
        options["site_dir"] = str(Path(site_dir).resolve())
    started = time.monotonic()
    RunbookgenPlugin.progress_hook = _Progress(quiet)
    try:
        cfg = load_config(**options)
        cfg.plugins.on_startup(command="build", dirty=not clean)
        try:
            build(cfg, dirty=not clean)
        finally:
            cfg.plugins.on_shutdown()
    except MkDocsException as exc:
        raise click.ClickException(str(exc).strip() or type(exc).__name__) from None
    finally:
        RunbookgenPlugin.progress_hook = None
    if not quiet:
        click.echo(f"Built {cfg.site_dir} in {time.monotonic() - started:.1f} s", err=True)


@click.command("serve")
@click.option(
    "-f",
    "--config-file",
    type=click.Path(exists=True, dir_okay=False),
    help="mkdocs.yml to use (default: the repository's).",
)
@click.option(
    "-a",
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="IP:PORT",
    help="Address to serve on.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings.")
@click.option("--open", "open_in_browser", is_flag=True, help="Open the site in a browser.")
def serve_cmd(config_file: str | None, dev_addr: str, strict: bool, open_in_browser: bool) -> None:
    """Serve the site locally and rebuild when content/ or runs/ change."""
    import os

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    _logging(False, False)
    try:
        serve(
            config_file=_config_file(config_file),
            dev_addr=dev_addr,
            strict=strict,
            open_in_browser=open_in_browser,
        )
    except MkDocsException as exc:
        raise click.ClickException(str(exc).strip() or type(exc).__name__) from None
