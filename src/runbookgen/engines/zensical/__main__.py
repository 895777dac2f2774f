"""``python -m runbookgen.engines.zensical CONFIG DEV_ADDR [--open]``: the serving process
that ``runbookgen serve --engine zensical`` starts (see ``run.serve``)."""

from __future__ import annotations

import sys
from pathlib import Path

from runbookgen.engines.zensical.run import serve_here
from runbookgen.errors import RunbookgenError


def main(argv: list[str]) -> int:
    config, addr, *rest = argv
    try:
        serve_here(Path(config), dev_addr=addr, open_in_browser="--open" in rest)
    except RunbookgenError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
