"""The page core on its own: no MkDocs, links, edit URLs, checklists, loading runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runbookgen.markdown import load
from runbookgen.project import Project
from runbookgen.web.checklist import render_checklist, toc_tokens
from runbookgen.web.links import Links, edit_base, page_url
from runbookgen.web.options import SiteOptions
from runbookgen.web.site import Site
from runbookgen.web.views import home
from test_site_support import SEED, front_matter, make_repo, parse_html, seed_body, tick, write_run


def test_core_and_cli_modules_do_not_import_mkdocs() -> None:
    code = (
        "import sys, runbookgen.web.site, runbookgen.web.badges, runbookgen.web.safehtml\n"
        "import runbookgen.web.views.home, runbookgen.web.views.runbook, runbookgen.web.views.history\n"
        "import runbookgen.cli.site\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material'))\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("src", "directory", "url"),
    [
        ("index.md", True, ""),
        ("history.md", True, "history/"),
        ("history.md", False, "history.html"),
        ("runs/pd/2026-01-01-v1.2.md", True, "runs/pd/2026-01-01-v1.2/"),
        ("a/index.md", True, "a/"),
    ],
)
def test_page_url_matches_mkdocs(src: str, directory: bool, url: str) -> None:
    assert page_url(src, directory) == url


def test_relative_links() -> None:
    links = Links("runs/pd/2026-01-01-v1/")
    assert links.page("history.md") == "../../../history/"
    assert links.page("index.md") == "../../../"
    assert Links("").page("index.md") == "./"
    assert Links("runs/pd/x.html", directory_urls=False).page("history.md") == "../../history.html"
    assert links.file("badges/a.svg") == "../../../badges/a.svg"


@pytest.mark.parametrize(
    ("repo", "edit", "docs", "base"),
    [
        ("https://github.com/o/r", "edit/main/content/", "content", "https://github.com/o/r/edit/main/"),
        ("https://github.com/o/r/", None, "docs", "https://github.com/o/r/edit/master/"),
        ("https://gitlab.com/o/r", "-/edit/main/docs", "docs", "https://gitlab.com/o/r/-/edit/main/"),
        ("https://git.example.com/o/r", None, "docs", None),
        (None, "edit/main/", "docs", None),
    ],
)
def test_edit_base(repo: str | None, edit: str | None, docs: str, base: str | None) -> None:
    assert edit_base(repo, edit, docs) == base


def test_template_checklist_shows_kinds_and_no_ticks() -> None:
    html = render_checklist(load(SEED), run=False)
    tree = parse_html(html)
    states = {n.attrs["data-state"] for n in tree.all if "data-state" in n.attrs and n.tag == "li"}
    assert states == {"template"}
    kinds = {n.attrs["data-kind"] for n in tree.all if n.tag == "section"}
    assert kinds == {"tasks", "triggers", "conditional", "sign-off", "reference"}
    assert "Estimate: 40–50 min" in html
    assert "support@clerk.dev" in html  # reference prose is kept


def test_toc_names_are_plain_text() -> None:
    toc = toc_tokens(load(SEED))
    names = [t["name"] for t in toc]
    assert names[:2] == ["Pre-Deployment (24 Hours Before)", "Deployment Day (2 Hours Before)"]
    assert toc[2]["children"][0]["name"] == "Phase 1: Database Migration (if required)"
    rollback = next(t for t in toc if t["name"] == "Rollback Procedure")
    assert rollback["children"] == []  # ordered-list steps are not headings


def test_site_load_parallel_matches_serial(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for i in range(40):
        body = tick(seed_body(), "All code reviewed and approved") if i % 2 else seed_body()
        date = f"2026-01-{i % 28 + 1:02d}"
        write_run(root, f"{date}-v{i}.md", front_matter(f"v{i}", date), body)
    project = Project.from_root(root)
    serial = Site.load(project, SiteOptions(), workers=1)
    parallel = Site.load(Project.from_root(root), SiteOptions(), workers=2)

    def key(site: Site) -> list[tuple[str, int, str]]:
        return [(r.relpath, r.done, r.body) for r in site.runs]

    assert key(serial) == key(parallel) and len(serial.runs) == 40
    dates = [r.date for r in serial.runs]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_serve_cache_reuses_unchanged_runs_only(tmp_path: Path) -> None:
    import os

    root = make_repo(tmp_path / "repo")
    a = write_run(root, "2026-01-01-va.md", front_matter("va", "2026-01-01"), seed_body())
    write_run(root, "2026-01-02-vb.md", front_matter("vb", "2026-01-02"), seed_body())
    cache: dict = {}
    first = Site.load(Project.from_root(root), SiteOptions(), cache=cache)
    cached = dict(cache)
    second = Site.load(Project.from_root(root), SiteOptions(), cache=cache)
    assert [r.body for r in second.runs] == [r.body for r in first.runs]
    assert all(cache[k] is cached[k] for k in cached)  # nothing re-read
    a.write_text(tick(a.read_text(encoding="utf-8"), "All code reviewed and approved"), encoding="utf-8")
    os.utime(a, ns=(1, 1))  # a different mtime even on coarse clocks
    third = Site.load(Project.from_root(root), SiteOptions(), cache=cache)
    assert {r.release: r.done for r in third.runs} == {"va": 1, "vb": 0}
    assert len(cache) == 2
    template = root / "content" / "production-deployment.md"
    renamed = seed_body().replace("# Production Deployment Checklist", "# Renamed")
    template.write_text(renamed, encoding="utf-8")
    os.utime(template, ns=(2, 2))
    fourth = Site.load(Project.from_root(root), SiteOptions(), cache=cache)
    assert {r.runbook_title for r in fourth.runs} == {"Renamed"}


def test_home_page_size_does_not_grow_with_runs(tmp_path: Path) -> None:
    from runbookgen.web.views.home import MAX_ACTIVE_ON_HOME

    root = make_repo(tmp_path / "repo")
    for i in range(MAX_ACTIVE_ON_HOME + 15):
        date = f"2026-02-{i % 28 + 1:02d}"
        write_run(root, f"{date}-v{i}.md", front_matter(f"v{i}", date), "")
    site = Site.load(Project.from_root(root), SiteOptions(recent=5))
    html = home.page(site, Links(""), title="Runbooks")
    assert html.count("<tr>") == 2 + 1 + MAX_ACTIVE_ON_HOME  # 2 header rows, 1 runbook, the capped list
    assert "and 15 more" in html


def test_progress_bars_skip_sections_without_boxes(tmp_path: Path) -> None:
    """'Deployment Status' has fields but no boxes: a full 0/0 bar would read as done."""
    root = make_repo(tmp_path / "repo")
    body = seed_body().replace(
        "- [ ] Put application in maintenance mode (if needed)",
        "- [x] ~~Put application in maintenance mode (if needed)~~ n/a: online migration",
    )
    write_run(root, "2026-03-01-v1.md", front_matter("v1", "2026-03-01"), body)
    site = Site.load(Project.from_root(root), SiteOptions(), workers=1)
    bars = parse_html(site.runs[0].body).root.find_all(
        lambda n: n.tag == "aside" and "rbg-stagebars" in n.attrs.get("class", "")
    )
    assert len(bars) == 1
    text = bars[0].text
    assert "Pre-Deployment Approval" in text and "Success Criteria" in text
    assert "Deployment Status" not in text
    assert "Phase 1: Database Migration" in text  # one item skipped, five still counted
