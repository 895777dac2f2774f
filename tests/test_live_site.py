"""The built site shows runs in progress from unmerged run branches (issue 15), with real git:
a bare remote, run branches pushed by two authors, a fresh ``fetch-depth: 0`` clone, a real
``mkdocs build``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from live_support import ALICE, BOB, RUNBOOK, Team, git
from test_site_support import mkdocs_build, parse_html

BRANCH = f"run/{RUNBOOK}/2026-12-01-v2.4.0"
PAGE = f"runs/{RUNBOOK}/2026-12-01-v2.4.0/index.html"
BADGE = f"badges/runs/{RUNBOOK}/2026-12-01-v2.4.0"
GITHUB = "https://github.com/acme/ops"


def build(repo: Path, env: dict[str, str] | None = None, strict: bool = True) -> Path:
    import os

    old = dict(os.environ)
    try:
        os.environ.update(env or {})
        proc = mkdocs_build(repo, *(["--strict"] if strict else []))
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return repo / "site"


def text_of(html: str) -> str:
    return " ".join(parse_html(html).root.text.split())


def in_progress_rows(site: Path) -> dict[str, str]:
    """Release → the text of its row in the home page's "Runs in progress" table."""
    tree = parse_html((site / "index.html").read_text(encoding="utf-8"))
    (table,) = tree.root.find_all(
        lambda n: n.tag == "table" and "rbg-in-progress" in n.attrs.get("class", "")
    )
    rows = {}
    for tr in table.find_all(lambda n: n.tag == "tr"):
        cells = tr.elements("td")
        if cells:
            rows[" ".join(cells[0].text.split()).split()[0]] = " ".join(tr.text.split())
    return rows


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    t = Team(tmp_path_factory.mktemp("live"))
    run = t.new_run(ALICE, "v2.4.0")
    t.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    t.tick(BOB, BRANCH, run, "All tests passing", "No critical", date="2026-12-01T10:05:00+00:00")
    return t


@pytest.fixture(scope="module")
def live_site(team: Team) -> Path:
    return build(team.ci())


def test_home_page_lists_the_run_in_flight(live_site: Path) -> None:
    rows = in_progress_rows(live_site)
    row = rows["v2.4.0"]
    assert "3/" in row and "Now: Pre-Deployment (24 Hours Before)" in row, "progress and current stage"
    assert "ticked by Bob Brown 2026-12-01 10:05 UTC" in row, "the last tick, who and when"
    assert f"{BRANCH} not merged" in row
    home = (live_site / "index.html").read_text(encoding="utf-8")
    assert f'href="{GITHUB}/tree/{BRANCH}"' in home


def test_run_page_says_in_flight_and_shows_the_branch_ticks(live_site: Path) -> None:
    html = (live_site / PAGE).read_text(encoding="utf-8")
    words = text_of(html)
    assert f"In flight on branch {BRANCH}" in words
    assert "Not yet merged into the main branch, and not reviewed" in words
    assert "Last tick by Bob Brown at 2026-12-01 10:05 UTC" in words
    assert f'class="rbg-inflight-branch" href="{GITHUB}/tree/{BRANCH}"' in html
    # who ticked what, from the branch's commits, by both authors
    tree = parse_html(html)
    items = {
        n.attrs["id"]: " ".join(n.own_text().split())
        for n in tree.root.find_all(lambda n: n.tag == "li" and "rbg-item" in n.attrs.get("class", ""))
    }
    reviewed = next(v for k, v in items.items() if k.endswith("all-code-reviewed-and-approved"))
    passing = next(v for k, v in items.items() if k.endswith("all-tests-passing-unit-integration-e2e"))
    assert "ticked by Alice Adams" in reviewed and "ticked by Bob Brown" in passing


