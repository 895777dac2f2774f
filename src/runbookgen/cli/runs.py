"""Run-record commands: ``new-run``, ``status``, ``check``, ``summary``, ``upgrade``, ``tick``.

Thin shells: parse options, call the core (imported inside each command so that
``runbookgen --help`` stays fast), print. Errors are RunbookgenError → one line, exit 1.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from runbookgen.cli.common import (
    RUN_FILE,
    RUNS,
    complete_item,
    complete_run_file,
    complete_runbook,
    echo,
    error_line,
    plural,
    progress,
    project,
    resolve_format,
    style,
    term,
    to_json,
    warn,
)


@click.command("new-run")
@click.argument("runbook", shell_complete=complete_runbook)
@click.option("--release", "-r", required=True, help="Release name, e.g. v2.4.0 (letters, digits, . _ + -).")
@click.option("--date", "-d", "day", metavar="YYYY-MM-DD", help="Deployment date [default: today].")
@click.option("--lead", "-l", help="Who leads the release [default: git user.name].")
@click.option("--no-git", is_flag=True, help="Only write the file: no branch, no commit.")
@click.option("--push", is_flag=True, help="Push the new branch to the remote (origin) for a pull request.")
def new_run_cmd(
    runbook: str, release: str, day: str | None, lead: str | None, no_git: bool, push: bool
) -> None:
    """Start a run record of RUNBOOK for one release.

    Writes runs/RUNBOOK/DATE-RELEASE.md: the template with every box empty and the
    release's details in the front matter. In a git repository it also creates the
    branch run/RUNBOOK/DATE-RELEASE from the current commit and commits only that
    file there (other changes in your work tree stay as they are). It never
    overwrites an existing run record.

    \b
    Examples:
      runbookgen new-run production-deployment --release v2.4.0
      runbookgen new-run production-deployment -r v2.4.1 --date 2026-12-08 --lead @alice --push
      runbookgen new-run production-deployment -r hotfix-7 --no-git
    """
    import shutil

    from runbookgen.records.newrun import compare_url, new_run
    from runbookgen.records.schema import parse_date

    proj = project()
    res = new_run(proj, runbook, release, day=parse_date(day), lead=lead, use_git=not no_git, push=push)
    rel, branch = term(res.relpath), term(res.branch or "")
    echo(f"Created {rel}")
    if res.branch:
        echo(f"On branch {branch}, commit {res.commit}.")
    base = term(res.base or "main")
    if res.pushed_to:
        from runbookgen.cli.live import badge_snippet

        badge = badge_snippet(proj, res.relpath, res.remote_url, f"{release} progress")
        echo(f"Pushed to {term(res.pushed_to)}. Open the pull request:")
        if shutil.which("gh"):
            body = f"--body '{term(badge)}'" if badge and "'" not in badge else "--fill"
            echo(f"  gh pr create --base {base} --head {branch} --title 'Run: {runbook} {release}' {body}")
        else:
            url = compare_url(res.remote_url or "", res.base or "main", res.branch or "")
            echo(f"  {term(url)}" if url else f"  (from {branch} into {base} on your git host)")
        if badge:
            echo("Progress badge for the pull request description (it follows the branch):")
            echo(f"  {term(badge)}")
        else:
            echo("(Set site_url in mkdocs.yml to get a progress badge for the pull request.)")
    elif res.branch:
        echo(f"Push it and open a pull request:\n  git push -u origin {branch}")
    if res.branch and res.base and "/" in res.base and _is_run_branch(proj, res.base):
        warn(
            f"you were on the run branch {res.base}: {res.branch} starts from it and carries its "
            "commits into the pull request. For a run of its own, start from main: git switch main "
            f"&& git branch -D {res.branch}, then run new-run again"
        )
    echo(
        f"Tick boxes by editing the file (or 'runbookgen tick {rel} ITEM'); "
        f"see progress with 'runbookgen status {rel}'."
    )


def _is_run_branch(proj: Any, branch: str) -> bool:
    """Does ``branch`` match the run-branch patterns (plugin option ``run_branches``)?"""
    from runbookgen.errors import RunbookgenError
    from runbookgen.history.branches import SETTING, match, patterns_of

    try:
        patterns = patterns_of(proj.settings.get(SETTING))
    except RunbookgenError:
        return False
    return any(match(p, branch) for p in patterns)


def _load(runs: tuple[str, ...]) -> tuple[Any, list[Any], list[Any]]:
    """Project, records that loaded, and errors of those that did not."""
    from runbookgen.errors import RunbookgenError
    from runbookgen.records.record import load_run, require_run

    proj = project(*runs)
    paths = list(runs) or proj.run_files()
    records, errors = [], []
    with progress(paths, "Reading run records") as bar:
        for p in bar:
            try:
                records.append(require_run(load_run(p, proj), proj))
            except RunbookgenError as exc:
                errors.append(exc)
    return proj, records, errors


def _bar(done: int, total: int, width: int = 20) -> str:
    if total == 0:
        return style("·" * width, dim=True)
    filled = round(width * done / total)
    return style("█" * filled, fg="green") + style("░" * (width - filled), dim=True)


@click.command("status")
@RUNS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts (one object per run).",
)
@click.option(
    "--all-branches",
    "-a",
    is_flag=True,
    help="Also runs in progress on unmerged run branches (run/**, local and remote-tracking), "
    "read from git without checking them out; a branch's newer version wins.",
)
@click.option(
    "--mine",
    is_flag=True,
    help="Only your open items across runs in progress, branches included (you: git config "
    "github.user, else user.name).",
)
@click.option(
    "--owner",
    "owners",
    metavar="@LOGIN",
    multiple=True,
    help="Like --mine, for someone else or a team (@org/team); repeatable.",
)
def status_cmd(
    runs: tuple[str, ...], fmt: str, all_branches: bool, mine: bool, owners: tuple[str, ...]
) -> None:
    """Show progress of run records: per stage and section, with bars.

    With no RUNS, every run record under runs/ (finished runs without their
    stages). Tasks and sign-offs count;
    rollback criteria never count (a tick means it happened) and the rollback
    procedure counts only once the run is rolling back; struck-through items are
    skipped and leave the total. With --all-branches, runs still on their run
    branches show too (as the published site shows them); --mine lists the open
    items whose owner (@login in the item, or 'Owner: @login' under its heading)
    is you.

    \b
    Examples:
      runbookgen status
      runbookgen status runs/production-deployment/2026-12-01-v2.4.0.md
      runbookgen status --format json | jq '.[] | {release, percent}'
      runbookgen status --all-branches
      runbookgen status --mine
      runbookgen status --owner @acme/dba
    """
    from runbookgen.records.progress import compute

    if all_branches or mine or owners:
        from runbookgen.cli.live import status_live

        status_live(runs, fmt, mine, owners, _status_text, _status_json)
        return

    from runbookgen.records.schema import is_finished

    proj, records, errors = _load(runs)
    out: list[dict[str, Any]] = []
    # every run of a repository in full is thousands of lines: finished ones in short
    short = not runs and len(records) > 1
    shortened = 0
    for rec in records:
        prog = compute(rec.model, rec.status)
        if fmt == "json":
            out.append(_status_json(rec, prog))
        else:
            brief = short and is_finished(rec.status)
            if brief:
                shortened += 1
            _status_text(rec, prog, sections=not brief)
    if fmt == "json":
        echo(to_json(out))
    elif not records and not errors:
        echo(_no_runs(proj))
    elif shortened:
        echo(
            style(
                f"{plural(shortened, 'finished run')} shown without stages; "
                "'runbookgen status RUN' shows one in full.",
                dim=True,
            )
        )
    for exc in errors:
        error_line(str(exc))
    if errors:
        sys.exit(1)


def _no_runs(proj: Any) -> str:
    """What ``status`` says when runs/ has no run record: runs made with ``new-run`` live on
    their run branches until merged, so point there when there are some."""
    from runbookgen.errors import RunbookgenError
    from runbookgen.history.branches import read_in_flight

    where = f"No run records in {term(proj.runs_dir)}/ yet"
    try:
        live = len(read_in_flight(proj).runs)
    except RunbookgenError:  # a bad run_branches setting: the hint is not worth an error here
        live = 0
    if live:
        return (
            f"{where} on this branch; {plural(live, 'run')} in progress on run branches: "
            "see them with 'runbookgen status --all-branches'."
        )
    return f"{where}; start one with 'runbookgen new-run RUNBOOK --release R'."


def _status_json(rec: Any, prog: Any) -> dict[str, Any]:
    return {
        "path": rec.relpath,
        "runbook": rec.runbook,
        "release": rec.release,
        "date": rec.date,
        "lead": rec.lead,
        "status": rec.status,
        "state": prog.state,
        "done": prog.done,
        "total": prog.total,
        "skipped": prog.skipped,
        "percent": prog.percent,
        "rolling_back": prog.rolling_back,
        "triggered": [{"id": i.id, "text": i.text, "line": i.line} for i in prog.triggered],
        "sections": [{**sp.to_dict(), "depth": sp.depth, "line": sp.section.line} for sp in prog.sections()],
    }


_STATE_COLOUR = {"complete": "green", "triggered": "red", "in-progress": "yellow", "planned": "blue"}


def _status_text(rec: Any, prog: Any, sections: bool = True) -> None:
    head = term(f"{rec.runbook} {rec.release}".strip() or rec.relpath)
    echo(style(head, bold=True) + f"  {term(rec.relpath)}")
    status = style(term(rec.status) or "no status", fg=_STATE_COLOUR.get(prog.state, "white"))
    skipped = f", {prog.skipped} skipped" if prog.skipped else ""
    echo(
        f"  {_bar(prog.done, prog.total, 30)} {prog.done}/{prog.total} done{skipped} "
        f"({prog.percent:g}%)  status: {status}"
    )
    if prog.triggered:
        for item in prog.triggered:
            echo(style("  TRIGGERED: ", fg="red", bold=True) + f"{_one_line(item.text)} (line {item.line})")
    if not sections:
        echo("")
        return
    titles = [("  " * sp.depth + term(sp.section.title), sp) for sp in prog.sections()]
    width = min(max((len(t) for t, _ in titles), default=20), 48)
    for raw_title, sp in titles:
        title = _fit(raw_title, width)
        kind = sp.section.kind
        if kind == "reference":
            continue
        if kind == "triggers":
            n = sum(1 for _ in sp.section.all_items())
            hit = sum(1 for i in sp.section.all_items() if i.done)
            note = (
                style(f"{hit} of {n} triggered", fg="red", bold=True)
                if hit
                else style(f"none of {n} triggered", dim=True)
            )
            echo(f"    {title}  {' ' * 20}  {note}")
        elif not sp.counted:
            echo(f"    {title}  {' ' * 20}  " + style("not counted (no rollback)", dim=True))
        else:
            c = sp.tree
            if c.total == 0 and c.skipped == 0:
                echo(f"    {title}  {' ' * 20}  " + _no_boxes(sp.section))
                continue
            extra = f", {c.skipped} skipped" if c.skipped else ""
            echo(f"    {title}  {_bar(c.done, c.total)}  {c.done}/{c.total}{extra}")
    echo("")


def _one_line(text: str, limit: int = 80) -> str:
    """Text from a run file on one terminal line."""
    from runbookgen.text import shorten

    return term(shorten(text, limit))


def _fit(title: str, width: int) -> str:
    """An indented title in a column ``width`` wide."""
    from runbookgen.text import shorten

    return shorten(title, width, fold=False).ljust(width)


def _no_boxes(section: Any) -> str:
    """What a section without counted boxes shows: its choices ("Status: Success"), if any."""
    choices = [c for s in section.walk() for c in s.choices]
    if not choices:
        return style("no boxes", dim=True)
    shown = []
    for c in choices:
        picked = ", ".join(c.selected) if c.selected else "not chosen yet"
        shown.append(f"{c.name}: {picked}")
    return style(_one_line("; ".join(shown), 60), dim=not any(c.selected for c in choices))


@click.command("check")
@RUNS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "json", "github"]),
    default="auto",
    show_default=True,
    help="auto = github under GitHub Actions, text elsewhere.",
)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. gating) as errors.")
def check_cmd(runs: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Validate run records; exit 1 when there are errors.

    Checks the front matter (keys, types, runbook, status), drift from the
    template (tasks removed, added or reworded; runs made from an older template
    version), gating (ticks in a phase while an earlier phase has open required
    items, when the runbook says so), status against the ticks and the body's own
    Status choice, and sign-offs: empty fields and, from git history, who ticked
    them (against 'signers:'), their commit signatures (against the trust store
    in the 'signoffs:' options) and tasks changed after them. With
    'signoffs: {require: verified}' in mkdocs.yml an unverified or stale
    sign-off is an error. With no RUNS, every run record under runs/.

    \b
    Examples:
      runbookgen check
      runbookgen check runs/production-deployment/2026-12-01-v2.4.0.md --strict
      runbookgen check --format github     # annotations in a GitHub Actions step
      runbookgen check --format json | jq '.findings[] | select(.severity == "error")'
      runbookgen check --format json | jq '.signoffs[] | {label: .label, state, stale}'
    """
    from pathlib import Path

    from runbookgen.check.rules import check_paths, counts, format_github
    from runbookgen.history import check_signoffs_for_paths

    proj = project(*runs)
    paths = [Path(p) for p in runs] or proj.run_files()
    # sign-offs against git: who ticked them, signatures, staleness (none without history)
    signoffs = check_signoffs_for_paths(paths, proj)
    extra = [f for c in signoffs for f in c.findings]
    with progress(paths, "Checking run records") as bar:
        findings = check_paths(bar, proj, strict=strict, extra=extra)
    errors, warnings = counts(findings)
    fmt = resolve_format(fmt)
    if fmt == "json":
        echo(
            to_json(
                {
                    "files": len(paths),
                    "errors": errors,
                    "warnings": warnings,
                    "findings": [f.to_dict() for f in findings],
                    "signoffs": [c.to_dict() for c in signoffs],
                }
            )
        )
    elif fmt == "github":
        from runbookgen.gitutil import repo_root

        top = repo_root(proj.root)
        prefix = "" if top is None or top == proj.root else proj.root.relative_to(top).as_posix() + "/"
        for line in format_github(findings, prefix):
            click.echo(line)
    else:
        for f in findings:
            where = term(f"{f.path}:{f.line}" if f.line else f.path)
            colour = "red" if f.severity == "error" else "yellow"
            echo(
                f"{where}: {style(f.severity, fg=colour, bold=True)}: {term(f.message)} "
                + style(f"[{f.code}]", dim=True)
            )
        summary = (
            f"{plural(len(paths), 'run record')} checked: "
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        )
        echo(style(summary, fg="red" if errors else "green"), err=True)
    if errors:
        sys.exit(1)


