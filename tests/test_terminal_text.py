"""text.for_terminal, text.terminal_lines, text.json_safe: the one escaping of untrusted
text for terminals and CI logs (issue 13.7). The CLI cases are in the bad-input suite."""

from __future__ import annotations

import json
from pathlib import Path

from runbookgen.text import for_terminal, json_safe, terminal_lines


def test_control_and_bidi_characters_become_visible_escapes() -> None:
    raw = "a\x1b[2Jb\x1b]52;c;ZXZpbA==\x07c\rd\ne\x9bf\u202eg\u2066h\u2028i\x00"
    out = for_terminal(raw)
    assert out == "a\\x1b[2Jb\\x1b]52;c;ZXZpbA==\\x07c\\x0dd\\x0ae\\x9bf\\u202eg\\u2066h\\u2028i\\x00"
    assert out.isprintable()
    assert for_terminal("Deploy to prod — ✅ ok") == "Deploy to prod — ✅ ok"  # printable text unchanged


def test_no_line_starts_a_workflow_command() -> None:
    text = "ok\n::error::x\n  ::add-mask::secret\n##[group]y\nmid ::warning:: is fine"
    expected = "ok\n\\::error::x\n  \\::add-mask::secret\n\\##[group]y\nmid ::warning:: is fine"
    assert terminal_lines(text) == expected


def test_json_stays_valid_and_safe() -> None:
    data = {"v": "x\x1b\x9b\u202e\x7f"}
    out = json_safe(json.dumps(data, ensure_ascii=False))
    assert json.loads(out) == data
    assert out.isascii()


def test_the_engines_own_log_lines_are_escaped_too(tmp_path: Path) -> None:
    """A plain ``mkdocs build`` names files and links from pull requests in its own
    warnings ("Doc file '…' contains a link …"): the plugin escapes those lines as well,
    and ``runbookgen build`` does the same."""
    import os
    import subprocess
    import sys

    root = tmp_path
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    runbookgen = [sys.executable, "-m", "runbookgen"]
    subprocess.run([*runbookgen, "init", str(root)], check=True, capture_output=True, env=env)
    (root / "content" / "evil\x1b[31m.md").write_text("# Evil\n\n[y](gone.md)\n", encoding="utf-8")
    (root / "content" / "a\n::error::pwned.md").write_text("# P\n\n[z](gone2.md)\n", encoding="utf-8")
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-d", str(root / "site")]
    for cmd in (mkdocs, [*runbookgen, "build"]):
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "evil\\x1b[31m.md" in proc.stderr and "gone2.md" in proc.stderr  # the warnings came
        assert "\x1b" not in proc.stderr
        assert not any(line.lstrip().startswith("::") for line in proc.stderr.splitlines()), proc.stderr
