"""One run file → its :class:`RunEntry`: read (parse, count, validate) and render its page.

Reading and rendering are separate steps because they are the work that worker processes
share out (see ``workers.py``): a worker reads its files while the parent loads git
history, then renders each page once that history arrives. A :class:`RunReader` holds
what every run needs (project, options, runbook templates, page templates); workers
receive its two methods as plain functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from runbookgen.check.rules import check_record, finalize
from runbookgen.errors import RunbookgenError
from runbookgen.findings import Finding
from runbookgen.history import History, check_signoffs, policy, signers, verified_ticks, warm_signatures
from runbookgen.history.branches import InFlight, InFlightRun
from runbookgen.history.pulls import PullRequest
from runbookgen.project import Project
from runbookgen.records.progress import compute
from runbookgen.records.record import RunRecord, load_run, run_from_text
from runbookgen.records.schema import front_matter_problems
from runbookgen.web.checklist import toc_tokens
from runbookgen.web.entries import RunbookEntry, RunEntry, StageBar
from runbookgen.web.links import github_base, run_src_uri
from runbookgen.web.options import SiteOptions
from runbookgen.web.runhistory import GitRunHistory
from runbookgen.web.safehtml import plain
from runbookgen.web.templates import Templates
from runbookgen.web.views.run import RunPages, deployment_text


class RunReader:
    """Reads and renders run files for one site."""

    def __init__(
        self,
        project: Project,
        options: SiteOptions,
        runbooks: dict[str, RunbookEntry],
        templates: Templates,
        inflight: InFlight | None = None,
        pulls: Mapping[str, PullRequest] | None = None,
    ) -> None:
        self.project = project
        self.options = options
        self.runbooks = runbooks
        self.pages = RunPages(options, templates)
        self.github = github_base(options.repo_url)
        self.inflight = inflight  # runs read from their unmerged run branches, by relpath
        self.pulls = pulls or {}  # branch name -> its open pull request
        # the sign-off options and every runbook's 'signers:' now: a mistake in them is one
        # error for the build, not one per run page
        self.policy = policy(project)
        for rb in runbooks.values():
            signers(project, rb.model)
        self.check_cache: dict[object, object] = {}  # check's template work, shared by runs

    def warm(self, history: History) -> None:
        """Check the signatures the run pages will ask about in one batch, before the
        pages are rendered (by worker processes that then start no git of their own)."""
        if self.policy.has_trust_store:
            warm_signatures(self.project, history)

    def with_signatures(self, load_history: Callable[[], History]) -> Callable[[], History]:
        """``load_history`` followed by :meth:`warm`."""

        def load() -> History:
            hist = load_history()
            self.warm(hist)
            return hist

        return load

    def src_uri(self, path: Path) -> str:
        """The run page's path in the site: ``<runs_url>/<runbook>/<run>.md``."""
        try:
            rel = path.relative_to(self.project.runs_path).as_posix()
        except ValueError:
            rel = path.name
        return run_src_uri(self.options.runs_url, rel)

    def read(self, path: Path) -> tuple[RunEntry, RunRecord | None]:
        """Parse a run file into its entry (all but the page body) and its record; a file
        that cannot be read gives a broken entry with its error page and no record."""
        entry = RunEntry(relpath=self.project.rel(path), src_uri=self.src_uri(path))
        live = self.inflight.runs.get(entry.relpath) if self.inflight is not None else None
        if live is not None:
            return self.read_live(entry, live)
        try:
            self.project.inside(path, "run record")
        except RunbookgenError:
            entry.relpath = entry.src_uri
            entry.errors.append("refused: the file is a symlink to a place outside the repository")
            entry.body = self.pages.broken(entry)
            return entry, None
        try:
            record = load_run(path, self.project)
        except RunbookgenError as exc:
            entry.errors.append(str(exc))
            entry.body = self.pages.broken(entry)
            return entry, None
        return self.summarise(entry, record), record

    def read_live(self, entry: RunEntry, live: InFlightRun) -> tuple[RunEntry, RunRecord | None]:
        """A run as its run branch has it (git's text, never a checkout): like :meth:`read`,
        with the branch, its pull request and its last change on the entry. A file that
        cannot be read or parsed there is a broken run that names its branch."""
        entry.branch, entry.branch_commit, entry.on_main = live.branch.name, live.branch.sha, live.on_main
        entry.branch_path = (self.inflight.prefix if self.inflight is not None else "") + entry.relpath
        entry.last_by, entry.last_at = live.last.author, live.last.time.isoformat()
        entry.last_what = "changed"
        if live.diverged:
            entry.diverged = live.main_change.sha[:7] if live.main_change else "?"
            entry.diverged_by = live.main_change.author if live.main_change else ""
        entry.rivals = list(live.rivals)
        pr = self.pulls.get(live.branch.name)
        if pr is not None:
            entry.pr, entry.pr_title, entry.pr_url = pr.number, pr.title, pr.url
        try:
            if live.text is None:
                raise RunbookgenError(live.error or "cannot be read", entry.relpath)
            record = run_from_text(live.text, entry.relpath, self.project)
        except RunbookgenError as exc:
            entry.errors.append(f"{exc} (on branch {live.branch.name})")
            entry.body = self.pages.broken(entry)
            return entry, None
        return self.summarise(entry, record), record

    def summarise(self, entry: RunEntry, record: RunRecord) -> RunEntry:
        """The entry's summary from a parsed run: front matter, problems, progress."""
        entry.runbook, entry.release, entry.date = record.runbook, record.release, record.date
        entry.lead, entry.status = record.lead, record.status
        # the errors `check` reports for the front matter (records/schema.py): a broken run
        problems = front_matter_problems(
            record.front_matter,
            record.key_line,
            has_front_matter=record.model.body_line != 1,
            template_has_version=record.template is None or bool(record.template.version),
        )
        entry.errors += [
            f"{record.relpath}:{p.line or 1}: {p.message}" for p in problems if p.severity == "error"
        ]
        if entry.runbook and record.template is None:
            entry.errors.append(
                f"{record.relpath}:{record.key_line('runbook') or 1}: no runbook "
                f"template '{entry.runbook}' under {self.project.content_dir}/"
            )
        tpl = self.runbooks.get(entry.runbook)
        entry.runbook_title = tpl.title if tpl else record.model.title
        prog = compute(record.model, entry.status)
        # what `runbookgen check RUN` reports, for the run page's findings panel (the
        # sign-off findings, which need history, are added when the page is rendered)
        entry.findings = check_record(record, self.project, cache=self.check_cache, progress=prog)
        entry.state = "broken" if entry.errors else prog.state
        entry.done, entry.total, entry.skipped = prog.done, prog.total, prog.skipped
        entry.optional_open = prog.optional
        entry.percent = prog.percent
        entry.triggered = [plain(i.text) for i in prog.triggered]
        entry.stages = [
            StageBar(
                sp.section.id,
                plain(sp.section.title),
                sp.tree.done,
                sp.tree.total,
                sp.tree.skipped,
                sp.counted,
                sp.depth,
                sp.tree.optional,
            )
            for sp in prog.sections()
        ]
        entry.skipped_ids = [i.id for i in record.model.items() if i.skipped]
        entry.triggered_ids = [i.id for i in prog.triggered]
        entry.current_stage = next(
            (b.title for b in entry.stages if b.depth == 0 and b.counted and b.done < b.total), ""
        )
        return entry

    def render(self, entry: RunEntry, record: RunRecord | None, history: History | None) -> RunEntry:
        """Add what needs history (durations) and the page body to a read run's entry."""
        entry, rest = self.render_parts(entry, record, history)
        if rest is not None:
            entry.set_details("".join(rest))
        return entry

    def render_parts(
        self, entry: RunEntry, record: RunRecord | None, history: History | None
    ) -> tuple[RunEntry, Iterator[str] | None]:
        """:meth:`render`, with the page body after its summary left to be rendered as the
        iterator is read (the rest of the entry is filled in now); None: the body is done."""
        if record is None:  # broken: its body is the error page already
            return entry, None
        page_history = None
        findings: list[Finding] = list(entry.findings)
        if history is not None:
            page_history = GitRunHistory.of(record, history, self.github)
            tl = page_history.timeline
            try:
                states = {record.relpath: tl.signoffs}
                checks = check_signoffs([record], self.project, history, self.policy, states)
                rh = history.for_run(record.relpath)
                verified = verified_ticks(self.project, (e.commit for e in rh.events), self.policy)
            except RunbookgenError as exc:  # git or gpg could not check signatures
                checks, verified = [], {}
                entry.errors.append(f"{record.relpath}: sign-offs not checked: {exc}")
            findings += [f for c in checks for f in c.findings]
            page_history.add_signoffs(checks, verified)
            if tl.start is not None and tl.end is not None:
                entry.first_tick, entry.last_tick = tl.start.isoformat(), tl.end.isoformat()
            span = tl.deployment
            if span is not None and span.last is not None:
                entry.minutes = span.minutes
                entry.deployment = deployment_text(span)
            for sec in tl.sections:
                d = sec.duration
                if sec.estimate is not None and d is not None:
                    entry.phase_minutes[sec.id] = d.total_seconds() / 60
            shown = [ev for ev in tl.items.values() if ev.kind in ("ticked", "skipped")]
            if shown:
                last = max(shown, key=lambda ev: (ev.commit.time, ev.seq))
                entry.last_by, entry.last_at = last.commit.author, last.time.isoformat()
                entry.last_what = last.kind
        entry.summary, rest = self.pages.run_parts(
            entry, record.model, self.runbooks.get(entry.runbook), page_history, finalize(findings, False)
        )
        entry.toc = toc_tokens(record.model)
        # Only the run page shows the stage bars: not carried further (~20 KB a run, sent
        # from a worker process and kept for the whole build).
        entry.stages = []
        return entry, rest
