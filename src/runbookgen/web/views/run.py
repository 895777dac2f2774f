"""A run page (``run.html``) and the page of a run file that cannot be read (``broken.html``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from runbookgen.findings import Finding
from runbookgen.history import SectionTiming, Span
from runbookgen.model import Runbook
from runbookgen.records.owners import run_owners
from runbookgen.web import badges
from runbookgen.web.charts import timeline_chart
from runbookgen.web.checklist import OpenItemExtras, TickText, anchor_id, render_checklist
from runbookgen.web.entries import SUMMARY_END, RunbookEntry, RunEntry
from runbookgen.web.formats import fmt_estimate, fmt_minutes, time_html
from runbookgen.web.links import Links, github_base, github_ref_url, page_url
from runbookgen.web.options import SiteOptions
from runbookgen.web.runhistory import COMMIT_ID, PageHistory
from runbookgen.web.safehtml import inline, plain, text
from runbookgen.web.templates import Later, Templates

__all__ = ["SUMMARY_END", "RunPages", "bars", "commit_rows", "phase_rows"]


@dataclass(frozen=True, slots=True)
class Bar:
    """One progress bar of a run page."""

    label: str
    detail: str
    percent: float  # 0–100
    state: str
    css: str
    anchor: str | None = None


def bars(entry: RunEntry) -> list[Bar]:
    """Overall progress, then each stage and section (two levels) that has boxes."""
    out = [
        Bar(
            "Overall",
            _detail(entry.done, entry.total, entry.optional_open),
            entry.percent,
            entry.state,
            "rbg-bar-main",
        )
    ]
    for bar in entry.stages:
        if bar.depth > 1 or (bar.total == 0 and bar.skipped == 0 and bar.optional == 0):  # no boxes
            continue
        out.append(
            Bar(
                bar.title,
                _detail(bar.done, bar.total, bar.optional) if bar.counted else "not counted",
                bar.percent,
                "stage" if bar.counted else "off",
                f"rbg-depth-{bar.depth}",
                anchor_id(bar.id),
            )
        )
    return out


def _detail(done: int, total: int, optional: int) -> str:
    return f"{done}/{total}" + (f" (+{optional} optional)" if optional else "")


def deployment_text(span: Span) -> str:
    """What a run's duration measured: ``1 h 10 min (During Deployment, first to last
    tick)``, or why it is not known."""
    what = plain(span.what)
    minutes = span.minutes
    if minutes is None:
        return f"not measured: {what} was ticked together in one commit"
    return f"{fmt_minutes(minutes)} ({what}, first to last tick)"


TOOK = "partials/took.html"


def phase_rows(history: PageHistory, templates: Templates) -> Markup:
    """The rows of ``partials/phase-table.html``: each stage and section (two levels) with
    ticks or an estimate. Built in Python like the checklist (``web/checklist.py``): ~50
    rows on each of 1,000 run pages cost several times as much as a Jinja loop with an
    ``include`` per row. The Took cell is ``partials/took.html``'s: rendered from a user's
    override of it if there is one, else by :func:`took` (the same markup, which
    ``tests/test_history_pages.py`` compares with the packaged template's)."""
    took_cell = took if templates.packaged(TOOK) else (lambda sec: templates.render(TOOK, sec=sec))
    out = []
    for sec in history.sections():
        if sec.depth > 1 or (sec.first is None and sec.estimate is None):
            continue
        est = sec.estimate
        out.append(
            f'<tr data-section="{text(sec.id)}" class="rbg-depth-{sec.depth}"'
            f'{" data-over" if sec.over else ""}><td><a href="#{text(anchor_id(sec.id))}">'
            f"{inline(sec.title)}</a></td> <td>{time_html(sec.first) if sec.first else ''}</td> "
            f"<td>{time_html(sec.last) if sec.last else ''}</td> <td>{took_cell(sec)}</td> "
            f'<td class="rbg-nowrap">{text(fmt_estimate(est.min, est.max)) if est else ""}</td></tr>\n'
        )
    return Markup("".join(out))


def commit_rows(history: PageHistory) -> Markup:
    """The rows of ``partials/commits.html``: each commit that set a state shown on the
    page, numbered for the ``#rbg-commit-N`` links of the ticks (built in Python like
    :func:`phase_rows`)."""
    github = history.github
    gh = text(github) if github else ""
    out = []
    for n, c in enumerate(history.commits(), 1):
        short = f"<code>{text(c.short)}</code>"
        link = f'<a href="{gh}/commit/{text(c.sha)}">{short}</a>' if github else short
        by = f" (committed by {text(c.committer)})" if c.committer != c.author else ""
        pr = ""
        if c.pr is not None:
            pr = f'<a href="{gh}/pull/{c.pr}">#{c.pr}</a>' if github else f"#{c.pr}"
        out.append(
            f'<tr id="{COMMIT_ID}{n}"><td>{link}</td> <td>{text(c.author)} &lt;{text(c.email)}&gt;{by}</td> '
            f"<td>{time_html(c.time)}</td> <td>{text(c.subject)}</td> <td>{pr}</td></tr>\n"
        )
    return Markup("".join(out))


def took(sec: SectionTiming) -> str:
    """How long a section took, as ``partials/took.html`` writes it."""
    d = sec.duration
    if d is not None:
        html = f'<span class="rbg-nowrap">{text(fmt_minutes(d.total_seconds() / 60))}</span>'
        if sec.basis == "previous":
            html += f' <span class="rbg-since">(since {inline(str(sec.since_title))} ended)</span>'
        if sec.over:
            html += ' <span class="rbg-tag rbg-tag-over">over estimate</span>'
        return html
    if sec.together:
        return '<span class="rbg-together">ticked together in one commit</span>'
    return ""


@dataclass(frozen=True)
class RunPages:
    """Renders run pages: what every run page shares (options, templates)."""

    options: SiteOptions
    templates: Templates

    def links(self, entry: RunEntry) -> Links:
        return Links(page_url(entry.src_uri, self.options.directory_urls), self.options.directory_urls)

    def edit_url(self, relpath: str) -> str | None:
        return self.options.edit_base + relpath if self.options.edit_base else None

    def badge_src(self, links: Links, badge_path: str) -> str:
        return links.file(f"{self.options.badges_dir.strip('/')}/{badge_path}.svg")

    @property
    def github(self) -> str | None:
        return github_base(self.options.repo_url)

    def broken(self, entry: RunEntry) -> str:
        links = self.links(entry)
        edit = github_ref_url(self.github, "edit", entry.branch, entry.branch_path) if entry.branch else None
        return self.templates.render(
            "broken.html",
            entry=entry,
            links=links,
            edit_url=edit or self.edit_url(entry.relpath),
            branch_url=github_ref_url(self.github, "tree", entry.branch),
            history_url=links.page(self.options.history_page),
        )

    def run_parts(
        self,
        entry: RunEntry,
        model: Runbook,
        runbook: RunbookEntry | None,
        history: PageHistory | None,
        findings: Sequence[Finding] = (),
    ) -> tuple[str, Iterator[str]]:
        """A run page as its summary (up to :data:`SUMMARY_END`) and the rest, which is
        rendered only as it is read: the checklist, chart and tables are :class:`Later`."""
        links = self.links(entry)
        badge = badges.run_badge(entry.percent, entry.state, entry.status)
        ticks = TickText(history) if history is not None else None
        blob = edit = None
        if entry.branch:
            blob = github_ref_url(self.github, "blob", entry.branch, entry.branch_path)
            edit = github_ref_url(self.github, "edit", entry.branch, entry.branch_path)

        def checklist() -> str:
            owners = run_owners(model, runbook.model if runbook is not None else None)
            extras = OpenItemExtras(owners, blob, edit) if owners or blob else None
            return render_checklist(
                model, run=True, exclude_headings=True, history=history, ticks=ticks, extras=extras
            )

        chart: Markup | Later = Markup("")
        rows: Markup | Later = chart
        commits: Markup | Later = chart
        if history is not None and history.available:
            shown = history
            chart = Later(lambda: timeline_chart(shown.sections(), shown.waits()))
            rows = Later(lambda: phase_rows(shown, self.templates))
            commits = Later(lambda: commit_rows(shown))
        return self.templates.render_parts(
            "run.html",
            SUMMARY_END,
            entry=entry,
            runbook=runbook,
            links=links,
            badge=badge,
            badge_src=self.badge_src(links, entry.badge_path),
            edit_url=edit or self.edit_url(entry.relpath),
            branch_url=github_ref_url(self.github, "tree", entry.branch),
            history_url=links.page(self.options.history_page),
            bars=bars(entry),
            history=history,
            findings=findings,
            ticks=ticks,
            commit_id=COMMIT_ID,
            duration=entry.deployment,
            timeline_chart=chart,
            phase_rows=rows,
            commit_rows=commits,
            checklist=Later(checklist),
            summary_end=Markup(SUMMARY_END),
        )
