"""``runbookgen history``: who ticked what, and when, from git."""

from __future__ import annotations

from typing import Any

import click

from runbookgen.cli.common import RUNS

EPILOG = """\b
JSON output: a list with one object per run:
  {"path", "available", "reason", "uncommitted", "incomplete", "events": [...]}
each event:
  {"item": item id ("" for status), "text": item text, "section": section title,
   "kind": ticked|unticked|skipped|unskipped|filled|cleared|status,
   "field"/"value": for filled, cleared and status (value: reason for skipped),
   "commit", "author", "email", "time" (author date, ISO 8601 with offset),
   "committer", "committer_email", "commit_time", "subject", "pr" (number or null),
   "path" (the file's path in that commit), "line"}
"""


@click.command("history", epilog=EPILOG)
@RUNS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a readable timeline; json: every event (see below).",
)
@click.option("--no-cache", is_flag=True, help="Recompute instead of using .cache/runbookgen/.")
def history_cmd(runs: tuple[str, ...], fmt: str, no_cache: bool) -> None:
    """Show who ticked, unticked, skipped or signed each item of a run, and when.

    Reads git history: every tick arrives in a commit, with its author, time and pull
    request number (from "Merge pull request #12" or a squash title ending "(#12)").
    Without RUNS, shows every run record. A shallow clone gives a warning and what it
    has; outside a git repository (or before its first commit) it is an error.

    \b
    Examples:
      runbookgen history runs/production-deployment/2026-12-01-v2.4.0.md
      runbookgen history --format json runs/production-deployment/*.md | jq '.[].events[]'
      runbookgen history --format json RUN | jq '.[0].events[] | select(.kind=="ticked") | .author'
    """
    from runbookgen.cli.common import echo, to_json, warn
    from runbookgen.cli.common import project as find_project
    from runbookgen.errors import RunbookgenError
    from runbookgen.history import item_labels
    from runbookgen.records.record import load_run

    proj = find_project(*runs)
    # named runs are parsed (a bad path is a one-line error); for all runs, one parse per
    # runbook template gives the same item ids and texts
    labelled: list[tuple[str, dict[str, tuple[str, str]]]] = []
    if runs:
        for r in runs:
            record = load_run(proj.inside(r, "run record"), proj)
            labelled.append((record.relpath, item_labels(record.model)))
    else:
        for f in proj.run_files():
            labelled.append((proj.rel(f), _template_labels(proj, f)))
    history = _load_with_bar(proj, no_cache)
    if not history.available:  # nothing to show: say why, as an error (exit 1)
        raise RunbookgenError(
            f"history unavailable: {history.reason} (history comes from the "
            "commits of the repository that holds the run records)"
        )
    for message in history.warnings:
        warn(message)
    out = [_run_dict(rel, labels, history.for_run(rel)) for rel, labels in labelled]
    if fmt == "json":
        echo(to_json(out))
        return
    for n, run in enumerate(out):
        if n:
            echo("")
        _print_text(run)


def _load_with_bar(proj: Any, no_cache: bool) -> Any:
    """Load history; on a terminal, count commits on stderr while it takes a while.

    A counter rather than a bar: the number of commits is unknown until git has walked
    them, and asking first would cost a second walk.
    """
    import sys

    from runbookgen.history import load_history

    if not sys.stderr.isatty():
        return load_history(proj, use_cache=not no_cache)
    shown = [False]

    def tick(n: int) -> None:
        if n % 500 == 0:
            click.echo(f"\rReading git history: {n} commits", nl=False, err=True)
            shown[0] = True

    try:
        return load_history(proj, use_cache=not no_cache, progress=tick)
    finally:
        if shown[0]:
            click.echo("\r\033[K" if sys.stderr.isatty() else "", nl=False, err=True)


def _template_labels(proj: Any, path: Any) -> dict[str, tuple[str, str]]:
    from runbookgen.errors import RunbookgenError
    from runbookgen.history import item_labels, runbook_of

    name = runbook_of(path)
    try:
        template = proj.template(name) if name else None
    except RunbookgenError:
        template = None
    return item_labels(template) if template is not None else {}


def _run_dict(relpath: str, where: dict[str, tuple[str, str]], rh: Any) -> dict[str, Any]:
    events = []
    for ev in rh.events:
        d = ev.to_dict()
        text, section = where.get(ev.item, ("", ""))
        events.append({"item": d.pop("item"), "text": text, "section": section, **d})
    return {
        "path": relpath,
        "available": rh.available,
        "reason": rh.reason,
        "uncommitted": rh.uncommitted,
        "incomplete": rh.incomplete,
        "events": events,
    }


def _print_text(run: dict[str, Any]) -> None:
    """One line per event in aligned columns: time, author, what happened, commit.

    Every value from git or the run file is escaped (cli/common.term): author names,
    commit data and item texts are anyone's to choose."""
    from runbookgen.cli.common import echo, style, term
    from runbookgen.text import shorten

    echo(style(term(run["path"]), bold=True))
    if not run["available"]:
        echo(f"  history unavailable: {term(run['reason'])}")
        return
    if run["incomplete"]:
        echo("  (shallow clone: older events are missing)")
    if not run["events"]:
        echo("  no ticks recorded yet")
    authors = [shorten(term(ev["author"]), 24) for ev in run["events"]]
    author_width = max((len(a) for a in authors), default=0)
    kind_width = max((len(ev["kind"]) for ev in run["events"]), default=0)
    for ev, author in zip(run["events"], authors, strict=True):
        when = ev["time"][:16].replace("T", " ")
        pr = f" #{ev['pr']}" if ev["pr"] is not None else ""
        kind = style(ev["kind"].ljust(kind_width), fg=_COLOURS.get(ev["kind"]))
        echo(f"  {when}  {author.ljust(author_width)}  {kind}  {_describe(ev)}  ({ev['commit'][:7]}{pr})")
    if run["uncommitted"]:
        echo("  (the file has uncommitted changes, not shown)")


_COLOURS = {
    "ticked": "green",
    "unticked": "red",
    "skipped": "yellow",
    "unskipped": "yellow",
    "filled": "cyan",
    "cleared": "red",
    "status": "magenta",
}


def _describe(ev: dict[str, Any]) -> str:
    from runbookgen.cli.common import term
    from runbookgen.text import shorten

    text = shorten(str(ev["text"]).strip() or ev["item"], 60)
    value = term(" ".join(str(ev.get("value") or "").split()))
    if ev["kind"] == "status":
        return f"status → {value}"
    where = term(f"{ev['section']} › {text}")
    if ev["kind"] in ("filled", "cleared"):
        return f"{term(ev['field'])} = '{value}' in {where}"
    reason = f" (n/a: {value})" if ev["kind"] == "skipped" and value else ""
    return f"{where}{reason}"
