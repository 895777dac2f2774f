"""Sign-offs and findings on the run page, from a real build of a repository with real
signing keys (see tests/test_signoffs.py), and the findings panel in a real browser.

The run page shows each sign-off's state — verified (with the signer and key), author
matches (unverified), mismatch, stale — and a findings panel with every error and warning
``runbookgen check`` reports for that run. "ticked by" stays; ticks whose commit signature
vouches for their author get a "verified" marker (``verify_ticks``); nothing unverified is
called verified. Durations are said only where measured.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from browser_support import ARGS, CHROMIUM, Watch
from browser_support import unavailable as _unavailable
from conftest import run_cli
from test_signoffs import ALICE, JANE, MALLORY, RUN, SIGNERS, Keys, Repo, keys, tick  # noqa: F401
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
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_browser_sees_the_findings_panel(served: str) -> None:
    import os

    reason = _unavailable()
    if reason:
        if os.environ.get("RUNBOOKGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here (RUNBOOKGEN_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(reason)
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
