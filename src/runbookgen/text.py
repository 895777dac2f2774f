"""Small text helpers shared by the parser, run records and pages: slugs and markup stripping."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"(\*\*|__|~~|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
_TAG = re.compile(r"<[^>]*>")
_WORDS = re.compile(r"[a-z0-9]+")


_MARKUP_CHARS = frozenset("[<*_~`")


def strip_markup(text: str) -> str:
    """Inline Markdown reduced to its visible words (links keep their text)."""
    if _MARKUP_CHARS.isdisjoint(text):  # most item texts: skip three regex passes
        return text.strip()
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    return _MARKS.sub("", text).strip()


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
