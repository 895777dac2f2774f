"""Linear time on every line (issue 13, item 5), checked without timing anything.

Run records come from pull requests, so any regular expression that reads them must run in
time linear in its input. Python's ``re`` backtracks, and it goes super-linear in three
ways, which a static check over every pattern in ``src/`` rules out:

1. **Overlapping quantifiers** — two unbounded repeats that can match the same characters
   with only optional things between them (``.*?\\s*$``, ``[^:]*[^\\s:]``): on a failing
   input every split of the run between them is tried, O(n²) per attempt.
2. **Nested quantifiers** — a repeated group whose iterations can be split more than one
   way (``(a+)+``): exponential.
3. **Rescanning starts** — a search (``search``, ``finditer``, ``sub``) whose attempt from
   one position scans a run and fails, and whose next start lies inside that run and scans
   it again (``<[^>]*>`` on ``<<<<…``, ``\\d+x`` on ``1111…``): O(n²) over the input.
   Anchored patterns (``^``/``\\A`` without MULTILINE) have one start; a negative
   lookbehind that excludes the run's characters (``(?<!\\d)\\d+``) leaves one start per run;
   a repeat that nothing after it can fail (``[\\x00-\\x20]+``) never rescans.

The checker is conservative (it reads patterns, not inputs): a pattern it flags is
rewritten (possessive ``*+``/``++``, atomic groups, procedural code) rather than excused.
Possessive repeats cannot be backtracked into, so they never count for (1) and (2).
Bounded repeats (``{0,40}``) cost a constant per start and are allowed.

The old patterns that took seconds to minutes on crafted lines are kept below and must be
flagged, so the check is known to fail on what it guards against. Speed itself is measured
in ``benchmarks/bench_pathological.py``; the end-to-end tests at the bottom only guard
against a hang (a generous subprocess timeout), they time nothing.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import re._constants as C
import re._parser as P
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import runbookgen

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "runbookgen"

ALPHABET = frozenset([chr(i) for i in range(128)] + list("é–—\u00a0\u2028٣\ue000\ufdd0€ßİ"))
INF = float("inf")
BIG = 256  # a bounded repeat up to this many is a constant cost; above, treat as unbounded

_CATEGORIES = {
    C.CATEGORY_DIGIT: str.isdecimal,
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_WORD: lambda x: x.isalnum() or x == "_",
    C.CATEGORY_LINEBREAK: lambda x: x == "\n",
}
_NOT = {
    C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
    C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
    C.CATEGORY_NOT_WORD: C.CATEGORY_WORD,
    C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK,
}


def _literal(code: int, icase: bool) -> frozenset[str]:
    ch = chr(code)
    return frozenset(x for x in ALPHABET if x == ch or (icase and x.casefold() == ch.casefold()))


def _leaf(op: object, av: object, flags: int) -> frozenset[str]:
    icase = bool(flags & re.I)
    if op is C.LITERAL:
        return _literal(av, icase)
    if op is C.NOT_LITERAL:
        return ALPHABET - _literal(av, icase)
    if op is C.ANY:
        return ALPHABET if flags & re.S else ALPHABET - {"\n"}
    assert op is C.IN, op
    out: set[str] = set()
    negate = False
    for o, a in av:
        if o is C.NEGATE:
            negate = True
        elif o is C.LITERAL:
            out |= _literal(a, icase)
        elif o is C.RANGE:
            lo, hi = a
            out |= {
                x
                for x in ALPHABET
                if any(
                    lo <= ord(y) <= hi for y in {x, x.lower(), x.upper()} if len(y) == 1 and (icase or y == x)
                )
            }
        elif o is C.CATEGORY:
            if a in _NOT:
                out |= {x for x in ALPHABET if not _CATEGORIES[_NOT[a]](x)}
            else:
                out |= {x for x in ALPHABET if _CATEGORIES[a](x)}
        else:
            raise AssertionError(f"unhandled set item {o}")
    return ALPHABET - out if negate else frozenset(out)


@dataclass
class Summary:
    """What a piece of pattern can do, for the three checks."""

    nullable: bool
    first: frozenset[str]
    chars: frozenset[str]
    maxlen: float
    head: list[frozenset[str]] = field(default_factory=list)  # backtrackable runs it may start with
    tail: list[frozenset[str]] = field(default_factory=list)  # ... end with
    scan: tuple[frozenset[str], bool] | None = None  # first unbounded run (any kind), can fail after
    asserts: bool = False  # holds a zero-width test that can fail
    hazards: list[str] = field(default_factory=list)


def _seq(items: list[tuple[object, object]], flags: int) -> Summary:
    parts = [_node(op, av, flags) for op, av in items]
    hazards = [h for p in parts for h in p.hazards]
    # 1. overlapping quantifiers: a run at the end of one part, a run at the start of a
    #    later one, only nullable parts between
    for i, a in enumerate(parts):
        for j in range(i + 1, len(parts)):
            b = parts[j]
            hazards += [f"overlapping quantifiers ({_show(t & h)})" for t in a.tail for h in b.head if t & h]
            if not b.nullable:
                break
    first: set[str] = set()
    head: list[frozenset[str]] = []
    for p in parts:
        first |= p.first
        head += p.head
        if not p.nullable:
            break
    tail: list[frozenset[str]] = []
    for p in reversed(parts):
        tail += p.tail
        if not p.nullable:
            break
    scan = None
    for k, p in enumerate(parts):
        if p.scan is not None:
            rest = parts[k + 1 :]
            can_fail = p.scan[1] or any(not r.nullable or r.asserts for r in rest)
            scan = (p.scan[0], can_fail)
            break
        if p.maxlen == INF:
            break
    return Summary(
        nullable=all(p.nullable for p in parts),
        first=frozenset(first),
        chars=frozenset().union(*(p.chars for p in parts)),
        maxlen=sum(p.maxlen for p in parts),
        head=head,
        tail=tail,
        scan=scan,
        asserts=any(p.asserts for p in parts),
        hazards=hazards,
    )


def _node(op: object, av: object, flags: int) -> Summary:
    if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
        s = _leaf(op, av, flags)
        return Summary(False, s, s, 1)
    if op is C.AT:
        return Summary(True, frozenset(), frozenset(), 0, asserts=True)
    if op in (C.ASSERT, C.ASSERT_NOT):
        inner = _seq(list(av[1]), flags)
        return Summary(True, frozenset(), frozenset(), 0, asserts=True, hazards=inner.hazards)
    if op is C.SUBPATTERN:
        _group, add, remove, items = av
        return _seq(list(items), (flags | add) & ~remove)
    if op is C.ATOMIC_GROUP:
        inner = _seq(list(av), flags)
        inner.head, inner.tail = [], []  # never backtracked into
        return inner
    if op is C.BRANCH:
        alts = [_seq(list(alt), flags) for alt in av[1]]
        scans = [a.scan for a in alts if a.scan is not None]
        return Summary(
            nullable=any(a.nullable for a in alts),
            first=frozenset().union(*(a.first for a in alts)),
            chars=frozenset().union(*(a.chars for a in alts)),
            maxlen=max(a.maxlen for a in alts),
            head=[h for a in alts for h in a.head],
            tail=[t for a in alts for t in a.tail],
            scan=(frozenset().union(*(s[0] for s in scans)), any(s[1] for s in scans)) if scans else None,
            asserts=any(a.asserts for a in alts),
            hazards=[h for a in alts for h in a.hazards],
        )
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, items = av
        body = _seq(list(items), flags)
        unbounded = hi == C.MAXREPEAT or hi > BIG
        out = Summary(
            nullable=lo == 0 or body.nullable,
            first=body.first,
            chars=body.chars,
            maxlen=INF if unbounded else body.maxlen * hi,
            head=list(body.head),
            tail=list(body.tail),
            scan=body.scan,
            asserts=body.asserts,
            hazards=list(body.hazards),
        )
        if unbounded and out.scan is None:
            out.scan = (body.chars, body.asserts or (not body.nullable and lo > 1))
        if op is C.POSSESSIVE_REPEAT:
            out.head, out.tail = [], []
            return out
        if unbounded:
            # 2. nested quantifiers: an iteration's trailing run could also begin the next one
            if hi > 1 and any(t & body.first for t in body.tail):
                out.hazards.append(f"nested quantifiers ({_show(body.first)})")
            out.head = [*out.head, body.chars]
            out.tail = [*out.tail, body.chars]
        return out
    raise AssertionError(f"unhandled regex node {op}")


def _show(chars: frozenset[str]) -> str:
    shown = "".join(sorted(chars))[:12]
    return repr(shown) + ("…" if len(chars) > 12 else "")


def hazards(pattern: re.Pattern[str]) -> list[str]:
    """Every reason ``pattern`` may take more than linear time (empty: it is linear)."""
    parsed = P.parse(pattern.pattern, pattern.flags)
    flags = parsed.state.flags
    items = list(parsed.data)
    whole = _seq(items, flags)
    found = list(whole.hazards)
    # 3. rescanning starts, for every alternative of a top-level choice
    alternatives = [items]
    if (
        len(items) == 1
        and items[0][0] is C.SUBPATTERN
        and items[0][1][3][0][0] is C.BRANCH
        and len(items[0][1][3]) == 1
    ):
        alternatives = [list(alt) for alt in items[0][1][3][0][1][1]]
    elif len(items) == 1 and items[0][0] is C.BRANCH:
        alternatives = [list(alt) for alt in items[0][1][1]]
    for alt in alternatives:
        found += _rescans(alt, flags)
    return found


def _rescans(items: list[tuple[object, object]], flags: int) -> list[str]:
    guard: frozenset[str] = frozenset()
    k = 0
    line_start = False
    while k < len(items):
        op, av = items[k]
        if (op is C.AT and av in (C.AT_BEGINNING_STRING,)) or (
            op is C.AT and av is C.AT_BEGINNING and not flags & re.M
        ):
            return []  # one start
        if op is C.AT and av is C.AT_BEGINNING:
            line_start = True
        elif op is C.ASSERT_NOT and av[0] == -1 and len(av[1]) == 1:
            guard |= _leaf(*av[1][0], flags)
        elif op is not C.AT:
            break
        k += 1
    whole = _seq(items, flags)
    if whole.scan is None or not whole.scan[1]:
        return []
    run = whole.scan[0]
    starts = whole.first & run
    if line_start:
        return [f"rescans lines ({_show(starts)})"] if "\n" in run and starts else []
    if starts and run - guard:
        return [f"rescanning starts ({_show(starts)})"]
    return []


# ---------------------------------------------------------------------- the check can fail
OLD_QUADRATIC = {
    "fields _LABEL_LINE": r"^\*\*(?P<label>[^*]+?)\*\*\s*:?\s*(?P<value>.*?)\s*$",
    "fields _BLANK_LABEL": r"(?P<label>[^:_\n]*[^\s:_*])\**\s*:\s*\**\s*_{3,}",
    "fields _CHOICE_OPT": r"\[(?P<mark>[ xX])\]\s*(?P<text>[^\[]*?)\s*(?=\[[ xX]\]|$)",
    "fields _ESTIMATE": (
        r"(?P<a>\d+(?:\.\d+)?)\s*(?:(?:-|–|—|to)\s*(?P<b>\d+(?:\.\d+)?))?\s*"
        r"(?P<unit>minutes?|mins?|m|hours?|hrs?|h)\b"
    ),
    "kinds _TRAILING_PAREN": r"\s*\(([^()]*)\)\s*$",
    "text _LINK": r"!?\[([^\]]*)\]\([^)]*\)",
    "text _TAG": r"<[^>]*>",
    "history _STATUS_LINE": r"^status\s*:\s*(?P<value>.*?)\s*$",
    "new-run _VERSION_LINE": r"(?m)^\s*\**Version\**\s*:\s*\**\s*(?P<v>[^\s*]+)",
    "owners section title": r"\s*\([^()]{0,200}\)\s*$",
    "nested": r"(?:a+)+b",
}


@pytest.mark.parametrize("name", OLD_QUADRATIC)
def test_the_check_flags_the_old_quadratic_patterns(name: str) -> None:
    assert hazards(re.compile(OLD_QUADRATIC[name])), name


@pytest.mark.parametrize(
    "pattern",
    [
        r"^(?P<lead>[ \t]*+[-+*])\[[ xX]\]",
        r"(?<!\d)\d++ minutes",
        r"[\x00-\x20\x7f]+",
        r"`[^`\n]*`",
        r"\((?P<inner>[^()]*+)\)\s*+$",
        r"(?m)^[ \t]*+\**+Version",
        r"\A~~(?P<text>(?:(?!~~).)++)~~(?P<rest>.*+)",
    ],
)
def test_the_check_passes_linear_patterns(pattern: str) -> None:
    assert hazards(re.compile(pattern)) == []


# ---------------------------------------------------------------------- every pattern in src
def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(runbookgen.__path__, "runbookgen.")]


def _module_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern bound at module level (including ones built from the
    grammar's pieces), plus the patterns built by functions for given labels/options."""
    out: dict[str, re.Pattern[str]] = {}
    for name in _modules():
        if ".engines." in name or name.endswith("__main__"):
            continue
        mod = importlib.import_module(name)
        for attr, value in vars(mod).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                out[f"{name}.{attr}"] = value
    from runbookgen.markdown import fields, frontmatter

    out["fields.label_pattern(...)"] = fields.label_pattern(frozenset({"QA Lead", "Date", "a*b (x)"}))
    out["fields.blank_after(...)"] = fields.blank_after("QA Lead")
    out["fields.choice_box(...)"] = fields.choice_box("Rolled Back")
    for tag, pattern, _first in frontmatter._RESOLVERS:
        out[f"frontmatter resolver {tag}"] = re.compile(f"^(?:{pattern})$")
    return out


