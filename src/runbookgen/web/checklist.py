"""The checklist as HTML, with GitHub's structure: nested items nest, ordered steps hold
their tasks, and each item shows its state (and, with history, who ticked it and when).

This is the one per-item loop of a page (~200 items on every run page, 1,000 run pages
in a large build), so it is Python building strings, not a template: a Jinja loop over
the items costs several times as much (see content/docs/performance.md). It returns
:class:`markupsafe.Markup` for the templates; all text from the run file goes through
:mod:`runbookgen.web.safehtml`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from runbookgen.history import TickEvent
from runbookgen.model import Choice, Field, Item, Prose, Runbook, Section
from runbookgen.web.formats import KIND_LABELS, fmt_estimate, fmt_minutes, time_html
from runbookgen.web.runhistory import COMMIT_ID, PageHistory
from runbookgen.web.safehtml import block, inline, plain, text, title_text


def anchor_id(section_id: str) -> str:
    """The HTML id of a stage, section or step."""
    return "s-" + section_id.replace("/", "--")


def item_anchor(item_id: str) -> str:
    """The HTML id of a checklist item."""
    return "i-" + item_id.replace("/", "--")


def kind_chip(kind: str) -> str:
    label, why = KIND_LABELS.get(kind, (kind, ""))
    return f'<span class="rbg-kind" data-kind="{text(kind)}" title="{text(why)}">{text(label)}</span>'


def toc_tokens(model: Runbook) -> list[dict[str, Any]]:
    """Table-of-contents entries (Python-Markdown's ``toc_tokens`` shape) for stages and sections.

    Names are plain text without markup characters: themes insert them unescaped.
    """

    def tok(sec: Section) -> dict[str, Any]:
        return {
            "level": min(sec.level, 6),
            "id": anchor_id(sec.id),
            "name": _toc_name(sec.title),
            "children": [tok(s) for s in sec.sections if not s.step],
        }

    return [tok(s) for s in model.stages]


@functools.lru_cache(maxsize=4096)
def _toc_name(title: str) -> str:
    """(Cached: every run of a runbook has the same section titles.)"""
    return title_text(plain(title))


class TickText:
    """``ticked by WHO at WHEN (#PR)`` for a history event, the time linking to the
    commit's row in the page's commit list (which has the email, commit and message).
    One commit ticks many items: each (commit, verb) is rendered once per page."""

    def __init__(self, history: PageHistory) -> None:
        self.history = history
        self._html: dict[tuple[str, str], Markup] = {}
        self._spans: dict[tuple[str, str], str] = {}

    def span(self, ev: TickEvent) -> str:
        """The text in its ``rbg-ticks`` span, as the checklist places it after an item."""
        key = (ev.commit.sha, ev.kind)
        done = self._spans.get(key)
        if done is None:
            done = self._spans[key] = f'<span class="rbg-ticks">{self(ev)}</span>'
        return done

    def __call__(self, ev: TickEvent) -> Markup:
        key = (ev.commit.sha, ev.kind)
        done = self._html.get(key)
        if done is not None:
            return done
        c = ev.commit
        when = time_html(ev.time)
        n = self.history.commit_number(c.sha)
        if n is not None:
            when = f'<a class="rbg-commit" href="#{COMMIT_ID}{n}">{when}</a>'
        verb = "skipped" if ev.kind == "skipped" else "ticked"
        pr = f" (#{c.pr})" if c.pr is not None else ""
        html = f'{verb} by <b class="rbg-who">{text(c.author)}</b> at {when}{pr}'
        sig = self.history.verified(c.sha)
        if sig is not None:  # the commit's signature vouches for its author
            html += f' <span class="rbg-verified" title="{text(sig.text)}">verified</span>'
        self._html[key] = done = Markup(html)
        return done


ItemExtras = Callable[[Item, str], str]


class OpenItemExtras:
    """Next to each open item of a run: who owns it (records/owners.py) and, for a run read
    from its run branch, links to the item's line on GitHub — the file at ``#L<line>`` and
    the web editor — so the page leads to the box to tick in one click."""

    def __init__(self, owners: dict[str, tuple[str, ...]], blob: str | None, edit: str | None) -> None:
        self.owners = owners
        self.blob = blob  # the file on the branch, without #L…
        self.edit = edit

    def __call__(self, item: Item, state: str) -> str:
        if state != "open":
            return ""
        out = []
        names = self.owners.get(item.id)
        if names:
            out.append(f' <span class="rbg-owners" title="Owners">{text(", ".join(names))}</span>')
        if self.blob is not None:
            links = f'<a class="rbg-line" href="{text(self.blob)}#L{item.line}">line {item.line}</a>'
            if self.edit is not None:
                links += f' · <a class="rbg-edit-item" href="{text(self.edit)}">edit</a>'
            out.append(f' <span class="rbg-item-links">{links}</span>')
        return "".join(out)


def wait_text(waited_minutes: float, wait_minutes: float) -> str:
    return (
        f"the next step was ticked {fmt_minutes(waited_minutes)} after the step before the wait; "
        f"the wait is {fmt_minutes(wait_minutes)}"
    )


def render_checklist(
    model: Runbook,
    *,
    run: bool,
    exclude_headings: bool = False,
    history: PageHistory | None = None,
    ticks: TickText | None = None,
    extras: ItemExtras | None = None,
) -> Markup:
    """The checklist of a runbook (``run=False``: empty boxes) or of a run (items marked
    done/open/skipped/triggered). ``exclude_headings`` keeps run pages' headings out of
    the search index; ``ticks`` shares the rendered ticks with the rest of the page;
    ``extras`` adds safe HTML after an item's text (owners, links to its line: see
    :class:`OpenItemExtras`)."""
    if history is not None and ticks is None:
        ticks = TickText(history)
    r = _Checklist(run, exclude_headings, history, ticks, extras)
    for stage in model.stages:
        r.section(stage)
    return Markup("".join(r.out))


class _Checklist:
    def __init__(
        self,
        run: bool,
        exclude: bool,
        history: PageHistory | None,
        ticks: TickText | None,
        extras: ItemExtras | None = None,
    ) -> None:
        self.run = run
        self.exclude = " data-search-exclude" if exclude else ""
        self.history = history
        self.ticks = ticks
        self.extras = extras
        self.out: list[str] = []
        # the waits cut short, by item (most items are not waits: one lookup each)
        self.short = {w.item: w for w in history.waits() if w.short} if history is not None else {}

    def section(self, sec: Section) -> None:
        out = self.out
        level = min(sec.level, 6)
        kind = sec.kind
        aid = anchor_id(sec.id)
        out.append(_section_open(kind))
        if not sec.step:
            out.append(_heading(level, aid, self.exclude, sec.title, kind))
        self.meta(sec)
        lines = {f.line for f in sec.fields} | {c.line for c in sec.choices}
        for p in sec.prose:
            if lines and _prose_covers(p, lines):
                continue
            out.append(f'<div class="rbg-prose">{block(p.text)}</div>')
        if sec.fields or sec.choices:
            self.fields_block(sec.fields, sec.choices)
        if sec.items:
            self.items(sec.items, kind)
        steps: list[Section] = []
        for sub in sec.sections:
            if sub.step:
                steps.append(sub)
                continue
            self.steps(steps)
            steps = []
            self.section(sub)
        self.steps(steps)
        out.append("</section>\n")

    def meta(self, sec: Section) -> None:
        bits = []
        if sec.estimate:
            bits.append(f"Estimate: {fmt_estimate(sec.estimate.min, sec.estimate.max)}")
            timing = self.history.section(sec.id) if self.history is not None else None
            if timing is not None and timing.duration is not None:
                actual = fmt_minutes(timing.duration.total_seconds() / 60)
                if timing.over:
                    bits.append(f'<span class="rbg-over">actual: {actual}, over the estimate</span>')
                else:
                    bits.append(f"actual: {actual}")
            elif timing is not None and timing.together:
                bits.append("actual: not measured (ticked together in one commit)")
        if sec.timing:
            bits.append(f"When: {text(sec.timing)}")
        if bits:
            self.out.append(f'<p class="rbg-meta">{" · ".join(bits)}</p>\n')

    def steps(self, steps: list[Section]) -> None:
        if not steps:
            return
        self.out.append('<ol class="rbg-steps">')
        for step in steps:
            self.out.append(
                f'<li class="rbg-step" id="{anchor_id(step.id)}">'
                f'<p class="rbg-step-title"><strong>{inline(step.title)}</strong></p>'
            )
            self.meta(step)
            for p in step.prose:
                self.out.append(f'<div class="rbg-prose">{block(p.text)}</div>')
            if step.items:
                self.items(step.items, step.kind)
            for sub in step.sections:
                self.section(sub)
            self.out.append("</li>\n")
        self.out.append("</ol>\n")

    def items(self, items: list[Item], kind: str) -> None:
        out = self.out
        history, ticks, short = self.history, self.ticks, self.short
        out.append('<ul class="task-list rbg-tasks">')
        for item in items:
            state = self.state(item, kind)
            out.append(_item_open(item.id, state, item.checked))
            # inside the label: the item's words are its checkbox's accessible name
            if item.fields:
                out.append(self.item_fields(item))
            else:
                out.append(f'<span class="rbg-text">{inline(item.text)}</span>')
            out.append("</label>")
            if item.optional and not item.skipped:
                out.append(' <span class="rbg-tag">optional</span>')
            if item.skipped:
                reason = f": {inline(item.skip_reason)}" if item.skip_reason else ""
                out.append(f' <span class="rbg-tag rbg-tag-skipped">n/a{reason}</span>')
            if state == "triggered":
                out.append(' <span class="rbg-tag rbg-tag-triggered">happened</span>')
            if self.extras is not None:
                out.append(self.extras(item, state))
            if history is not None and ticks is not None:
                if item.checked:
                    ev = history.tick(item.id)
                    if ev is not None and ev.kind == ("skipped" if item.skipped else "ticked"):
                        out.append(ticks.span(ev))
                w = short.get(item.id) if short else None
                if w is not None and w.waited is not None:
                    waited = w.waited.total_seconds() / 60
                    out.append(
                        f' <span class="rbg-tag rbg-tag-short" title="{text(wait_text(waited, w.minutes))}">'
                        f"waited {fmt_minutes(waited)} of {fmt_minutes(w.minutes)}</span>"
                    )
            for note in item.notes:
                out.append(f'<div class="rbg-note">{block(note.text)}</div>')
            if item.children:
                self.items(item.children, kind)
            out.append("</li>\n")
        out.append("</ul>\n")

    def state(self, item: Item, kind: str) -> str:
        if not self.run:
            return "template"
        if item.skipped:
            return "skipped"
        if kind == "triggers":
            return "triggered" if item.checked else "criterion"
        return "done" if item.checked else "open"

    def item_fields(self, item: Item) -> str:
        return (
            '<span class="rbg-text rbg-signoff">' + " ".join(_field_html(f) for f in item.fields) + "</span>"
        )

    def fields_block(self, fields: list[Field], choices: list[Choice]) -> None:
        rows = []
        for c in choices:
            # the tick is text, not only colour: legible without the stylesheet and to
            # readers who cannot tell the colours apart
            opts = " ".join(
                f'<span class="rbg-choice" data-selected="{str(o in c.selected).lower()}">'
                f"{'✓ ' if o in c.selected else ''}{inline(o)}</span>"
                for o in c.options
            )
            rows.append(f"<dt>{inline(c.name)}</dt> <dd>{opts}</dd>")
        for f in fields:
            value = inline(f.value) if f.filled else '<span class="rbg-blank">—</span>'
            rows.append(f"<dt>{inline(f.name)}</dt> <dd>{value}</dd>")
        self.out.append('<dl class="rbg-fields">' + " ".join(rows) + "</dl>\n")


# The repeated pieces of a checklist, cached: every run of a runbook has the same sections
# and items, so a large build renders each of them once, not once per run.
@functools.lru_cache(maxsize=1024)
def _section_open(kind: str) -> str:
    return f'<section class="rbg-section" data-kind="{text(kind)}">\n'


@functools.lru_cache(maxsize=4096)
def _heading(level: int, aid: str, exclude: str, title: str, kind: str) -> str:
    chip = kind_chip(kind) if kind != "tasks" else ""
    return f'<h{level} id="{text(aid)}"{exclude}>{inline(title)} {chip}</h{level}>\n'


@functools.lru_cache(maxsize=16384)
def _item_open(item_id: str, state: str, checked: bool) -> str:
    return (
        f'<li class="task-list-item rbg-item" data-state="{state}" id="{text(item_anchor(item_id))}">'
        f'<label class="task-list-control"><input type="checkbox" disabled{" checked" if checked else ""}>'
        '<span class="task-list-indicator"></span> '
    )


def _field_html(f: Field) -> str:
    value = (
        f'<span class="rbg-field-value">{inline(f.value)}</span>'
        if f.filled
        else '<span class="rbg-blank">________</span>'
    )
    return f'<span class="rbg-field"><span class="rbg-field-name">{inline(f.name)}:</span> {value}</span>'


def _prose_covers(p: Prose, lines: set[int]) -> bool:
    span = range(p.line, p.line + p.text.count("\n") + 1)
    return any(line in span for line in lines)
