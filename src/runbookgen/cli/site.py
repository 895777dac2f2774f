"""``runbookgen build`` / ``runbookgen serve``: the site, by whichever engine is installed.

The engines (MkDocs, ProperDocs, Zensical) are driven by :mod:`runbookgen.engines` and
imported only when a command runs; these commands add project discovery (run them from
anywhere inside the repository), the engine choice, progress output for large sites and
one-line errors.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from runbookgen.engines.select import ENGINES, EngineChoice

ENGINE_CHOICES = ("auto", *ENGINES)


def _choose(engine: str, config_file: str | None) -> EngineChoice:
    from runbookgen.engines.select import choose
    from runbookgen.project import Project

    if config_file:
        path = Path(config_file).resolve()
        return choose(path.parent, engine, path)
    return choose(Project.discover().root, engine)


def _check_site_dir(config_file: Path, site_dir: str | None) -> None:
    """Refuse a layout or site directory that a build would destroy (project.py) before
    the engine runs; the plugin checks the same in on_config for plain ``mkdocs build``."""
    from runbookgen.project import Project, read_mkdocs_config

    root = Path(config_file).resolve().parent
    proj = Project.from_root(root)
    proj.check_layout()
    proj.check_site_dir(site_dir or str(read_mkdocs_config(root).get("site_dir") or "site"))


def _check_port(dev_addr: str) -> None:
    """A busy port is one line before the first build, not a traceback after it."""
    import socket

    host, _, port = dev_addr.rpartition(":")
    if not port.isdigit() or not host:
        from runbookgen.text import quoted

        raise click.BadParameter(f"{quoted(dev_addr)} is not IP:PORT", param_hint="'--dev-addr'")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), int(port), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on {dev_addr}: {exc.strerror or exc}") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(addr)
        except OSError as exc:
            raise click.ClickException(
                f"cannot serve on {dev_addr}: {exc.strerror or exc} (another server is running "
                "there? pick another address with -a, e.g. -a 127.0.0.1:8001)"
            ) from None


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


def _engine_option(f: Any) -> Any:
    return click.option(
        "-e",
        "--engine",
        type=click.Choice(ENGINE_CHOICES),
        default="auto",
        show_default=True,
        envvar="RUNBOOKGEN_ENGINE",
        help="Site engine (also $RUNBOOKGEN_ENGINE). auto: MkDocs, else ProperDocs (first for a "
        "properdocs.yml), else Zensical - whichever is installed.",
    )(f)


def _config_option(f: Any) -> Any:
    return click.option(
        "-f",
        "--config-file",
        type=click.Path(exists=True, dir_okay=False),
        help="Configuration file (default: the repository's properdocs.yml or mkdocs.yml).",
    )(f)


@click.command("build")
@_config_option
@_engine_option
@click.option("-d", "--site-dir", type=click.Path(file_okay=False), help="Output directory (default: site/).")
@click.option("--strict", is_flag=True, help="Fail on warnings, e.g. a run file that cannot be read.")
@click.option("--clean/--dirty", default=True, show_default=True, help="Empty the site directory first.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.option("-v", "--verbose", is_flag=True, help="The engine's debug output.")
def build_cmd(
    config_file: str | None,
    engine: str,
    site_dir: str | None,
    strict: bool,
    clean: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build the site: runbooks, a page per run, history, badges and search.

    Runs the engine with the runbookgen plugin (the same as `mkdocs build` or
    `properdocs build`; with Zensical, which runs no plugins, runbookgen prepares the
    pages itself). Run records that cannot be read become pages that say so, and fail
    the build with --strict.
    """
    from runbookgen import engines

    choice = _choose(engine, config_file)
    _check_site_dir(choice.config_file, site_dir)
    started = time.monotonic()
    out = engines.build(
        choice,
        site_dir=Path(site_dir) if site_dir else None,
        strict=strict,
        clean=clean,
        quiet=quiet,
        verbose=verbose,
        progress=_Progress(quiet),
    )
    if not quiet:
        click.echo(f"Built {out} with {choice.engine} in {time.monotonic() - started:.1f} s", err=True)


@click.command("serve")
@_config_option
@_engine_option
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
def serve_cmd(
    config_file: str | None, engine: str, dev_addr: str, strict: bool, open_in_browser: bool
) -> None:
    """Serve the site locally and rebuild when content/ or runs/ change."""
    from runbookgen import engines

    choice = _choose(engine, config_file)
    _check_site_dir(choice.config_file, None)
    _check_port(dev_addr)
    engines.serve(choice, dev_addr=dev_addr, strict=strict, open_in_browser=open_in_browser)