def _literal_patterns() -> dict[str, re.Pattern[str]]:
    """Patterns written inline: ``re.sub(r"...", ...)`` and friends in src/."""
    out: dict[str, re.Pattern[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr
                in {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                flags = 0
                for kw in node.keywords:
                    if kw.arg == "flags":
                        flags = _flags(kw.value)
                if len(node.args) > 1 and node.func.attr == "compile":
                    flags = _flags(node.args[1])
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                out[where] = re.compile(node.args[0].value, flags)
    return out


def _flags(node: ast.expr) -> int:
    """``re.M | re.I`` written in the source, as a number."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    assert isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re"
    return int(getattr(re, node.attr))


ALL_PATTERNS = {**_module_patterns(), **_literal_patterns()}


def test_patterns_were_found() -> None:
    names = " ".join(ALL_PATTERNS)
    for expected in ("grammar._TASK", "fields._ESTIMATE", "kinds._TRAILING_PAREN", "replay._STATUS_LINE"):
        assert expected in names
    assert len(ALL_PATTERNS) > 40


@pytest.mark.parametrize("name", sorted(ALL_PATTERNS))
def test_every_pattern_is_linear(name: str) -> None:
    pattern = ALL_PATTERNS[name]
    assert hazards(pattern) == [], f"{name}: {pattern.pattern!r}"


# ---------------------------------------------------------------------- end to end: no hang
_CRAFTED = {
    "estimate": "**Time Estimate**: " + "1" * 200_000,
    "estimate spaces": "**Time Estimate**: 1" + " " * 200_000 + "x",
    "blank label": "- [ ] " + "a" * 200_000 + " ___",
    "brackets": "- [ ] " + "[" * 200_000,
    "tags": "- [ ] " + "<" * 200_000,
    "paragraph brackets": "[" * 200_000,
    "choice": "**Status**: [ ] a" + " " * 200_000 + "b [ ] c",
    "heading": "## a" + " " * 200_000 + "b)",
}


def test_crafted_200kb_lines_parse_and_check_without_hanging(tmp_path: Path) -> None:
    """A hang guard only (timeout 120 s for all of them; they take well under a second
    each): parse and ``check`` every crafted line in a fresh process."""
    from conftest import SEED

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\ndocs_dir: content\n", encoding="utf-8")
    runs = tmp_path / "runs" / "production-deployment"
    runs.mkdir(parents=True)
    front = (
        "---\nrunbook: production-deployment\ntemplate_version: 2.0.0\ntemplate_digest: sha256:0\n"
        "release: v{n}\ndate: 2026-12-01\nlead: erin\nstatus: in-progress\n---\n"
    )
    for n, line in enumerate(_CRAFTED.values()):
        body = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
        (runs / f"2026-12-01-v{n}.md").write_text(front.format(n=n) + body + "\n## Notes\n\n" + line + "\n")
    script = (
        "import sys, runbookgen\n"
        "from pathlib import Path\n"
        "for p in sorted(Path('runs').rglob('*.md')):\n"
        "    runbookgen.load(p)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "runbookgen", "check", "--format", "text"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    assert "task-added" in proc.stdout + proc.stderr  # the crafted task lines were read as tasks
