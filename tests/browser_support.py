"""What the browser tests share: Debian's Chromium driven by Playwright for Python, a static
server for a built site, axe-core, and the check that no word of a table or chip is broken.

No browser is downloaded: ``/usr/bin/chromium`` (``.ci/run`` installs the Debian package).
Without it the tests skip with the reason — unless ``RUNBOOKGEN_REQUIRE_BROWSER=1`` (set by
``.ci/run``), where a missing browser fails. axe-core comes from npm into ``.cache/npm``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from test_site_support import MKDOCS_YML, ROOT

CHROMIUM = Path(os.environ.get("RUNBOOKGEN_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "artifacts"
SHOTS = ARTIFACTS / "screenshots"
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 390, 768, 1280)
SCHEMES = {"light": "default", "dark": "slate"}
# Offline: no repo_url (Material would fetch repository facts from api.github.com and log a
# console error without network); edit links come from the plugin's edit_base instead.
OFFLINE_YML = (
    MKDOCS_YML.replace("repo_url: https://github.com/example/ops\n", "")
    .replace(
        "  - runbookgen\n", "  - runbookgen:\n      edit_base: https://github.com/example/ops/edit/main/\n"
    )
    .replace(
        "  features:\n",
        # Material's light/dark palette, following prefers-color-scheme (as mkdocs.yml does)
        "  palette:\n"
        '    - media: "(prefers-color-scheme: light)"\n'
        "      scheme: default\n"
        "      toggle: {icon: material/brightness-7, name: Switch to dark mode}\n"
        '    - media: "(prefers-color-scheme: dark)"\n'
        "      scheme: slate\n"
        "      toggle: {icon: material/brightness-4, name: Switch to light mode}\n"
        "  features:\n",
    )
)


def unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Skip without Chromium, with the reason; fail where browser tests are required (CI)."""
    reason = unavailable()
    if reason:
        if os.environ.get("RUNBOOKGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here (RUNBOOKGEN_REQUIRE_BROWSER=1): {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A built site over HTTP on a free local port; yields its base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Watch:
    """Console errors, uncaught exceptions and dialogs of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def axe(page: Any) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page: "rule (impact): where"."""
    if not AXE.is_file():
        reason = f"axe-core not found at {AXE} (npm install --prefix .cache/npm axe-core)"
        if os.environ.get("RUNBOOKGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"accessibility checks are required here: {reason}")
        pytest.skip(reason)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length} x ` +
                v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    return list(found)


#: Everything on a page whose words must never break mid-word: every table cell (and
#: caption), every chip and tag, the badges line and the figures' captions.
WORDY = (
    ".md-typeset table :is(th, td, caption), .rbg-chip, .rbg-kind, .rbg-tag, .rbg-legend, "
    "p.rbg-badges, .rbg-figure figcaption"
)

#: Words the browser broke across lines inside the elements ``selector`` matches, each as
#: "word (tag.class)". A word is a run of letters and digits (a word, a number, a commit
#: hash): a break at a hyphen, a slash or other punctuation is fine ("production-" /
#: "deployment"); "productio" / "n" is not. A word is broken when its text's client rects
#: sit on more than one line. Only what lies between two spaces and is wider than any line
#: could be there may break: wider than the narrowest max-width set between the text and the
#: element, or than the box the element scrolls in (an absurd 60-character release name).
BROKEN_WORDS = """(selector) => {
  const bad = [];
  const px = v => (v.endsWith("px") ? parseFloat(v) : Infinity);
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length) continue;
    const box = el.closest(".md-typeset__scrollwrap, .md-content__inner") || document.documentElement;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      let limit = box.clientWidth;
      for (let up = node.parentElement; up; up = up.parentElement) {
        limit = Math.min(limit, px(getComputedStyle(up).maxWidth));
        if (up === el) break;
      }
      const width = (start, end) => {
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, end);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        return [new Set(rects.map(r => Math.round(r.bottom))).size, rects.reduce((s, r) => s + r.width, 0)];
      };
      const token = /\\S+/g;  // what lies between spaces: it must break somewhere if wider than a line
      for (let t = token.exec(node.textContent); t; t = token.exec(node.textContent)) {
        if (width(t.index, t.index + t[0].length)[1] > limit) continue;
        const re = /[\\p{L}\\p{N}_]+/gu;  // letters and digits: a word, a number, a hash
        for (let m = re.exec(t[0]); m; m = re.exec(t[0])) {
          if (width(t.index + m.index, t.index + m.index + m[0].length)[0] > 1) {
            const where = [el.tagName.toLowerCase(), ...el.classList].join(".");
            bad.push(`${m[0]} in ${t[0]} (${where})`);
          }
        }
      }
    }
  }
  return [...new Set(bad)];
}"""


def broken_words(page: Any, selector: str = WORDY) -> list[str]:
    """Words broken mid-word in ``selector``'s elements on the page (see ``BROKEN_WORDS``)."""
    return list(page.evaluate(BROKEN_WORDS, selector))
