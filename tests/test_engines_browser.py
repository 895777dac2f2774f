"""Run pages stay readable when a portal strips the stylesheet (issue 11, Backstage TechDocs).

Backstage's sanitizer drops ``runbookgen.css``; some portals drop every stylesheet. A real
Chromium (Debian's, through Playwright) loads a run page of the Zensical and the MkDocs
build with ``runbookgen.css`` blocked, and with all stylesheets blocked, and checks that
every progress bar is drawn, that each state can be read from the page, and that with the
stylesheet the fallback is not drawn twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import browser  # noqa: F401 (the shared Chromium fixture)
from engines_support import build, git
from test_site_support import front_matter, make_repo, seed_body, tick, write_run

pytestmark = pytest.mark.browser
RUN = "runs/production-deployment/2026-10-01-v2.0.0/index.html"

# Per progress bar: is something drawn that shows how far it got? Each bar is one native
# <progress> (styled by runbookgen.css, drawn by the browser without it): count the ones
# with a box, and read the value it shows.
BARS = """() => [...document.querySelectorAll('.rbg-bar')].map(bar => {
  const box = el => { const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return (s.display === 'none' || s.visibility === 'hidden') ? null : r; };
  const drawn = [...bar.querySelectorAll('progress, [role=progressbar]')]
    .filter(p => { const r = box(p); return r && r.width > 40 && r.height > 3; });
  const p = bar.querySelector('progress');
  const shown = bar.querySelector('.rbg-bar-value').innerText;  // "12/164 · 7%"
  const now = Number(shown.split('· ')[1].replace('%', ''));
  const value = p ? Math.round(p.value / p.max * 100) : null;
  return {label: bar.innerText.split('\\n')[0], now, native: drawn.length > 0, value, drawn: drawn.length};
})"""

STATES = """() => [...document.querySelectorAll('li.rbg-item')].map(li => {
  const own = li.cloneNode(true); own.querySelectorAll('ul').forEach(u => u.remove());
  const box = li.querySelector('input[type=checkbox]');
  const indicator = li.querySelector('.task-list-indicator');
  const seen = el => { if (!el) return false; const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  return {state: li.dataset.state, text: own.innerText, checked: box ? box.checked : null,
          box: seen(box) || seen(indicator)};
})"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A run with done, open, n/a and triggered items and a chosen outcome."""
    root = make_repo(tmp_path_factory.mktemp("stripped") / "repo")
    body = tick(seed_body(), "All code reviewed and approved", "Error rate exceeds 1%")
    body = body.replace(
        "- [ ] All tests passing (unit, integration, e2e)", "- [x] ~~All tests passing~~ n/a: no code", 1
    )
    body = body.replace("- **Status**: [ ] Success", "- **Status**: [x] Success", 1)
    write_run(root, "2026-10-01-v2.0.0.md", front_matter("v2.0.0", "2026-10-01", status="rolled-back"), body)
    git(root, "init", "-q", "-b", "main")
    return {engine: build(root, engine, f"site-{engine}") for engine in ("mkdocs", "zensical")}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811 (pytest fixture by name)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx.new_page()
    ctx.close()


def load(page: Any, site: Path, blocked: str | None) -> None:
    """Open the run page with stylesheets removed from the HTML, as a sanitizer does."""
    if blocked is not None:
        selector = (
            'link[href*="runbookgen.css"]' if blocked == "runbookgen.css" else "link[rel=stylesheet], style"
        )
        page.add_init_script(
            f"new MutationObserver(() => document.querySelectorAll('{selector}').forEach(e => e.remove()))"
            ".observe(document, {childList: true, subtree: true})"
        )
    page.goto((site / RUN).as_uri())
    sheets = page.evaluate("() => [...document.styleSheets].map(s => s.href || 'inline')")
    assert any("runbookgen.css" in h for h in sheets) == (blocked is None), sheets
    if blocked == "all":
        assert sheets == []


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
@pytest.mark.parametrize("blocked", ["runbookgen.css", "all"])
def test_progress_bars_are_drawn_without_the_stylesheet(
    page: Any, sites: dict[str, Path], engine: str, blocked: str
) -> None:
    load(page, sites[engine], blocked)
    bars = page.evaluate(BARS)
    assert len(bars) > 10
    undrawn = [b for b in bars if not b["native"]]
    assert undrawn == []
    assert all(b["value"] is None or abs(b["value"] - b["now"]) <= 1 for b in bars), bars[:3]


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_with_the_stylesheet_each_bar_is_drawn_once(page: Any, sites: dict[str, Path], engine: str) -> None:
    load(page, sites[engine], None)
    bars = page.evaluate(BARS)
    assert bars and all(b["drawn"] == 1 for b in bars)


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
@pytest.mark.parametrize("blocked", ["runbookgen.css", "all"])
def test_states_are_legible_without_the_stylesheet(
    page: Any, sites: dict[str, Path], engine: str, blocked: str
) -> None:
    load(page, sites[engine], blocked)
    items = page.evaluate(STATES)
    by_state: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_state.setdefault(item["state"], []).append(item)
    assert {"done", "open", "skipped", "triggered", "criterion"} <= by_state.keys()
    for item in by_state["done"]:
        assert item["checked"] and item["box"], item
    for item in by_state["open"]:
        assert item["checked"] is False and item["box"], item
    assert all("n/a" in i["text"] for i in by_state["skipped"])
    assert all("happened" in i["text"] for i in by_state["triggered"])
    chip = page.inner_text(".rbg-summary + * .rbg-chip, .rbg-chip")
    assert chip.strip() == "rolled back"
    chosen = page.evaluate(
        "() => [...document.querySelectorAll('.rbg-choice')].map(c => [c.dataset.selected, c.innerText])"
    )
    assert ["true", "✓ Success"] in [[s, t.strip()] for s, t in chosen]
    assert all(not t.strip().startswith("✓") for s, t in chosen if s != "true")
