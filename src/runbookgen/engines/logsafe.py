"""Log records made safe for terminals and CI logs, whoever logs them.

MkDocs and ProperDocs log file names and link targets taken from pull requests ("Doc file
'…' contains a link …"); a name holding an escape sequence or a newline followed by
``::error::`` would reach the terminal or the CI log as it is. The plugin and
``runbookgen build`` put :class:`SafeRecords` on the engine's log handlers, so every
message is escaped the one way ``runbookgen.text`` defines.
"""

from __future__ import annotations

import logging

from runbookgen.text import for_terminal, terminal_lines


def safe_message(message: str) -> str:
    """``message`` with control characters escaped on every line and no line starting a
    CI workflow command."""
    return terminal_lines("\n".join(for_terminal(line) for line in message.split("\n")))


class SafeRecords(logging.Filter):
    """Rewrites each record's message to :func:`safe_message` (keeps every record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = safe_message(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True


def guard(logger: logging.Logger) -> None:
    """Put :class:`SafeRecords` on every handler a record of ``logger`` reaches (once)."""
    current: logging.Logger | None = logger
    while current is not None:
        for handler in current.handlers:
            if not any(isinstance(f, SafeRecords) for f in handler.filters):
                handler.addFilter(SafeRecords())
        current = current.parent if current.propagate else None
