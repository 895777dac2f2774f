"""Messages of the Zensical build, in the format of the MkDocs log lines beside them."""

from __future__ import annotations

import sys

from runbookgen.text import for_terminal


def warn(message: str) -> None:
    """A build warning; file names and run-file text in it are escaped (text.for_terminal)."""
    print(f"WARNING -  {for_terminal(message)}", file=sys.stderr, flush=True)


def info(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"INFO    -  {message}", file=sys.stderr, flush=True)
