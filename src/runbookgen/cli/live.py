"""``status --all-branches``, ``--mine`` and ``--owner``: runs in progress on run branches.

The options belong to ``status`` (cli/runs.py), which hands over to this module; the reading
is the site's own (history/branches.py), so the terminal and the site agree on what is in
flight. Everything printed that came from git or a run file goes through ``term`` (cli/common.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from runbookgen.cli.common import echo, error_line, project, style, term, to_json, warn


def whoami(root: Path) -> tuple[list[str], str]:
    """Who ``--mine`` means, and where that came from: ``git config github.user``, else the
    login in a GitHub noreply address (``123+login@users.noreply.github.com``), else
    ``user.name``."""
    from runbookgen.gitutil import GitError, git

    try:
        out = git("config", "--get-regexp", r"^(github\.user|user\.name|user\.email)$", cwd=root, check=False)
    except GitError:
        out = ""
    found: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        found.setdefault(key.lower(), value.strip())
    if found.get("github.user"):
        return [found["github.user"]], "git config github.user"
    email = found.get("user.email", "")
    if email.endswith("@users.noreply.github.com"):
        login = email.split("@", 1)[0].split("+", 1)[-1]
        if login:
            return [login], "your GitHub noreply address (git config user.email)"
    if found.get("user.name"):
        return [found["user.name"]], "git config user.name"
    return [], ""


def status_live(
    runs: Sequence[str],
    fmt: str,
    mine: bool,
    owners: Sequence[str],
    show: Callable[[Any, Any], None],
    as_json: Callable[[Any, Any], dict[str, Any]],
) -> None:
    """Every run, in-flight ones from their branches (``--all-branches``), or with ``mine`` /
    ``owners`` the open items of those people across runs in progress."""
    from runbookgen.history.branches import load_live_runs, read_in_flight
    from runbookgen.records.progress import compute

    if runs:
        raise click.UsageError("--all-branches, --mine and --owner read every run; name no RUN files")
    proj = project()
    inflight = read_in_flight(proj)
    if not inflight.available:
        warn(f"runs on branches are not read: {inflight.reason}")
    for message in inflight.warnings:
        warn(message)
    live = load_live_runs(proj, inflight)
    if mine or owners:
        _owned(proj, live, fmt, mine, owners)
        return
    out: list[dict[str, Any]] = []
    errors = 0
    for lr in live:
        if lr.record is None:
            errors += 1
            where = f" (on branch {lr.live.branch.name})" if lr.live else ""
            error_line((lr.error or lr.relpath) + where)
            continue
        prog = compute(lr.record.model, lr.record.status)
        if fmt == "json":
            entry = as_json(lr.record, prog)
            entry["branch"] = _branch_json(lr.live)
            out.append(entry)
            continue
        show(lr.record, prog)
        if lr.live is not None:
            echo(_branch_line(lr.live))
            echo("")
    if fmt == "json":
        echo(to_json(out))
    elif not live:
        echo(f"No run records in {proj.runs_dir}/ or on run branches yet.")
    if errors:
        sys.exit(1)


def _branch_json(run: Any) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "name": run.branch.name,
        "ref": run.branch.ref,
        "commit": run.branch.sha,
        "merged": False,
        "on_main": run.on_main,
        "last_change": _change_json(run.last),
        "diverged": run.diverged,
        "main_change": _change_json(run.main_change) if run.main_change else None,
        "other_branches": list(run.others),
        "rival_branches": list(run.rivals),
    }


def _change_json(change: Any) -> dict[str, Any]:
    return {
        "commit": change.sha,
        "author": change.author,
        "email": change.email,
        "time": change.time.isoformat(),
    }


def _branch_line(run: Any) -> str:
    """Where an in-flight run comes from, and what history/branches.py could not order."""
    where = f"{run.branch.remote}/" if run.branch.remote else ""
    when = run.last.time.strftime("%Y-%m-%d %H:%M %z")
    lines = [
        style("  in flight", fg="cyan", bold=True)
        + (
            f" on branch {term(where + run.branch.name)} (not merged, not reviewed); "
            f"last change by {term(run.last.author)} at {when}"
        )
    ]
    if run.diverged:
        by = (
            f" (commit {run.main_change.sha[:7]} by {term(run.main_change.author)})"
            if run.main_change
            else ""
        )
        lines.append(
            style("  diverged:", fg="yellow", bold=True) + f" main changed this run{by} and the branch "
            "has not got that change; shown as the branch has it. Merge main into the branch to combine them."
        )
    if run.rivals:
        lines.append(
            style("  also changed", fg="yellow", bold=True)
            + f" on {term(', '.join(run.rivals))}, differently (not shown)"
        )
    return "\n".join(lines)


def _owned(proj: Any, live: list[Any], fmt: str, mine: bool, owners: Sequence[str]) -> None:
    from runbookgen.records.owners import is_owner, item_owners, open_items
    from runbookgen.records.schema import is_finished

    who = [o.strip() for o in owners if o.strip()]
    source = "--owner"
    if mine:
        names, source = whoami(proj.root)
        if not names:
            raise click.UsageError(
                "who are you? set 'git config github.user LOGIN' (your GitHub login) or pass --owner @LOGIN"
            )
        who += names
    found: list[dict[str, Any]] = []
    for lr in live:
        rec = lr.record
        if rec is None or is_finished(rec.status):
            continue
        owned = item_owners(rec.model, rec.template)
        items = []
        for sec, item in open_items(rec.model, rec.status):
            named = owned.get(item.id, ())
            if named and is_owner(named, who):
                items.append((sec, item, named))
        if items:
            found.append({"run": lr, "items": items})
    if fmt == "json":
        echo(
            to_json(
                [
                    {
                        "path": f["run"].relpath,
                        "release": f["run"].record.release,
                        "branch": _branch_json(f["run"].live),
                        "items": [
                            {
                                "id": i.id,
                                "text": i.text,
                                "line": i.line,
                                "section": s.title,
                                "owners": list(n),
                            }
                            for s, i, n in f["items"]
                        ],
                    }
                    for f in found
                ]
            )
        )
        return
    label = ", ".join(term(w) for w in who)
    count = sum(len(f["items"]) for f in found)
    echo(
        style(f"Open items for {label}", bold=True)
        + (f" ({source})" if mine else "")
        + f": {count} in {len(found)} run{'s' * (len(found) != 1)} in progress"
    )
    for f in found:
        lr = f["run"]
        rec = lr.record
        echo("")
        head = f"{rec.runbook} {rec.release}".strip()
        where = f"  on branch {term(lr.live.branch.name)}" if lr.live else ""
        echo(style(term(head), bold=True) + f"  {term(lr.relpath)}{where}")
        for sec, item, names in f["items"]:
            echo(
                f"  line {item.line:<5} {term(sec.title)}: {term(item.text.splitlines()[0])}  "
                + style(term(", ".join(names)), dim=True)
            )
    if not found:
        echo(
            "Nothing open is yours. Owners are named with @login in an item, "
            "or 'Owner: @login' under a heading."
        )


def badge_snippet(proj: Any, relpath: str, remote_url: str | None, label: str) -> str | None:
    """The pull request description's progress badge for a new run (``new-run --push``),
    or None when the site's address is unknown (no ``site_url``, not a GitHub remote)."""
    from runbookgen.project import read_mkdocs_config
    from runbookgen.web.links import pages_url, run_badge_markdown

    try:
        config = read_mkdocs_config(proj.root)
    except Exception:  # an unreadable mkdocs.yml only costs the snippet; the run is made
        config = {}
    site = pages_url(str(config.get("site_url") or ""), remote_url)
    if site is None:
        return None
    in_runs = Path(proj.root, relpath).relative_to(proj.runs_path).as_posix()
    return run_badge_markdown(
        site,
        str(proj.settings.get("runs_url") or "runs"),
        str(proj.settings.get("badges_dir") or "badges"),
        in_runs,
        label,
        config.get("use_directory_urls") is not False,
    )
