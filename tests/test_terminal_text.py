"""text.for_terminal, text.terminal_lines, text.json_safe: the one escaping of untrusted
text for terminals and CI logs (issue 13.7). The CLI cases are in the bad-input suite."""

from __future__ import annotations

import json

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
