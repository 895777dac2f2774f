"""The built site in a real browser: Debian's Chromium driven by Playwright for Python.

No browser is downloaded: the tests use ``/usr/bin/chromium`` (``.ci/run`` installs the
Debian package). Without it they skip with the reason — unless
``RUNBOOKGEN_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where a missing browser fails.
Every page is also checked at 360, 390, 768 and 1280 px in the light and the dark scheme
(no sideways scrolling, bars visible, no console errors) with a screenshot of each kept
under ``artifacts/screenshots/`` (the tests workflow uploads ``artifacts/``), and with
axe-core (npm, installed into ``.cache/npm`` by ``.ci/run``) for WCAG 2 A/AA violations —
these also visit a run page with a sign-off in every state and its findings panel (built
from real signed commits by tests/test_history_pages.py). Shared pieces: browser_support.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import (  # noqa: F401  (browser: the module-scoped Chromium fixture)
    ARTIFACTS,
    OFFLINE_YML,
    SCHEMES,
    SHOTS,
    WIDTHS,
    Watch,
    axe,
    broken_words,
    browser,
    serve,
)
from test_history_pages import STATES_URL, states  # noqa: F401  (a run with every sign-off state)
from test_signoffs import keys  # noqa: F401  (the signing keys states needs)
from test_site_support import (
    ROOT,
    front_matter,
    make_repo,
    mkdocs_build,
    seed_body,
    tick,
    write_run,
)
from test_xss import GIT_PAYLOADS, PAYLOADS, git_payload_repo, payload_run

pytestmark = pytest.mark.browser

RUN = "runs/production-deployment/2026-12-01-v2.4.0/"
GIT_RUN = "runs/production-deployment/2026-12-01-v9/"  # ticked in commits by payload authors
PAGES = {"home": "", "runbook": "production-deployment/", "run": GIT_RUN, "history": "history/"}
# a run page with sign-offs in every state (verified, author matches, mismatch, stale) and the
# findings panel: warnings under the default policy, errors under ``require: verified``
SIGNOFF_PAGES = {"signoffs": "site/" + STATES_URL, "signoffs-verified": "site-verified/" + STATES_URL}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = make_repo(tmp_path_factory.mktemp("browser") / "repo", OFFLINE_YML)
    body = tick(
        seed_body(),
        "All code reviewed and approved",
        "All tests passing (unit, integration, e2e)",
        "Error rate < 0.1%",
    )
    write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01", lead="'@alice'"), body)
    done = tick(seed_body(), "Linting passes with no errors")
    write_run(
        root,
        "2026-11-01-v2.3.0.md",
        front_matter("v2.3.0", "2026-11-01", status="success", lead="'@bob'"),
        done,
    )
    for n, p in enumerate(PAYLOADS, 1):
        name, text = payload_run(n, p)
        (root / "runs" / "production-deployment" / name).write_text(text, encoding="utf-8")
    git_payload_repo(root)  # a git repository: run pages get their timeline
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr

    with serve(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def urls(base_url: str, states: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    """Every page the screen and accessibility tests visit, by name."""
    with serve(states) as signoffs:
        yield {
            **{name: base_url + url for name, url in PAGES.items()},
            **{name: signoffs + url for name, url in SIGNOFF_PAGES.items()},
        }


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.watch = Watch(pg)
    yield pg
    context.close()


def search(page: Any, query: str, result: str) -> Any:
    """Type into Material's search box until a matching result shows.

    The search worker loads the index asynchronously; keystrokes typed before it is ready
    are not searched again, so the query is retyped a few times.
    """
    box = page.locator("input.md-search__input")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    for _ in range(6):
        box.fill("")
        box.press_sequentially(query, delay=40)
        hit = page.locator(result).first
        try:
            hit.wait_for(timeout=3000)
            return hit
        except Exception:  # not ready yet: retype
            continue
    raise AssertionError(f"no search result {result!r} for {query!r}")


def test_run_page_progress_badge_and_screenshot(page: Any, base_url: str) -> None:
    page.goto(base_url + RUN)
    bar = page.locator(".rbg-bar-main progress")
    assert bar.get_attribute("value") == "1.8"  # 3 of 164 (optional items left open counted apart)
    assert bar.evaluate("e => e.position") == pytest.approx(0.018)  # what assistive technology reads
    assert bar.bounding_box()["width"] > 100
    badge = page.locator("img.rbg-badge").first
    badge.wait_for()
    assert badge.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("li[data-state=done]").count() == 3
    edit = page.locator("a", has_text="Edit the run file").get_attribute("href")
    assert edit == "https://github.com/example/ops/edit/main/runs/production-deployment/2026-12-01-v2.4.0.md"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "run-page.png"), full_page=False)
    assert page.watch.errors == []


def test_checkboxes_are_named_by_their_item(page: Any, base_url: str) -> None:
    """A screen reader says "All code reviewed and approved, checkbox, checked"."""
    page.goto(base_url + RUN)
    done = page.get_by_role("checkbox", name="All code reviewed and approved", exact=True)
    assert done.count() == 1 and done.is_checked()
    still = page.get_by_role("checkbox", name="Linting passes with no errors", exact=True)
    assert still.count() == 1 and not still.is_checked()
    boxes = page.locator("li.rbg-item > label > input[type=checkbox]")
    names = boxes.evaluate_all("els => els.map(e => e.labels[0].textContent.trim())")
    assert len(names) > 200 and all(names)


def test_search_by_release_reaches_the_run_page(page: Any, base_url: str) -> None:
    page.goto(base_url)
    result = search(page, "v2.4.0", f".md-search-result__item a[href*='{RUN}']")
    result.click()
    page.wait_for_url(re.compile(re.escape(RUN)))
    assert "v2.4.0" in page.locator("h1").first.inner_text()
    page.goto(base_url)
    search(page, "@alice", f".md-search-result__item a[href*='{RUN}']")  # by lead
    assert page.watch.errors == []


def test_history_page_sorts_and_draws_chart(page: Any, base_url: str) -> None:
    page.goto(base_url + "history/")
    rows = page.locator("table.rbg-sortable tbody tr")
    assert rows.count() == 3 + len(PAYLOADS)
    assert page.locator("svg.rbg-chart rect").count() >= 1
    header = page.locator("table.rbg-sortable th", has_text="Release")
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    first = rows.first.locator("td").nth(1).inner_text()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert rows.first.locator("td").nth(1).inner_text() != first
    assert page.watch.errors == []


def test_no_dialog_on_payload_pages(page: Any, base_url: str) -> None:
    urls = ["", "history/", "production-deployment/"]
    urls += [f"runs/production-deployment/2026-01-{n:02d}-payload/" for n in range(1, len(PAYLOADS) + 1)]
    urls.append(GIT_RUN)
    for url in urls:
        page.goto(base_url + url)
        page.wait_for_load_state("load")
        page.mouse.move(300, 300)
        page.mouse.move(600, 500)
    page.goto(base_url)
    search(page, "alert", ".md-search-result__item a")
    page.wait_for_timeout(500)
    assert page.watch.dialogs == []
    assert [e for e in page.watch.errors if "alert" in e] == []


def test_timeline_and_ticks_are_visible(page: Any, base_url: str) -> None:
    page.goto(base_url + GIT_RUN)
    timeline = page.locator("aside.rbg-timeline")
    assert timeline.is_visible()
    assert "First tick 2026-12-01 09:01 UTC" in timeline.inner_text()
    ticks = page.locator("li[data-state=done] > .rbg-ticks")
    assert ticks.count() == len(GIT_PAYLOADS)
    first = ticks.first
    assert first.is_visible() and first.bounding_box()["height"] > 0
    assert re.fullmatch(r"ticked by .+ at 2026-12-01 09:01 UTC \(#1\)", first.inner_text().strip())
    time = first.locator("time")
    assert time.get_attribute("datetime") == "2026-12-01T09:01:00+00:00"
    # the script gives the time's link the commit list row as its tooltip (as text)
    link = first.locator("a.rbg-commit")
    title = link.get_attribute("title") or ""
    assert title.startswith("commit ") and "m1@example.com" in title and "(#1)" in title
    link.hover()  # the title shows on hover; nothing may run
    link.click()  # and the link goes to the commit's row
    assert page.evaluate("location.hash") == link.get_attribute("href")
    assert page.locator("table.rbg-commits tr:target").inner_text().count("m1@example.com") == 1
    signed = page.locator("table.rbg-signoffs td").nth(1)
    assert signed.inner_text().startswith("ticked by Mallory")
    assert page.locator("#timeline").is_visible()
    assert page.watch.errors == [] and page.watch.dialogs == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_in_both_schemes(
    browser: Any,  # noqa: F811
    urls: dict[str, str],
    width: int,
    scheme: str,
) -> None:
    """No page is wider than the screen (tables and charts scroll inside their own box),
    progress bars are visible, no word of a table or chip breaks mid-word, badges keep
    their drawn size, the colour scheme follows the system's, nothing logs an error; a
    screenshot of each is kept."""
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        pg = context.new_page()
        watch = Watch(pg)
        SHOTS.mkdir(parents=True, exist_ok=True)
        for name, url in urls.items():
            pg.goto(url)
            pg.wait_for_load_state("load")
            assert pg.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[scheme], name
            wide = pg.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name} at {width}px is {wide}px wide"
            # a run page's overall bar; elsewhere the bar of run v9, or of the first recent run
            # (on the runbook page, the payload runs with absurd dates and names come first)
            bar = pg.locator(
                {
                    "run": ".rbg-bar-main progress",
                    "signoffs": ".rbg-bar-main progress",
                    "signoffs-verified": ".rbg-bar-main progress",
                    "runbook": "table.rbg-runs tbody tr progress",
                }.get(name, "tr:has(a:text-is('v9')) progress")
            )
            assert bar.count() >= 1, name
            box = bar.first.bounding_box()
            assert box is not None and box["width"] >= 40 and box["height"] >= 4, (name, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
            pg.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"))
            assert broken_words(pg) == [], f"{name} at {width}px: {broken_words(pg)}"
            # the 'last run' badge: drawn at its own size, never squeezed
            sizes = pg.locator("img.rbg-badge").evaluate_all(
                "imgs => imgs.map(i => [i.complete, i.width, i.height, i.naturalWidth, i.naturalHeight])"
            )
            assert name == "history" or sizes, name  # home, runbook and run pages have one
            for loaded, shown_w, shown_h, natural_w, natural_h in sizes:
                assert loaded and natural_w > 0 and shown_h >= 20, (name, sizes)
                assert abs(shown_w / shown_h - natural_w / natural_h) < 0.05, (name, sizes)
        assert watch.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_accessibility_violations(browser: Any, urls: dict[str, str], scheme: str) -> None:  # noqa: F811
    """axe-core finds no WCAG 2 A/AA violation on any page at any width, in either scheme —
    including a run page showing every sign-off state tag and the findings panel."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800}, color_scheme=scheme)
    try:
        pg = context.new_page()
        found = {}
        for width in WIDTHS:
            pg.set_viewport_size({"width": width, "height": 800})
            for name, url in urls.items():
                pg.goto(url)
                pg.wait_for_load_state("load")
                if name in SIGNOFF_PAGES:  # what this page is here for is on it
                    shown = pg.locator("table.rbg-signoffs .rbg-tag").evaluate_all(
                        "tags => tags.map(t => t.className.split(' ').pop())"
                    )
                    assert {
                        "rbg-tag-verified",
                        "rbg-tag-unverified",
                        "rbg-tag-mismatch",
                        "rbg-tag-stale",
                    } <= set(shown), shown
                    severity = "error" if name == "signoffs-verified" else "warning"
                    assert pg.locator(f"aside.rbg-findings .rbg-tag-{severity}").count() >= 2, name
                found[f"{name} at {width}px"] = axe(pg)
        assert found == {key: [] for key in found}
    finally:
        context.close()