def test_open_items_link_to_their_line_on_the_branch(live_site: Path, team: Team) -> None:
    html = (live_site / PAGE).read_text(encoding="utf-8")
    run_file = f"runs/{RUNBOOK}/2026-12-01-v2.4.0.md"
    lines = git(team.ci(), "show", f"origin/{BRANCH}:{run_file}").split("\n")
    blob = re.escape(f"{GITHUB}/blob/{BRANCH}/{run_file}")
    links = [int(n) for n in re.findall(rf'<a class="rbg-line" href="{blob}#L(\d+)">', html)]
    open_boxes = {n for n, line in enumerate(lines, 1) if re.match(r"\s*(?:[-*+]|\d+[.)]) \[ \] ", line)}
    assert len(links) == html.count('data-state="open"'), "every open item, and only those"
    assert set(links) <= open_boxes, "each link is the line of an open box on the branch"
    coverage = next(n for n, line in enumerate(lines, 1) if "[ ] Code coverage meets" in line)
    assert coverage in links
    assert f'href="{GITHUB}/edit/{BRANCH}/{run_file}"' in html, "and to the web editor"
    reviewed = next(n for n, line in enumerate(lines, 1) if "[x] All code reviewed" in line)
    assert reviewed not in links, "a ticked item has nothing left to tick"


def test_badges_reflect_the_branch(live_site: Path) -> None:
    m = re.search(r"3/(\d+) \((\d+)%\)", in_progress_rows(live_site)["v2.4.0"])
    assert m is not None
    percent = f"{round(300 / int(m.group(1)))}%"
    assert m.group(2) + "%" == percent != "0%"
    endpoint = json.loads((live_site / f"{BADGE}.json").read_text())
    assert endpoint["label"] == "run" and endpoint["message"] == percent
    assert f">{percent}<" in (live_site / f"{BADGE}.svg").read_text()


def test_after_merge_shown_once_from_main_with_the_same_history(team: Team, live_site: Path) -> None:
    before = (live_site / PAGE).read_text(encoding="utf-8")
    ticks_before = re.findall(r"(ticked by <b class=\"rbg-who\">[^<]+</b>)", before)
    team.merge(ALICE, BRANCH)
    site = build(team.ci("ci-merged"))
    html = (site / PAGE).read_text(encoding="utf-8")
    assert "rbg-inflight" not in html, "merged: read from main, not in flight"
    assert re.findall(r"(ticked by <b class=\"rbg-who\">[^<]+</b>)", html) == ticks_before
    pages = list((site / "runs" / RUNBOOK).glob("*/index.html"))
    assert len(pages) == 1, "shown once"
    assert "v2.4.0" not in in_progress_rows(site) or "main branch" in in_progress_rows(site)["v2.4.0"]


def test_deleted_branch_disappears_two_releases_show_broken_is_broken(tmp_path: Path) -> None:
    t = Team(tmp_path)
    a = t.new_run(ALICE, "v2.4.0")
    t.new_run(BOB, "v2.5.0", date="2026-12-02")
    c = t.new_run(BOB, "v2.6.0", date="2026-12-03")
    t.tick(BOB, f"run/{RUNBOOK}/2026-12-03-v2.6.0", c, edit="---\nrunbook: [broken\n---\n- [ ] x\n")
    t.tick(ALICE, BRANCH, a, "All code reviewed")
    site = build(t.ci(), strict=False)  # a broken run file is a warning: --strict would fail
    rows = in_progress_rows(site)
    assert {"v2.4.0", "v2.5.0"} <= set(rows), "two run branches of different releases both show"
    assert f"run/{RUNBOOK}/2026-12-02-v2.5.0" in rows["v2.5.0"]
    broken = (site / f"runs/{RUNBOOK}/2026-12-03-v2.6.0/index.html").read_text(encoding="utf-8")
    words = text_of(broken)
    assert "This run record could not be read" in words
    assert f"(on branch run/{RUNBOOK}/2026-12-03-v2.6.0)" in words
    assert f"In flight on branch run/{RUNBOOK}/2026-12-03-v2.6.0" in words
    home = text_of((site / "index.html").read_text(encoding="utf-8"))
    assert f"Broken run files runs/{RUNBOOK}/2026-12-03-v2.6.0.md" in home
    # deleting a branch without merging takes its run off the site
    git(t.clone(ALICE), "push", "-q", "origin", "--delete", f"run/{RUNBOOK}/2026-12-02-v2.5.0")
    site = build(t.ci(), strict=False)
    assert "v2.5.0" not in in_progress_rows(site)
    assert not (site / f"runs/{RUNBOOK}/2026-12-02-v2.5.0/index.html").exists()


OWNED = """\
# Production Deployment

## Pre-Deployment

Owner: @alice

### Code Quality
- [ ] All code reviewed and approved
- [ ] All tests passing @bob

## Deployment

- [ ] Deploy to production @acme/release
"""


