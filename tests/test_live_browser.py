"""Runs in progress from run branches, seen in a real browser (Debian's Chromium, Playwright):
the home page lists the in-flight run with its branch and last tick, and one click on an open
item's line link leads to that line of the branch's file on GitHub."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser_support import SCHEMES, Watch, axe, broken_words, browser, serve  # noqa: F401  (the module-scoped Chromium fixture)
from live_support import ALICE, BOB, RUNBOOK, Team
from test_site_support import mkdocs_build

pytestmark = pytest.mark.browser

BRANCH = f"run/{RUNBOOK}/2026-12-01-v2.4.0"
RUN_PAGE = f"runs/{RUNBOOK}/2026-12-01-v2.4.0/"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    team = Team(tmp_path_factory.mktemp("live-browser"))
    run = team.new_run(ALICE, "v2.4.0")
    team.tick(ALICE, BRANCH, run, "All code reviewed", date="2026-12-01T10:00:00+00:00")
    team.tick(BOB, BRANCH, run, "All tests passing", date="2026-12-01T10:05:00+00:00")
    ci = team.ci()
    proc = mkdocs_build(ci)
    assert proc.returncode == 0, proc.stderr

    with serve(ci / "site") as url:
        yield url


def _page(browser: Any, width: int, scheme: str = "light") -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    # repo_url is a GitHub URL: Material asks api.github.com for stars; no network in tests
    page.route("https://api.github.com/**", lambda route: route.abort())
    page.watch = Watch(page)
    return page


@pytest.mark.parametrize("width", [1280, 960, 390, 360])
def test_in_progress_table_breaks_no_word_and_fits(browser: Any, base_url: str, width: int) -> None:  # noqa: F811
    page = _page(browser, width)
    page.goto(base_url)
    assert page.locator("table.rbg-in-progress td").count() >= 4
    assert broken_words(page, "table.rbg-in-progress :is(th, td)") == []
    # the table fits its column: nothing to scroll sideways, at any width
    wrap = page.locator(".md-typeset__scrollwrap:has(table.rbg-in-progress)")
    assert wrap.evaluate("w => w.scrollWidth - w.clientWidth") <= 1
    page.context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_home_page_shows_the_run_in_flight(browser: Any, base_url: str, width: int) -> None:  # noqa: F811
    page = _page(browser, width)
    page.goto(base_url)
    row = page.locator("table.rbg-in-progress tr[data-in-flight='true']")
    assert row.count() == 1
    row.scroll_into_view_if_needed()
    assert row.is_visible()
    text = " ".join(row.inner_text().split())
    assert "v2.4.0" in text and BRANCH in text and "not merged" in text
    assert "ticked by Bob Brown" in text and "2026-12-01 10:05 UTC" in text
    link = row.locator("a.rbg-inflight-branch")
    assert link.get_attribute("href") == f"https://github.com/acme/ops/tree/{BRANCH}"
    # the page itself never scrolls sideways (the table scrolls inside its box)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    # to the run page, which says where the run is
    row.locator("td").first.locator("a").click()
    page.wait_for_url(f"**/{RUN_PAGE}")
    banner = page.locator(".rbg-inflight")
    assert banner.is_visible() and BRANCH in banner.inner_text()
    errors = [e for e in page.watch.errors if "api.github.com" not in e and "ERR_FAILED" not in e]
    assert errors == [] and page.watch.dialogs == []
    page.context.close()


def test_one_click_from_an_open_item_to_its_line(browser: Any, base_url: str) -> None:  # noqa: F811
    page = _page(browser, 1280)
    requested: list[str] = []

    def github(route: Any) -> None:  # stands in for github.com: record where the click went
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>GitHub</title>ok")

    page.route("https://github.com/**", github)
    page.goto(base_url + RUN_PAGE)
    item = page.locator("li.rbg-item[data-state='open']").first
    line = item.locator("a.rbg-line")
    href = line.get_attribute("href")
    assert href is not None and href.startswith(
        f"https://github.com/acme/ops/blob/{BRANCH}/runs/{RUNBOOK}/2026-12-01-v2.4.0.md#L"
    )
    line.click()
    page.wait_for_url("https://github.com/**")
    assert requested and requested[-1].startswith(f"https://github.com/acme/ops/blob/{BRANCH}/")
    assert page.url == href
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", [390, 1280])
def test_live_parts_have_no_accessibility_violations(
    browser: Any,  # noqa: F811
    base_url: str,
    width: int,
    scheme: str,
) -> None:
    """axe-core (WCAG 2 A/AA) on the home page's runs in progress and an in-flight run page
    (banner, owners, line links), light and dark."""
    page = _page(browser, width, scheme)
    found = {}
    for name, url in {"home": "", "in-flight run": RUN_PAGE}.items():
        page.goto(base_url + url)
        page.wait_for_load_state("load")
        found[name] = axe(page)
    assert found == {"home": [], "in-flight run": []}
    page.context.close()
