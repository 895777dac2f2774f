"""``python -m runbookgen``."""

from runbookgen.cli import main

main()
