"""Conventions shared by every command: output formats, colour, progress, errors.

- data goes to stdout, diagnostics to stderr;
- ``NO_COLOR`` (any value) turns colour off; click already strips colour when not a TTY;
- ``--format auto`` means ``github`` under GitHub Actions and ``text`` elsewhere;
- long work shows a progress bar on stderr, only when stderr is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

T = TypeVar("T")


#: a run record (or any file) on the command line; the command's own reader says why it
#: cannot be read (one ``Error:`` line, exit 1), not click (a usage error, exit 2)
RUN_FILE = click.Path(dir_okay=False, readable=False, path_type=str)


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def style(text: str, **kwargs: Any) -> str:
    """click.style unless NO_COLOR is set."""
    return text if no_color() else click.style(text, **kwargs)


def on_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def resolve_format(fmt: str) -> str:
    """``auto`` → ``github`` on GitHub Actions, ``text`` otherwise."""
    if fmt == "auto":
        return "github" if on_github_actions() else "text"
    return fmt


def term(value: object) -> str:
    """Untrusted text (from run files, git, file names) safe to print: see text.for_terminal."""
    from runbookgen.text import for_terminal

    return for_terminal(str(value))


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """click.echo for lines we compose: none may start a GitHub workflow command in CI logs
    (``::error::``, ``::add-mask::``) even when a run file's text comes first on the line."""
    from runbookgen.text import terminal_lines

    click.echo(terminal_lines(message), err=err, nl=nl)


def to_json(data: Any) -> str:
    """JSON for scripts, readable (UTF-8, indented) and safe to print (text.json_safe)."""
    import json

    from runbookgen.text import json_safe

    return json_safe(json.dumps(data, indent=2, ensure_ascii=False))


def warn(message: str) -> None:
    echo(style("warning: ", fg="yellow", bold=True) + term(message), err=True)


def error_line(message: str) -> None:
    """An ``Error:`` line for one of several failures (the command goes on, then exits 1)."""
    echo(style("Error: ", fg="red", bold=True) + term(message), err=True)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 run record``, ``2 run records``, ``0 errors``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


@contextmanager
def progress(
    items: Iterable[T], label: str, length: int | None = None, threshold: int = 50
) -> Iterator[Iterable[T]]:
    """A progress bar on stderr for long loops; silent for short ones or when not a TTY."""
    if length is None:
        try:
            length = len(items)  # type: ignore[arg-type]
        except TypeError:
            length = None
    if length is None or length < threshold or not sys.stderr.isatty():
        yield items
        return
    with click.progressbar(items, length=length, label=label, file=sys.stderr, color=not no_color()) as bar:
        yield bar


def project(*files: str) -> Any:
    """The runbook repository containing the working directory, as git finds its repository;
    outside one, the repository of the first file named on the command line (so
    ``runbookgen status ~/ops/runs/…/run.md`` works from anywhere, for every command alike)."""
    from runbookgen.errors import RunbookgenError
    from runbookgen.project import Project

    try:
        return Project.discover()
    except RunbookgenError:
        if not files:
            raise
    # the named file's directory as written: a symlinked run file is judged by its own
    # repository (and refused there when it leads out), never by where it points
    from pathlib import Path

    return Project.discover(Path(files[0]).absolute().parent)


# ---------------------------------------------------------------- shell completion
# Used as ``shell_complete=`` on arguments. They run on every <TAB>, so they must be
# quick and must never raise: outside a project they simply offer nothing.


def complete_runbook(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Runbook template ids (``content/<id>.md``) for arguments such as ``new-run RUNBOOK``."""
    from click.shell_completion import CompletionItem

    try:
        names = project().runbook_names
    except Exception:  # completion must never crash the shell
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def complete_run_file(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Run record paths (relative to the working directory) for ``RUN`` arguments.

    When no run record matches, the shell's own file completion takes over, so any
    path can still be completed.
    """
    from click.shell_completion import CompletionItem

    try:
        files = project().run_files()
    except Exception:  # completion must never crash the shell
        files = []
    out = []
    for path in files:
        rel = os.path.relpath(path)
        if rel.startswith(incomplete) or path.name.startswith(incomplete):
            out.append(CompletionItem(rel))
    return out or [CompletionItem(incomplete, type="file")]


def complete_item(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Item ids of the run named earlier on the line (``tick RUN ITEM``), with their text as help."""
    from click.shell_completion import CompletionItem

    run = ctx.params.get("run")
    if not run:
        return []
    try:
        from runbookgen.markdown import load

        model = load(run)
    except Exception:  # completion must never crash the shell
        return []
    return [
        CompletionItem(item.id, help=item.text[:60])
        for item in model.items()
        if item.id.startswith(incomplete)
    ]


#: the RUNS argument of the commands that read run records (status, check, history)
RUNS = click.argument("runs", nargs=-1, type=RUN_FILE, shell_complete=complete_run_file)
