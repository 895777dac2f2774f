"""The ``runbookgen`` command: a thin click shell over the core.

Commands live in small modules that import only click at load time; each command
imports the core it needs when it runs, so ``runbookgen --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from runbookgen import __version__

# command name -> "module:function" (modules under runbookgen.cli)
COMMANDS: dict[str, str] = {
    "parse": "parse:parse_cmd",
    # run records (cli/runs.py)
    "new-run": "runs:new_run_cmd",
    "status": "runs:status_cmd",
    "check": "runs:check_cmd",
    "summary": "runs:summary_cmd",
    "upgrade": "runs:upgrade_cmd",
    "tick": "runs:tick_cmd",
    "resolve": "runs:resolve_cmd",
    # the site (cli/site.py)
    "build": "site:build_cmd",
    "serve": "site:serve_cmd",
    # history from git (cli/history.py)
    "history": "history:history_cmd",
    # onboarding (cli/init.py)
    "init": "init:init_cmd",
    "new-runbook": "init:new_runbook_cmd",
}

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """Loads a command's module only when the command is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from importlib.util import find_spec

        return sorted(
            n for n, t in COMMANDS.items() if find_spec(f"runbookgen.cli.{t.split(':')[0]}") is not None
        )

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(f"runbookgen.cli.{module}"), attr)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else None
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib

            close = difflib.get_close_matches(name, COMMANDS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            ctx.fail(f"No such command '{name}'.{hint}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """The boundary: every failure becomes one ``Error:`` line and exit 1, never a traceback."""
        from runbookgen.errors import RunbookgenError
        from runbookgen.text import for_terminal

        try:
            return super().invoke(ctx)
        except RunbookgenError as exc:
            raise click.ClickException(for_terminal(str(exc))) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:  # `runbookgen status | head`: the reader left; so do we
            _quiet_stdout()
            raise click.exceptions.Exit(1) from None
        except OSError as exc:
            raise click.ClickException(for_terminal(_os_message(exc))) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: one line, the traceback only on request
            import os

            if os.environ.get("RUNBOOKGEN_DEBUG"):
                raise
            raise click.ClickException(
                for_terminal(
                    f"internal error: {type(exc).__name__}: {exc} (please report it; "
                    "RUNBOOKGEN_DEBUG=1 shows the traceback)"
                )
            ) from None


def _os_message(exc: OSError) -> str:
    """``cannot access <path>: <reason>`` for an OSError no command translated itself."""
    import os

    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return f"{reason}"
    name = os.fsdecode(exc.filename)
    try:
        rel = os.path.relpath(name)
        name = rel if not rel.startswith("..") else name
    except ValueError:
        pass
    return f"cannot access {name}: {reason}"


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush stays silent."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


EXIT_STATUS = """\b
Exit status: 0 done; 1 a problem, said on one 'Error:' line (or check found
errors); 2 a usage mistake (unknown command or option, missing argument);
130 interrupted (Ctrl-C), nothing half-written.
'runbookgen COMMAND --help' shows a command's options and examples."""


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS, epilog=EXIT_STATUS)
@click.version_option(__version__, "-V", "--version", prog_name="runbookgen")
def cli() -> None:
    """Deployment runbooks as Markdown checklists, run records and a site.

    Runbook templates live in content/, one run record per deployment in
    runs/<runbook>/. Typical release:

    \b
      runbookgen new-run production-deployment --release v2.4.0
      # tick boxes in pull requests, then:
      runbookgen status
      runbookgen check
    """


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="runbookgen")
    except KeyboardInterrupt:  # outside a command (e.g. while importing)
        sys.exit(130)
