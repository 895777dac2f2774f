"""Helpers shared by the site tests: write a small runbook repository and build it for real.

(No tests here; the module is named ``test_site_*`` so it sits with the site tests.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "production-deployment.md"
MKDOCS_YML = """\
site_name: Test runbooks
site_url: http://localhost/
repo_url: https://github.com/example/ops
edit_uri: edit/main/content/
docs_dir: content
theme:
  name: material
  font: false
  features:
    - search.suggest
plugins:
  - search
  - runbookgen
markdown_extensions:
  - toc:
      permalink: true
  - admonition
  - attr_list
  - pymdownx.tasklist:
      custom_checkbox: true
"""


def front_matter(
    release: str,
    date: str,
    status: str = "in-progress",
    lead: str = "'@alice'",
    runbook: str = "production-deployment",
    **extra: str,
) -> str:
    lines = [
        "---",
        f"runbook: {runbook}",
        "template_version: 2.0.0",
        "template_digest: sha256:0000",
        f"release: {release}",
        f"date: {date}",
        f"lead: {lead}",
        f"status: {status}",
    ]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join([*lines, "---", ""])


def tick(body: str, *texts: str) -> str:
    """Tick the first open box of each text (string replacement, as an engineer would)."""
    for t in texts:
        old = f"- [ ] {t}"
        assert old in body, t
        body = body.replace(old, f"- [x] {t}", 1)
    return body


def seed_body() -> str:
    return SEED.read_text(encoding="utf-8")


def make_repo(root: Path, mkdocs_yml: str = MKDOCS_YML) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "runs" / "production-deployment").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(mkdocs_yml, encoding="utf-8")
    (root / "content" / "production-deployment.md").write_text(seed_body(), encoding="utf-8")
    return root


def write_run(root: Path, name: str, fm: str, body: str) -> Path:
    path = root / "runs" / "production-deployment" / name
    path.write_text(fm + body, encoding="utf-8")
    return path


def mkdocs_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


class Tree(HTMLParser):
    """A tiny DOM: enough to check nesting and attributes without extra dependencies."""

    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.all: list[Node] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.all.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.all.append(node)

    def handle_endtag(self, tag: str) -> None:
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data: str) -> None:
        self.cur.children.append(data)


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def elements(self, tag: str | None = None) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]

    def find_all(self, pred: object) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if pred(c):  # type: ignore[operator]
                    out.append(c)
                out.extend(c.find_all(pred))
        return out

    def own_text(self) -> str:
        """Text of this element without its nested lists (an item's own words)."""
        return "".join(
            c if isinstance(c, str) else ("" if c.tag in ("ul", "ol") else c.own_text())
            for c in self.children
        )


def parse_html(html: str) -> Tree:
    t = Tree()
    t.feed(html)
    t.close()
    return t
