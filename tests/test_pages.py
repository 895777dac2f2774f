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


# ---------------------------------------------------------------- issue 12: counts, words, banners
def _site(tmp_path: Path, runs: dict[str, tuple[str, str]], title_body: str | None = None) -> Site:
    """A project with the seed runbook and ``runs`` (file name → (front matter, body))."""
    root = make_repo(tmp_path / "repo")
    for name, (fm, body) in runs.items():
        write_run(root, name, fm, body)
    return Site.load(Project.from_root(root), SiteOptions(), workers=1)


def test_home_tasks_column_counts_what_a_new_run_counts(tmp_path: Path) -> None:
    site = _site(tmp_path, {"2026-01-01-v1.md": (front_matter("v1", "2026-01-01"), seed_body())})
    tree = parse_html(home.page(site, Links(""), title="Ops"))
    table = next(n for n in tree.all if n.tag == "table")
    heads = [th.text for th in table.find_all(lambda n: n.tag == "th")]
    cells = [td.text.strip() for td in table.find_all(lambda n: n.tag == "td")]
    tasks = cells[heads.index("Tasks")]
    assert tasks == str(site.runs[0].total) == "164"  # not 206: triggers, rollback, optional apart


def test_optional_items_left_open_do_not_hold_a_stage_below_100(tmp_path: Path) -> None:
    security = [
        "Security audit completed",
        "Dependency vulnerability scan passed",
        "OWASP security scan passed",
        "API keys validated",
        "Rate limiting configured",
        "CORS properly configured",
        "CSP headers configured",
    ]
    body = seed_body()
    missing = [t for t in security if f"- [ ] {t}" not in body]
    assert not missing, missing
    body = tick(body, *security)  # all but "Secrets rotated (if needed)", which stays open
    site = _site(tmp_path, {"2026-01-01-v1.md": (front_matter("v1", "2026-01-01"), body)})
    run = site.runs[0]
    html = run.body
    # the stage bars are rendered into the page only (web/runs.py keeps no StageBar list)
    security = html.split('--security">Security</a>', 1)[1].split("</div>", 1)[0]
    assert '<progress max="100" value="100.0"' in security
    assert "7/7 (+1 optional) · 100%" in security
    assert f"{run.done} of {run.total} done, {run.optional_open} optional left open" in html


def test_rollback_banner_is_an_order_while_open_and_a_record_once_rolled_back(tmp_path: Path) -> None:
    triggered = tick(seed_body(), "Error rate exceeds 1%")
    site = _site(
        tmp_path,
        {
            "2026-01-01-v1.md": (front_matter("v1", "2026-01-01"), triggered),
            "2026-01-02-v2.md": (front_matter("v2", "2026-01-02", status="rolled-back"), triggered),
            "2026-01-03-v3.md": (front_matter("v3", "2026-01-03", status="rolled-back"), seed_body()),
        },
    )
    by = {r.release: parse_html(r.body) for r in site.runs}

    def banner(release: str) -> tuple[str, str, str]:
        div = next(n for n in by[release].all if "rbg-rollback" in n.attrs.get("class", ""))
        title = next(n for n in div.find_all(lambda n: n.attrs.get("class") == "admonition-title"))
        return div.attrs.get("role", ""), div.attrs["data-rollback"], title.text

    assert banner("v1") == ("alert", "order", "Rollback criterion ticked — roll back")
    assert banner("v2") == ("", "record", "Rolled back")
    assert "Rollback criteria met:" in site.runs[1].body and "roll back<" not in site.runs[1].body
    assert banner("v3") == ("", "record", "Rolled back")


def test_words_are_singular_and_plural_as_they_should_be(tmp_path: Path) -> None:
    from runbookgen.web.views import history

    one = _site(tmp_path / "one", {"2026-01-01-v1.md": (front_matter("v1", "2026-01-01"), seed_body())})
    text = " ".join(parse_html(history.page(one, Links("history/"))).root.text.split())
    assert "1 run of 1 runbook." in text and "runs" not in text.split("Outcomes")[0]
    assert "runbook(s)" not in text
    home_text = parse_html(home.page(one, Links(""), title="Ops")).root.text
    assert "History of the run" in home_text and "1 runs" not in home_text
    two = _site(
        tmp_path / "two",
        {
            "2026-01-01-v1.md": (front_matter("v1", "2026-01-01"), seed_body()),
            "2026-01-02-v2.md": (front_matter("v2", "2026-01-02"), seed_body()),
        },
    )
    text = " ".join(parse_html(history.page(two, Links("history/"))).root.text.split())
    assert "2 runs of 1 runbook. Click a column heading to sort." in text


def test_home_heading_does_not_repeat_the_title(tmp_path: Path) -> None:
    site = _site(tmp_path, {})

    def headings(title: str | None) -> list[str]:
        tree = parse_html(home.page(site, Links(""), title=title))
        return [n.text for n in tree.all if n.tag in ("h1", "h2")]

    assert headings("Runbooks")[:2] == ["Runbooks", "Runs in progress"]  # no H2 "Runbooks" under it
    assert headings("My Runbooks")[:2] == ["My Runbooks", "Runs in progress"]
    assert headings("Ops handbook")[:2] == ["Ops handbook", "Runbooks"]
    assert headings(None)[0] == "Runbooks"  # a user's page: its own H1, our section heading