@click.command("summary")
@click.option("--base", required=True, metavar="REF", help="What the pull request merges into (e.g. main).")
@click.option("--head", metavar="REF", help="The pull request's commit [default: the working tree].")
@click.option(
    "--output",
    "-o",
    type=RUN_FILE,
    help='Append to this file instead of printing (e.g. "$GITHUB_STEP_SUMMARY").',
)
def summary_cmd(base: str, head: str | None, output: str | None) -> None:
    """Markdown of what a pull request changed in run records.

    For every run record that differs between the merge base with --base and
    --head: boxes ticked, unticked and skipped per phase, progress before and
    after, and rollback criteria that were ticked, highlighted. Kept under
    GitHub's 1 MiB job-summary limit.

    \b
    Examples:
      runbookgen summary --base main
      runbookgen summary --base origin/main --head HEAD >> "$GITHUB_STEP_SUMMARY"
    """
    from runbookgen.records.summary import collect, render

    proj = project()
    changes = collect(proj, base, head)
    if output:
        from runbookgen.files import os_error

        text = render(changes)
        try:
            with open(output, "a", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise os_error("cannot write", output, exc) from None
    elif sys.stdout.isatty():  # for a person: plain text, nothing escaped for Markdown
        echo(render(changes, markdown=False), nl=False)
    else:
        echo(render(changes), nl=False)


@click.command("upgrade")
@click.argument("run", type=RUN_FILE, shell_complete=complete_run_file)
@click.option("--dry-run", "-n", is_flag=True, help="Print the diff; change nothing.")
def upgrade_cmd(run: str, dry_run: bool) -> None:
    """Move a run record onto the current template version.

    RUN is an in-flight run record. Every tick, skip mark, field value and note
    is carried over by item id; items the new template dropped are kept in an
    "Upgrade notes" section at the end, never silently lost. The file is
    replaced atomically.

    \b
    Examples:
      runbookgen upgrade runs/production-deployment/2026-12-01-v2.4.0.md --dry-run
      runbookgen upgrade runs/production-deployment/2026-12-01-v2.4.0.md
    """
    from runbookgen.records.record import load_run
    from runbookgen.records.upgrade import upgrade

    proj = project(run)
    rec = load_run(run, proj)
    result = upgrade(rec, proj, dry_run=dry_run)
    rel = term(rec.relpath)
    if not result.changed:
        echo(f"{rel} is already on template version {term(result.new_version or '?')}; nothing to do.")
        return
    if dry_run:
        from runbookgen.text import for_terminal

        echo("".join(for_terminal(line) + "\n" for line in result.diff.splitlines()), nl=False)
        return
    dropped = ""
    if result.dropped:
        dropped = f"; {plural(len(result.dropped), 'dropped item')} kept under 'Upgrade notes'"
    echo(
        f"Upgraded {rel} from template {term(result.old_version or '?')} to "
        f"{term(result.new_version or '?')}: {plural(result.kept, 'item state')} carried over{dropped}."
    )


@click.command("tick")
@click.argument("run", type=RUN_FILE, shell_complete=complete_run_file)
@click.argument("items", nargs=-1, required=True, shell_complete=complete_item)
@click.option("--undo", is_flag=True, help="Untick instead (and remove a skip's strike-through).")
@click.option("--skip", metavar="REASON", help="Mark not applicable: strike the text, add 'n/a: REASON'.")
def tick_cmd(run: str, items: tuple[str, ...], undo: bool, skip: str | None) -> None:
    """Tick, untick or skip items of a run record from the terminal.

    RUN is the run record; ITEMS are item ids (see 'runbookgen parse RUN') or
    the start of an item's text, unique within the run. Only the checkbox
    character changes (or the strike-through is added), so the edit merges like
    one made on GitHub. Commit it as usual: who ticked and when is read from that
    commit.

    \b
    Examples:
      runbookgen tick runs/production-deployment/2026-12-01-v2.4.0.md "All code reviewed"
      runbookgen tick RUN pre-deployment-24-hours-before/code-quality/linting-passes-with-no-errors
      runbookgen tick RUN "Put application in maintenance" --skip "online migration"
      runbookgen tick RUN "All code reviewed" --undo
    """
    from runbookgen.errors import RunbookgenError
    from runbookgen.records.record import load_run, require_run
    from runbookgen.records.tick import tick_file

    if undo and skip is not None:
        raise click.UsageError("use --undo or --skip, not both")
    if skip is not None and not skip.strip():
        raise click.UsageError(
            "--skip needs a reason: why the item does not apply, e.g. --skip 'no schema change'"
        )
    proj = project(run)
    rec = require_run(load_run(run, proj), proj)
    try:
        changes = tick_file(rec.path, rec.relpath, rec.model, list(items), undo=undo, skip=skip, project=proj)
    except RunbookgenError as exc:
        raise RunbookgenError(exc.message, rec.relpath, exc.line) from None
    # a rollback criterion ticked means the condition happened: say so as summary does
    triggers = {i.id for sec, i in rec.model.items_with_sections() if sec.kind == "triggers"}
    for c in changes:
        if c.action == "unchanged":
            warn(f"{rec.relpath}:{c.item.line}: {c.note}: {_one_line(c.item.text)}")
        elif c.item.id in triggers and c.action in ("ticked", "unticked"):
            action = "triggered" if c.action == "ticked" else "cleared"
            echo(style(f"{action}:", fg="red", bold=True) + f" {_one_line(c.item.text)} (line {c.item.line})")
            if action == "triggered":
                warn(
                    "a rollback criterion is ticked: follow the rollback procedure, then set "
                    "status: rolled-back"
                )
        else:
            echo(f"{c.action}: {_one_line(c.item.text)} (line {c.item.line})")


@click.command("resolve")
@RUNS
@click.option("--dry-run", "-n", is_flag=True, help="Say what would be merged; change nothing.")
def resolve_cmd(runs: tuple[str, ...], dry_run: bool) -> None:
    """Resolve merge conflicts where each side ticked different boxes.

    Two pull requests that tick neighbouring boxes conflict in git (it refuses
    changes to adjacent lines). After 'git merge', 'git pull' or 'git rebase'
    stops on run records, this merges git's two versions line by line: every
    tick, skip, filled field and note from both sides is kept, and the file is
    staged ('git add'). Changes to the same line on both sides (one ticks, the
    other skips) stay conflicts for you to decide: exit 1, file untouched. With
    no RUNS, every conflicted run record under runs/.

    \b
    Examples:
      git pull             # CONFLICT (content): Merge conflict in runs/…
      runbookgen resolve   # then: runbookgen check && git commit --no-edit
      runbookgen resolve runs/production-deployment/2026-12-01-v2.4.0.md --dry-run
    """
    from runbookgen.records.merge import resolve

    proj = project(*runs)
    results = resolve(proj, list(runs), dry_run=dry_run)
    if not results:
        echo("No run records with merge conflicts.")
        return
    failed = 0
    for r in results:
        if r.state == "conflict":
            failed += 1
            error_line(f"{r.relpath}{f':{r.line}' if r.line else ''}: {r.note}")
        else:
            verb = "would be " if dry_run and r.state == "resolved" else ""
            echo(f"{term(r.relpath)}: {verb}{r.note}")
    if failed:
        sys.exit(1)
    if not dry_run and any(r.state == "resolved" for r in results):
        echo("Next: 'runbookgen check', then 'git commit' (or 'git rebase --continue').", err=True)
