"""``runbookgen status --all-branches`` / ``--mine`` / ``--owner`` with real git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from live_support import ALICE, BOB, RUNBOOK, Team, git

BRANCH = f"run/{RUNBOOK}/2026-12-01-v2.4.0"
OWNED = """\
# Production Deployment

## Pre-Deployment

Owner: @alice

### Code Quality
- [ ] All code reviewed and approved
- [ ] All tests passing @bob

### Database
- [ ] Database backup created and verified @acme/dba

## Deployment

Owners: @bob

- [ ] Deploy to production
- [ ] Smoke tests pass
"""


def test_all_branches_shows_the_branch_state(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(BOB, BRANCH, run, "All code reviewed", date="2026-12-01T10:05:00+00:00")
    ci = team.ci()
    plain = run_cli("status", cwd=ci)
    assert plain.returncode == 0 and "No run records" in plain.stdout
    res = run_cli("status", "--all-branches", cwd=ci, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert f"in flight on branch origin/{BRANCH} (not merged, not reviewed)" in res.stdout
    assert "last change by Bob Brown at 2026-12-01 10:05 +0000" in res.stdout
    assert "1/" in res.stdout
    data = json.loads(run_cli("status", "-a", "--format", "json", cwd=ci).stdout)
    (entry,) = data
    assert entry["path"] == run and entry["done"] == 1
    assert entry["branch"]["name"] == BRANCH and entry["branch"]["last_change"]["author"] == "Bob Brown"


def test_broken_branch_file_is_an_error_line(tmp_path: Path) -> None:
    team = Team(tmp_path)
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(BOB, BRANCH, run, edit="---\nrunbook: [unclosed\n---\n- [ ] x\n")
    res = run_cli("status", "--all-branches", cwd=team.ci())
    assert res.returncode == 1
    (line,) = [ln for ln in res.stderr.splitlines() if ln.startswith("Error:")]
    assert run in line and f"(on branch {BRANCH})" in line
    assert "Traceback" not in res.stderr


def test_mine_lists_my_open_items_across_branches(tmp_path: Path) -> None:
    team = Team(tmp_path, template=OWNED)
    a = team.new_run(ALICE, "v2.4.0")
    b = team.new_run(ALICE, "v2.5.0", date="2026-12-02")
    team.tick(BOB, BRANCH, a, "All tests passing")
    ci = team.ci()
    git(ci, "config", "github.user", "bob")
    res = run_cli("status", "--mine", cwd=ci, env={"NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert "Open items for bob (git config github.user): 5 in 2 runs in progress" in res.stdout
    assert f"{a}  on branch {BRANCH}" in res.stdout
    mine = json.loads(run_cli("status", "--mine", "--format", "json", cwd=ci).stdout)
    texts = {d["path"]: [i["text"] for i in d["items"]] for d in mine}
    # ticked by Bob on the branch: no longer open there; still open on the other run
    assert texts[a] == ["Deploy to production", "Smoke tests pass"]
    assert texts[b] == ["All tests passing @bob", "Deploy to production", "Smoke tests pass"]
    assert all(d["branch"]["name"].startswith(f"run/{RUNBOOK}/") for d in mine)
    data = json.loads(run_cli("status", "--owner", "@acme/dba", "--format", "json", cwd=ci).stdout)
    assert sorted(d["path"] for d in data) == sorted([a, b])
    assert all([i["owners"] for i in d["items"]] == [["@acme/dba"]] for d in data)


def test_mine_without_an_identity_says_how(tmp_path: Path) -> None:
    team = Team(tmp_path, template=OWNED)
    team.new_run(ALICE, "v2.4.0")
    ci = team.ci()
    res = run_cli(
        "status", "--mine", cwd=ci, env={"GIT_CONFIG_GLOBAL": str(tmp_path / "none"), "HOME": str(tmp_path)}
    )
    assert res.returncode == 2 and "git config github.user" in res.stderr


def test_naming_runs_with_all_branches_is_a_usage_error(tmp_path: Path) -> None:
    team = Team(tmp_path)
    res = run_cli("status", "--all-branches", "runs/x.md", cwd=team.ci())
    assert res.returncode == 2 and "name no RUN files" in res.stderr


@pytest.mark.parametrize(
    ("site_url", "remote", "expected"),
    [
        ("https://runbooks.acme.dev/ops", None, "https://runbooks.acme.dev/ops/"),
        ("", "git@github.com:Acme/ops.git", "https://acme.github.io/ops/"),
        ("", "https://github.com/acme/ops", "https://acme.github.io/ops/"),
        ("", "https://token@github.com/acme/acme.github.io.git", "https://acme.github.io/"),
        ("", "/srv/git/ops.git", None),
        ("", "https://gitlab.com/acme/ops.git", None),
    ],
)
def test_pages_url(site_url: str, remote: str | None, expected: str | None) -> None:
    from runbookgen.web.links import pages_url

    assert pages_url(site_url, remote) == expected


def test_badge_markdown_points_at_the_runs_badge_and_page() -> None:
    from runbookgen.web.links import run_badge_markdown

    md = run_badge_markdown(
        "https://acme.github.io/ops/", "runs", "badges", f"{RUNBOOK}/2026-12-01-v2.4.0.md", "v2.4.0 progress"
    )
    assert md == (
        f"[![v2.4.0 progress](https://acme.github.io/ops/badges/runs/{RUNBOOK}/2026-12-01-v2.4.0.svg)]"
        f"(https://acme.github.io/ops/runs/{RUNBOOK}/2026-12-01-v2.4.0/)"
    )


def test_new_run_push_prints_the_badge_snippet(tmp_path: Path) -> None:
    from live_support import MKDOCS

    team = Team(tmp_path, mkdocs="site_url: https://acme.github.io/ops/\n" + MKDOCS)
    repo = team.clone(ALICE)
    res = run_cli("new-run", RUNBOOK, "-r", "v2.4.0", "-d", "2026-12-01", "-l", "@alice", "--push", cwd=repo)
    assert res.returncode == 0, res.stderr
    snippet = (
        f"[![v2.4.0 progress](https://acme.github.io/ops/badges/runs/{RUNBOOK}/2026-12-01-v2.4.0.svg)]"
        f"(https://acme.github.io/ops/runs/{RUNBOOK}/2026-12-01-v2.4.0/)"
    )
    assert (
        f"Progress badge for the pull request description (it follows the branch):\n  {snippet}\n"
        in res.stdout
    )
    # without a site address: no snippet, and how to get one
    (tmp_path / "other").mkdir()
    other = Team(tmp_path / "other")
    res = run_cli("new-run", RUNBOOK, "-r", "v2.4.0", "--push", cwd=other.clone(BOB))
    assert res.returncode == 0 and "Set site_url in mkdocs.yml" in res.stdout
