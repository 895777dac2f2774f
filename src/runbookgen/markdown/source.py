"""Reading a Markdown file's text: the one safe reader in files.py (UTF-8 with or without
a BOM; FIFOs, devices, oversized files and symlinks out of the repository refused)."""

from __future__ import annotations

from runbookgen.files import decode, read_text

__all__ = ["decode", "read_text"]