def test_pull_request_link_and_owners_on_the_page(tmp_path: Path) -> None:
    t = Team(tmp_path, template=OWNED)
    run = t.new_run(ALICE, "v2.4.0")
    t.tick(BOB, BRANCH, run, "All code reviewed")
    ci = t.ci()
    pulls = tmp_path / "pulls.json"
    pulls.write_text(
        json.dumps(
            [
                {
                    "number": 42,
                    "title": "Run v2.4.0 <script>alert(1)</script>",
                    "headRefName": BRANCH,
                    "url": f"{GITHUB}/pull/42",
                    "state": "OPEN",
                }
            ]
        )
    )
    site = build(ci, {"RUNBOOKGEN_PULL_REQUESTS": str(pulls)})
    html = (site / PAGE).read_text(encoding="utf-8")
    assert f'<a class="rbg-pr" href="{GITHUB}/pull/42">#42 Run v2.4.0 &lt;script&gt;' in html
    assert "<script>alert(1)" not in html
    assert 'ticked by <b class="rbg-who">Bob Brown</b>' in html and "(#42)" in html, (
        "the branch's ticks carry its PR"
    )
    assert f'href="{GITHUB}/pull/42"' in (site / "index.html").read_text(encoding="utf-8")
    tree = parse_html(html)
    owners = {
        " ".join(n.parent.own_text().split()).split(" @")[0]: n.text
        for n in tree.root.find_all(lambda n: "rbg-owners" in n.attrs.get("class", ""))
        if n.parent is not None
    }
    assert owners == {
        "All tests passing": "@bob",
        "Deploy to production": "@acme/release",
    }, "owners next to open items; the ticked one (by @alice's section) shows none"
    # a pull request list that is named but broken: the site still builds, and says why
    pulls.write_text("{oops")
    proc_site = build(ci, {"RUNBOOKGEN_PULL_REQUESTS": str(pulls)})
    assert 'class="rbg-pr"' not in (proc_site / PAGE).read_text(encoding="utf-8")


def test_run_branches_off_shows_main_only(tmp_path: Path) -> None:
    from live_support import MKDOCS

    t = Team(
        tmp_path, mkdocs=MKDOCS.replace("      workers: 1\n", "      workers: 1\n      run_branches: false\n")
    )
    t.new_run(ALICE, "v2.4.0")
    site = build(t.ci())
    assert not (site / PAGE).exists()
    assert "None right now" in text_of(
        (site / "index.html").read_text(encoding="utf-8")
    ) or "No runs yet" in text_of((site / "index.html").read_text(encoding="utf-8"))


def test_diverged_run_is_flagged_on_the_page_and_in_status(tmp_path: Path) -> None:
    """main and the run branch each ticked what the other lacks (dates claim main's is newer):
    the site and ``status --all-branches`` make the same call (history/branches.py) — the
    branch's version, flagged with main's change."""
    from conftest import run_cli
    from runbookgen.project import Project
    from runbookgen.web.options import SiteOptions
    from runbookgen.web.site import Site

    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed")
    team.merge(ALICE, BRANCH)
    team.tick(BOB, "main", run, "Linting passes", date="2099-01-01T00:00:00+00:00")
    team.tick(ALICE, BRANCH, run, "All tests passing", date="2000-01-01T00:00:00+00:00")
    ci = team.ci()
    main_tick = git(ci, "rev-parse", "--short=7", "origin/main").strip()
    site = Site.load(Project.from_root(ci), SiteOptions(), workers=1)
    (entry,) = [r for r in site.runs if r.relpath == run]
    assert entry.branch == BRANCH and entry.diverged == main_tick and entry.diverged_by == "Bob Brown"
    assert entry.done == 2, "the branch's ticks: code reviewed and tests passing, not main's linting"
    text = text_of(entry.body)
    assert "diverged The main branch changed this run" in text and main_tick in text
    assert "newer than the version on the main branch" not in text
    res = run_cli("status", "--all-branches", cwd=ci, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert f"diverged: main changed this run (commit {main_tick} by Bob Brown)" in res.stdout
    data = json.loads(run_cli("status", "-a", "--format", "json", cwd=ci).stdout)
    (got,) = data
    assert got["done"] == 2 and got["branch"]["diverged"] is True
    assert got["branch"]["main_change"]["author"] == "Bob Brown"
    # and the home page's "Runs in progress" row says so too
    row = in_progress_rows(build(ci, strict=False))["v2.4.0"]
    assert "not merged diverged" in row, row
