"""Who is on it: owners of a runbook's stages and items, named the way GitHub names people.

Three places may name owners (nearest wins: an item's own, then its section's, then the
enclosing sections' up to the stage):

* **the item's text**: every ``@login`` or ``@org/team`` in it, e.g.
  ``- [ ] Database backup created and verified @acme/dba``;
* **a line in a section**: a paragraph ``Owner: @alice`` or ``Owners: @alice, @acme/sre``
  directly under the heading (bold label allowed) — it covers every item of that section
  and of its sub-sections;
* **the template's front matter**: ``owners:`` mapping section titles or ids to owners, as
  ``kinds:`` does::

      owners:
        Database: "@acme/dba"
        Deployment Day: ["@alice", "@bob"]

A login follows GitHub's rules (letters, digits and single hyphens, at most 39 characters);
an ``@`` inside a word or an address (``support@clerk.dev``), a URL or code is not a mention.
The regular expression is linear: every repetition is bounded or cannot overlap the next.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from runbookgen.markdown.kinds import trailing_paren
from runbookgen.model import Item, Runbook, Section

#: ``@login`` or ``@org/team``; not after a word character, ``@``, ``.``, ``/``, ``+``, ``-`` or
#: a backtick, not followed by more login characters
MENTION = re.compile(
    r"(?<![\w@./+`-])@(?P<login>[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})"
    r"(?:/(?P<team>[A-Za-z0-9][A-Za-z0-9_-]{0,99}))?(?![\w-])"
)
_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]{0,20}://\S{0,2048}", re.I)
_OWNER_LINE = re.compile(r"^\s{0,3}(?:\*\*|__)?owners?(?:\*\*|__)?\s*+:(?:\*\*|__)?\s*+(?P<rest>.*+)$", re.I)


@functools.lru_cache(maxsize=8192)
def mentions(text: str) -> tuple[str, ...]:
    """Owners named in ``text``, in order, once each (``@alice``, ``@acme/dba``); cached, as
    every run of a runbook repeats its item texts."""
    if "@" not in text:
        return ()
    if "`" in text:
        text = _CODE.sub(" ", text)
    if "://" in text:
        text = _URL.sub(" ", text)
    seen: dict[str, None] = {}
    for m in MENTION.finditer(text):
        name = "@" + m.group("login") + (f"/{m.group('team')}" if m.group("team") else "")
        seen.setdefault(name, None)
    return tuple(seen)


def owner_line(text: str) -> tuple[str, ...]:
    """Owners of a paragraph that says ``Owner: …`` or ``Owners: …``; () for any other text."""
    for line in text.split("\n"):
        m = _OWNER_LINE.match(line)
        if m is not None:
            return mentions(m.group("rest"))
    return ()


def _front_matter_owners(template: Runbook | None) -> dict[str, tuple[str, ...]]:
    raw = template.front_matter.get("owners") if template is not None else None
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        names = tuple(n for v in values if isinstance(v, str) for n in mentions(v.strip()))
        if names:
            out[str(key).strip().lower()] = names
    return out


def _section_keys(sec: Section) -> Iterable[str]:
    """How front matter may name a section: id, title, title without a trailing ``(…)``, path."""
    title = sec.title.strip()
    paren = trailing_paren(title)
    bare = paren[0] if paren else title
    return (sec.id.lower(), title.lower(), bare.lower(), " / ".join(sec.path).lower())


def section_owners(model: Runbook, template: Runbook | None = None) -> dict[str, tuple[str, ...]]:
    """Section id → its own owners (not inherited): an ``Owner:`` paragraph in the section,
    else the front matter of ``template`` (or of ``model`` when it is the template)."""
    fm = _front_matter_owners(template if template is not None else model)
    out: dict[str, tuple[str, ...]] = {}
    for sec in model.sections():
        first = min([i.line for i in sec.items] + [s.line for s in sec.sections] + [sec.end_line + 1])
        found: tuple[str, ...] = ()
        for p in sec.prose:
            if p.line < first:
                found = owner_line(p.text)
                if found:
                    break
        if not found:
            for key in _section_keys(sec):
                if key in fm:
                    found = fm[key]
                    break
        if found:
            out[sec.id] = found
    return out


def item_owners(model: Runbook, template: Runbook | None = None) -> dict[str, tuple[str, ...]]:
    """Item id → its owners: named in the item's text, else by the nearest enclosing section
    (own section first, then up to the stage); items nobody owns are left out."""
    by_section = section_owners(model, template)
    out: dict[str, tuple[str, ...]] = {}
    stack: list[tuple[Section, tuple[str, ...]]] = [(s, ()) for s in reversed(model.stages)]
    while stack:
        sec, inherited = stack.pop()
        mine = by_section.get(sec.id) or inherited
        for item in sec.own_items():
            named = mentions(item.text)
            if named or mine:
                out[item.id] = named or mine
        stack.extend((sub, mine) for sub in reversed(sec.sections))
    return out


_BY_TEMPLATE: dict[int, tuple[Runbook, dict[str, tuple[str, ...]]]] = {}


def run_owners(model: Runbook, template: Runbook | None) -> dict[str, tuple[str, ...]]:
    """:func:`item_owners` of a run record, quickly: the owners its template names (worked
    out once per template — a site has a thousand runs of one runbook), with any item the
    run itself mentions someone in (``@login`` added in the run file) taking that owner.
    Without a template, the run's own text says everything."""
    if template is None:
        return item_owners(model)
    hit = _BY_TEMPLATE.get(id(template))
    if hit is None or hit[0] is not template:
        if len(_BY_TEMPLATE) > 64:
            _BY_TEMPLATE.clear()
        hit = _BY_TEMPLATE[id(template)] = (template, item_owners(template, template))
    base = hit[1]
    own = {item.id: named for item in model.items() if "@" in item.text and (named := mentions(item.text))}
    return {**base, **own} if own else base


def is_owner(owners: Iterable[str], who: Iterable[str]) -> bool:
    """Whether any of ``who`` (logins, teams or names, with or without ``@``) is among
    ``owners``; case-insensitive, as GitHub logins are."""
    mine = {w.strip().lstrip("@").casefold() for w in who if w and w.strip()}
    return any(o.lstrip("@").casefold() in mine for o in owners)


def open_items(model: Runbook, status: str = "") -> list[tuple[Section, Item]]:
    """Items still to do: not ticked and not skipped, in sections that count towards progress
    (the rollback procedure only while rolling back; rollback criteria and reference never)."""
    from runbookgen.records.progress import is_counted, triggered_items

    rolling_back = bool(triggered_items(model)) or status == "rolled-back"
    return [
        (sec, item)
        for sec, item in model.items_with_sections()
        if not item.checked and not item.skipped and is_counted(sec, rolling_back)
    ]