def test_charts_and_progress_have_text_alternatives(page: Any, base_url: str) -> None:
    page.goto(base_url + GIT_RUN)
    chart = page.get_by_role("img", name="Timeline of stages and sections against their estimates")
    assert chart.count() == 1 and chart.is_visible()
    desc = page.locator("svg.rbg-chart desc").first.text_content() or ""
    assert "stages and sections from 09:01 to 09:15 UTC" in desc
    assert page.locator("table.rbg-phases").is_visible()  # the same numbers as a table
    page.goto(base_url + "history/")
    assert page.get_by_role("img", name="Runs per month by outcome").count() == 1
    page.locator("details.rbg-data summary").click()
    assert page.locator("details.rbg-data table").is_visible()
    bar = page.get_by_role("progressbar").first
    assert re.fullmatch(r"\d+ of \d+ done", bar.get_attribute("aria-label") or "")


@pytest.mark.parametrize(("require", "outcome"), [("", "skipped"), ("1", "error")])
def test_missing_chromium_skips_or_fails_when_required(tmp_path: Path, require: str, outcome: str) -> None:
    """Without Chromium the browser tests skip with the reason — or fail where required (CI)."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "RUNBOOKGEN_CHROMIUM": str(tmp_path / "no-chromium"),
        "RUNBOOKGEN_REQUIRE_BROWSER": require,
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_history_page_sorts_and_draws_chart",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"1 {outcome}" in proc.stdout, proc.stdout[-2000:]
    assert "Chromium not found at" in proc.stdout
