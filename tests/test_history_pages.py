"""Sign-offs and findings on the run page, from a real build of a repository with real
signing keys (see tests/test_signoffs.py), and the findings panel in a real browser.

The run page shows each sign-off's state — verified (with the signer and key), author
matches (unverified), mismatch, stale — and a findings panel with every error and warning
``runbookgen check`` reports for that run. "ticked by" stays; ticks whose commit signature
vouches for their author get a "verified" marker (``verify_ticks``); nothing unverified is
called verified. Durations are said only where measured.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import ARGS, CHROMIUM, OFFLINE_YML, Watch, require_browser, serve
from conftest import run_cli
from test_signoffs import (  # noqa: F401  (keys: the module-scoped signing keys fixture)
    ALICE,
    BOB,
    DAN,
    JANE,
    MALLORY,
    RUN,
    SIGNERS,
    Keys,
    Repo,
    keys,
    tick,
)
from test_site_support import MKDOCS_YML, mkdocs_build, parse_html

URL = "runs/production-deployment/2026-12-01-v2.4.0"
OPTIONS = """\
      signoffs:
        require: verified
        allowed_signers: .github/allowed_signers
        gpg_keys: .github/signing-keys.asc
        verify_ticks: true
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:  # noqa: F811
    r = Repo(tmp_path_factory.mktemp("pages") / "repo", keys, SIGNERS + OPTIONS)
    offline = MKDOCS_YML.replace("repo_url: https://github.com/example/ops\n", "")
    (r.root / "mkdocs.yml").write_text(
        offline.replace("  - runbookgen\n", "  - runbookgen:\n" + SIGNERS + OPTIONS), encoding="utf-8"
    )
    (r.root / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    r.commit("Site configuration", ALICE, "08:30")
    r.edit(tick("Staging deployment successful"), tick("QA testing completed on staging"))
    r.commit("Staging", ALICE, "08:50")  # one commit for the section: no measured duration
    r.edit(tick("All code reviewed and approved"), tick("Linting passes with no errors"))
    r.commit("Reviewed", JANE, "09:00", sign="jane")  # ticks signed by their author
    r.edit(tick("All tests passing (unit, integration, e2e)"))
    r.commit("Tests pass", ALICE, "09:05")  # unsigned
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:10", sign="jane")  # verified
    r.sign("DevOps Lead", "Bob Signer", JANE, "09:20")  # Jane ticks Bob's: unsigned, mismatch
    # the review reopened after the sign-offs: both are stale now
    r.edit(("- [x] All code reviewed and approved", "- [ ] All code reviewed and approved"))
    r.commit("Review reopened", MALLORY, "09:30")
    proc = mkdocs_build(r.root)
    assert proc.returncode == 0, proc.stderr
    return r.root


def page(root: Path) -> str:
    return (root / "site" / URL / "index.html").read_text(encoding="utf-8")


def words(node: Any) -> str:
    return " ".join(node.text.split())


def test_signoff_states_on_the_run_page(built: Path) -> None:
    tree = parse_html(page(built))
    table = next(n for n in tree.all if "rbg-signoffs" in n.attrs.get("class", ""))
    rows = {
        tr.attrs["data-item"]: tr for tr in table.find_all(lambda n: n.tag == "tr" and "data-item" in n.attrs)
    }
    em = rows["deployment-sign-off/pre-deployment-approval/engineering-manager-date"]
    devops = rows["deployment-sign-off/pre-deployment-approval/devops-lead-date"]
    assert em.attrs["data-state"] == "verified" and "data-stale" in em.attrs
    em_state = words(em.elements("td")[2])
    assert em_state.startswith("verified stale") and "had not seen" in em_state
    assert "signed by jane@example.com (key SHA256:" in em_state  # stale, still says by whom
    assert "ticked by Jane Doe" in words(em.elements("td")[1])
    assert devops.attrs["data-state"] == "mismatch"
    devops_state = words(devops.elements("td")[2])
    assert devops_state.startswith("mismatch stale") and "not verified" in devops_state
    assert "verified" not in devops_state.replace("not verified", "")


def test_findings_panel_lists_what_check_reports(built: Path) -> None:
    tree = parse_html(page(built))
    panel = next(n for n in tree.all if n.tag == "aside" and "rbg-findings" in n.attrs.get("class", ""))
    items = list(panel.find_all(lambda n: n.tag == "li"))
    shown = sorted((li.attrs["data-severity"], li.attrs["data-code"]) for li in items)
    res = run_cli("check", RUN, "--format", "json", cwd=built)
    expected = sorted((f["severity"], f["code"]) for f in json.loads(res.stdout)["findings"])
    assert shown == expected
    assert ("error", "signoff-unverified") in shown and ("error", "signoff-stale") in shown
    assert words(panel).startswith("Findings 3 errors and")


def test_verified_tick_marker_only_where_the_signature_vouches(built: Path) -> None:
    html = page(built)
    tree = parse_html(html)

    def ticks_of(item: str) -> str:
        li = next(n for n in tree.all if n.attrs.get("id") == "i-" + item.replace("/", "--"))
        return words(next(c for c in li.elements("span") if c.attrs.get("class") == "rbg-ticks"))

    cq = "pre-deployment-24-hours-before/code-quality/"
    unsigned = ticks_of(cq + "all-tests-passing-unit-integration-e2e")
    assert unsigned.startswith("ticked by Alice Ops") and "verified" not in unsigned
    signed = ticks_of(cq + "linting-passes-with-no-errors")
    assert signed.startswith("ticked by Jane Doe") and signed.endswith("verified")
    sign = ticks_of("deployment-sign-off/pre-deployment-approval/engineering-manager-date")
    assert sign.startswith("ticked by Jane Doe") and sign.endswith("verified")


def test_no_zero_minute_durations(built: Path) -> None:
    tree = parse_html(page(built))
    text = " ".join(tree.root.text.split())
    assert " 0 min" not in text
    testing = next(
        n for n in tree.all if n.attrs.get("data-section") == "pre-deployment-24-hours-before/testing"
    )
    assert words(testing.elements("td")[3]) == "ticked together in one commit"


@pytest.fixture(scope="module")
def served(built: Path) -> Iterator[str]:
    with serve(built / "site") as url:
        yield url


@pytest.mark.browser
def test_browser_sees_the_findings_panel(served: str) -> None:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            watch = Watch(pg)
            pg.goto(served + URL + "/")
            panel = pg.locator("aside.rbg-findings")
            assert panel.is_visible()
            assert pg.locator("#findings").inner_text() == "Findings"
            unverified = panel.locator("li[data-code=signoff-unverified]")
            assert unverified.count() == 1 and unverified.first.is_visible()
            assert pg.locator("table.rbg-signoffs tr[data-state=verified] .rbg-tag-verified").is_visible()
            assert watch.errors == []
        finally:
            browser.close()


def test_malformed_signers_fail_the_build_with_one_clear_error(tmp_path: Path) -> None:
    from test_site_support import front_matter, make_repo, seed_body, write_run

    yml = MKDOCS_YML.replace(
        "  - runbookgen\n", "  - runbookgen:\n      signers:\n        Engineering Manager: [Jane Doe]\n"
    )
    root = make_repo(tmp_path / "repo", yml)
    write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01"), seed_body())
    proc = mkdocs_build(root)
    assert proc.returncode != 0
    assert "mkdocs.yml: 'signers:' entry 'Engineering Manager': 'Jane Doe' is neither" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------- every state on one page
STATES_URL = URL + "/"
TRUST = """\
      signoffs:
        allowed_signers: .github/allowed_signers
        gpg_keys: .github/signing-keys.asc
"""
ROWS = {
    "deployment-lead": "deployment-sign-off/post-deployment-verification/deployment-lead-date",
    "devops": "deployment-sign-off/pre-deployment-approval/devops-lead-date",
    "qa": "deployment-sign-off/pre-deployment-approval/qa-lead-date",
    "em": "deployment-sign-off/pre-deployment-approval/engineering-manager-date",
}


def states_repo(root: Path, keys: Keys) -> Path:  # noqa: F811
    """A run with a sign-off in each state, built twice: ``site/`` under the default policy
    (a trust store, no ``require``) and ``site-verified/`` under ``require: verified``.

    Deployment Lead: Dan, author matches, stale (the review reopened after it); DevOps Lead:
    a forged author (Bob's name and email typed by whoever committed, unsigned); QA Lead: a
    mismatch (Mallory ticks it); Engineering Manager: verified (Jane's SSH key), not stale."""
    yml = OFFLINE_YML.replace("  - runbookgen:\n", "  - runbookgen:\n" + SIGNERS + TRUST)
    r = Repo(root, keys, SIGNERS + TRUST)
    (r.root / "mkdocs.yml").write_text(yml, encoding="utf-8")
    (r.root / ".gitignore").write_text("site/\nsite-verified/\n.cache/\n", encoding="utf-8")
    r.commit("Site configuration", ALICE, "08:30")
    r.edit(tick("All code reviewed and approved"))
    r.commit("Reviewed", ALICE, "08:40")
    r.sign("Deployment Lead", "Dan Lead", DAN, "08:50")
    r.edit(("- [x] All code reviewed and approved", "- [ ] All code reviewed and approved"))
    r.commit("Review reopened", MALLORY, "09:00")
    r.sign("DevOps Lead", "Bob Signer", BOB, "09:10")  # forged: anyone can type Bob's email
    r.sign("QA Lead", "Quinn", MALLORY, "09:20")
    r.sign("Engineering Manager", "Jane Doe", JANE, "09:30", sign="jane")
    proc = mkdocs_build(r.root)
    assert proc.returncode == 0, proc.stderr
    strict = yml.replace(TRUST, TRUST + "        require: verified\n")
    (r.root / "mkdocs.yml").write_text(strict, encoding="utf-8")
    proc = mkdocs_build(r.root, "-d", "site-verified")
    assert proc.returncode == 0, proc.stderr
    return r.root


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:  # noqa: F811
    return states_repo(tmp_path_factory.mktemp("states") / "repo", keys)


def signoff_rows(html: str) -> dict[str, Any]:
    tree = parse_html(html)
    table = next(n for n in tree.all if "rbg-signoffs" in n.attrs.get("class", ""))
    by_item = {
        tr.attrs["data-item"]: tr for tr in table.find_all(lambda n: n.tag == "tr" and "data-item" in n.attrs)
    }
    return {name: by_item[item] for name, item in ROWS.items()}


def tags(row: Any) -> list[str]:
    return [words(n) for n in row.find_all(lambda n: True) if "rbg-tag" in n.attrs.get("class", "").split()]


def test_forged_author_shows_author_matches_unverified_by_default(states: Path, keys: Keys) -> None:  # noqa: F811
    html = (states / "site" / STATES_URL / "index.html").read_text(encoding="utf-8")
    rows = signoff_rows(html)
    devops = rows["devops"]
    assert devops.attrs["data-state"] == "author-matches" and "data-stale" not in devops.attrs
    assert tags(devops) == ["author matches (unverified)"]
    state = words(devops.elements("td")[2])
    assert "is by Bob Signer <bob@example.com>, an allowed signer (unverified)" in state
    assert "ticked by Bob Signer" in words(devops.elements("td")[1])
    # every state on one page, each with its own tag
    assert tags(rows["deployment-lead"]) == ["author matches (unverified)", "stale"]
    assert tags(rows["qa"]) == ["mismatch"]
    assert tags(rows["em"]) == ["verified"]
    # a verified, current sign-off names its signer and the key (git's SHA256 fingerprint)
    fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(keys.ssh("jane")) + ".pub"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    assert fingerprint.startswith("SHA256:")
    em = words(rows["em"].elements("td")[2])
    assert f"signed by jane@example.com (key {fingerprint})" in em
    assert "ticked by Jane Doe" in words(rows["em"].elements("td")[1])
    # the default policy: warnings only; the forged one has no finding at all
    panel = parse_html(html)
    codes = sorted(
        (n.attrs["data-severity"], n.attrs["data-code"])
        for n in panel.all
        if n.attrs.get("class") == "rbg-finding"
    )
    assert codes == [("warning", "signoff-identity"), ("warning", "signoff-stale")]


def test_forged_author_is_an_error_and_never_verified_under_require_verified(states: Path) -> None:
    html = (states / "site-verified" / STATES_URL / "index.html").read_text(encoding="utf-8")
    rows = signoff_rows(html)
    devops = rows["devops"]
    assert devops.attrs["data-state"] == "author-matches"
    assert tags(devops) == ["author matches (unverified)"]
    finding = next(
        n for n in devops.find_all(lambda n: True) if n.attrs.get("class") == "rbg-signoff-finding"
    )
    assert finding.attrs["data-code"] == "signoff-unverified"
    assert words(finding).startswith("the DevOps Lead sign-off (Bob Signer) is not verified: commit ")
    # nothing in the row calls it verified
    text = words(devops).replace("unverified", "").replace("not verified", "")
    assert "verified" not in text
    assert tags(rows["em"]) == ["verified"]
    # the findings panel lists it as an error, with the run file's line
    tree = parse_html(html)
    errors = [
        n for n in tree.all if n.attrs.get("class") == "rbg-finding" and n.attrs["data-severity"] == "error"
    ]
    unverified = [n for n in errors if n.attrs["data-code"] == "signoff-unverified"]
    assert any("the DevOps Lead sign-off (Bob Signer) is not verified" in words(n) for n in unverified)
    assert len(unverified) == 3  # Dan's, Bob's (forged) and Quinn's; Jane's is verified
