"""Small text helpers shared by the parser, run records and pages: slugs and markup stripping."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_MARKS = re.compile(r"(\*\*|__|~~|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
_WORDS = re.compile(r"[a-z0-9]+")


_MARKUP_CHARS = frozenset("[<*_~`")


def strip_markup(text: str) -> str:
    """Inline Markdown reduced to its visible words (links keep their text)."""
    if _MARKUP_CHARS.isdisjoint(text):  # most item texts: skip three regex passes
        return text.strip()
    if "[" in text:
        text = _strip_links(text)
    if "<" in text:
        text = _strip_tags(text)
    return _MARKS.sub("", text).strip()


def _strip_links(text: str) -> str:
    r"""``[text](url)`` and ``![alt](src)`` → their text, like ``re.sub(r"!?\[([^\]]*)\]\([^)]*\)",
    r"\1", text)`` but in linear time: that pattern rescans to the same ``]`` from every
    ``[`` before it, which is quadratic on a line of ``[``."""
    out: list[str] = []
    pos = 0
    i = text.find("[")
    while i >= 0:
        j = text.find("]", i + 1)
        if j < 0:
            break
        if text.startswith("(", j + 1):
            k = text.find(")", j + 2)
            if k < 0:
                break  # no later link can close either
            out.append(text[pos : i - 1 if i > pos and text[i - 1] == "!" else i])
            out.append(text[i + 1 : j])
            pos = k + 1
            i = text.find("[", pos)
        else:
            i = text.find("[", j + 1)  # every "[" before j ends at the same "]"
    out.append(text[pos:])
    return "".join(out)


def _strip_tags(text: str) -> str:
    """``<…>`` removed, like ``re.sub(r"<[^>]*>", "", text)`` but in linear time."""
    out: list[str] = []
    pos = 0
    while (i := text.find("<", pos)) >= 0:
        j = text.find(">", i + 1)
        if j < 0:
            break
        out.append(text[pos:i])
        pos = j + 1
    out.append(text[pos:])
    return "".join(out)


def slugify(text: str, max_len: int = 48) -> str:
    """An ASCII slug for ids and file names; never empty, stable for the same text."""
    plain = unicodedata.normalize("NFKD", strip_markup(text)).encode("ascii", "ignore").decode()
    words = _WORDS.findall(plain.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            if not slug:
                slug = word[:max_len]
            break
        slug = candidate
    if not slug:
        slug = "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return slug


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def shorten(text: str, limit: int, *, fold: bool = True) -> str:
    """``text`` in at most ``limit`` characters, a cut marked with "…"; ``fold`` first makes
    it one line (runs of white space become one space)."""
    if fold:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object) -> str:
    """A value named in a message, the way the user wrote it: text in single quotes (never
    Python's repr, which switches to double quotes or escapes), YAML's other values as YAML
    spells them (``12``, ``true``, ``null``, ``2026-12-01``, ``[a, b]``, ``{a: 1}``)."""
    if isinstance(value, str):
        return f"'{value}'"
    return yaml_text(value)


def yaml_text(value: object) -> str:
    """A value read from YAML written back in YAML's flow style, without quotes on text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_text(k)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    return str(value)


# C0 and C1 controls, DEL, and the invisible characters that reorder or split what a
# terminal shows (bidi embeddings/overrides/isolates, LRM/RLM/ALM, line/paragraph separators).
_INVISIBLE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_TERMINAL_UNSAFE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_JSON_UNSAFE = re.compile(f"[{_INVISIBLE}]")  # json.dumps escapes C0 itself
# A GitHub Actions workflow command (``::error::``, ``::add-mask::``; ``##[…]`` is the old
# form) is only read at the start of a line, after leading whitespace.
_WORKFLOW_COMMAND = re.compile(r"^([ \t\r\f\v]*)(::|##\[)", re.M)


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """Untrusted text (run files, git names, file names) made safe to print on one line of
    a terminal or CI log: every control character becomes a visible ``\\x1b``-style escape,
    so it cannot move the cursor, clear lines, set the clipboard (OSC 52), reorder text
    (bidi overrides) or start a new line that CI reads as a workflow command."""
    if text.isprintable():  # no control, format (bidi) or separator character: the usual case
        return text
    return _TERMINAL_UNSAFE.sub(_escape_char, text)


def terminal_lines(text: str) -> str:
    """Output lines made safe for CI logs: a line that would start a workflow command
    (``::error::``, ``::add-mask::``, ``##[…]``) gets a backslash in front of it."""
    if "::" not in text and "##[" not in text:
        return text
    return _WORKFLOW_COMMAND.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def json_safe(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with the characters it leaves raw
    but a terminal acts on (C1 controls, bidi, separators) written as ``\\uXXXX`` escapes."""
    if text.isascii():
        return text.replace("\x7f", "\\u007f")
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
