"""Helpers for the engine tests: one repository with history, built by each engine, and
ways to compare what runbookgen put into the pages.

(No tests here.)
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from conftest import GIT_ENV, run_cli
from test_site_support import front_matter, make_repo, seed_body, tick, write_run

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def make_history_repo(root: Path, config: str | None = None) -> Path:
    """A runbook repository in git: a run ticked over three commits, one in progress, one
    broken, and a page of the user's own that links to the generated ones."""
    make_repo(root) if config is None else make_repo(root, config)
    docs = root / "content" / "guides"
    docs.mkdir()
    (docs / "how-we-release.md").write_text(
        "# How we release\n\nSee [the history](../history.md) and "
        "[the checklist](../production-deployment.md).\n",
        encoding="utf-8",
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "runbook")
    body = seed_body()
    run = write_run(root, "2026-10-01-v2.0.0.md", front_matter("v2.0.0", "2026-10-01"), body)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start run v2.0.0 (#11)")
    for n, texts in enumerate(
        [("All code reviewed and approved",), ("All tests passing (unit, integration, e2e)",)], 1
    ):
        run.write_text(tick(run.read_text(encoding="utf-8"), *texts), encoding="utf-8")
        git(root, "commit", "-q", "-am", f"Tick {n} (#1{n + 1})")
    write_run(root, "2026-11-02-v2.1.0.md", front_matter("v2.1.0", "2026-11-02", status="success"), body)
    write_run(root, "2026-11-03-broken.md", "---\nrunbook: [unclosed\n---\n", body)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "More runs")
    return root


def build(root: Path, engine: str, out: str, *args: str) -> Path:
    proc = run_cli("build", "--engine", engine, "-d", str(root / out), *args, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"with {engine}" in proc.stderr, proc.stderr[-2000:]
    return root / out


class RbgParts(HTMLParser):
    """The text of every ``<div class="rbg">`` (runbookgen's part of a page), as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.parts: list[str] = []
        self.buf: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.buf is None and tag == "div" and "rbg" in classes:
            self.buf, self.depth = [], 0
        if self.buf is not None:
            # Zensical honours data-search-exclude in its index and drops it from the HTML
            self.buf.append((self.get_starttag_text() or "").replace(" data-search-exclude", ""))
            if tag not in VOID:
                self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.buf is None:
            return
        self.buf.append(f"</{tag}>")
        self.depth -= 1
        if self.depth == 0:
            self.parts.append("".join(self.buf))
            self.buf = None

    def handle_data(self, data: str) -> None:
        if self.buf is not None:
            self.buf.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.handle_data(f"<!--{data}-->")


def rbg_parts(page: Path) -> list[str]:
    p = RbgParts()
    p.feed(page.read_text(encoding="utf-8"))
    return p.parts


def html_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def files_under(site: Path, sub: str) -> dict[str, bytes]:
    base = site / sub
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") in ("canonical", "alternate")):
                self.urls.append(a[key] or "")


def broken_links(site: Path) -> list[str]:
    """Relative links and images in every page that point at no file of the site."""
    bad = []
    for page in sorted(site.rglob("*.html")):
        rel_page = page.relative_to(site).as_posix()
        if rel_page == "404.html":  # served from any depth: absolute links by design
            continue
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("#", "/", "data:", "mailto:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), parts.path))
            path = site / target
            if parts.path.endswith("/") or path.is_dir():
                path = path / "index.html"
            if target.startswith("..") or not path.is_file():
                bad.append(f"{rel_page}: {url}")
    return bad


def search_locations_mkdocs(site: Path) -> set[str]:
    data = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return {d["location"] for d in data["docs"]}


def search_locations_zensical(site: Path) -> set[str]:
    data = json.loads((site / "search.json").read_text(encoding="utf-8"))
    return {d["location"] for d in data["items"]}
