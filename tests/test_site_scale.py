"""Scale without timing (issue 13, item 11): what keeps a site of 10,000 runs linear and
small, asserted as structure. The timings are in ``benchmarks/bench_site.py``.

- the history page is split into pages of ``history_page_size`` runs, each under the
  page budget, linked to each other, newest first, every run exactly once;
- the home page's lists stay bounded whatever the number of runs;
- a run's search entry is small, and run tables stay out of the search index;
- run page bodies are held compressed until their page is written;
- worker processes keep a bounded number of parsed records while history loads.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest

from runbookgen.history import History
from runbookgen.project import Project
from runbookgen.web import workers
from runbookgen.web.badges import run_badge
from runbookgen.web.entries import SUMMARY_END, RunEntry
from runbookgen.web.links import Links
from runbookgen.web.options import SiteOptions
from runbookgen.web.site import Site
from runbookgen.web.views import history, home
from test_site_support import (
    MKDOCS_YML,
    front_matter,
    make_repo,
    mkdocs_build,
    parse_html,
    seed_body,
    write_run,
)

PAGE_BUDGET = 1_000_000  # bytes: the largest page the site may have (issue 13, item 11)
THEME_ALLOWANCE = 150_000  # what the theme adds around the core's HTML (Material: ~60 KB)
STATUSES = ("success", "success", "partial", "rolled-back", "in-progress", "planned", "aborted")


def synthetic_site(tmp_path: Path, n: int, broken: int = 0, page_size: int = 500) -> Site:
    """A loaded site (the real runbook template) with ``n`` run entries, newest first."""
    root = make_repo(tmp_path / f"repo-{n}-{page_size}")
    site = Site.load(Project(root=root), SiteOptions(history_page_size=page_size))
    runs = []
    for i in range(n):
        date = f"{2020 + i // 3000}-{(i // 250) % 12 + 1:02d}-{i % 28 + 1:02d}"
        name = f"{date}-v{i // 1000}.{i // 10 % 100}.{i % 10}-{i:05d}"
        entry = RunEntry(
            relpath=f"runs/production-deployment/{name}.md",
            src_uri=f"runs/production-deployment/{name}.md",
            runbook="production-deployment",
            runbook_title="Production Deployment Checklist",
            release=f"payments-api-v{i // 1000}.{i // 10 % 100}.{i % 10}",
            date=date,
            lead=f"@engineer-with-a-long-login-{i % 17}",
            status=STATUSES[i % len(STATUSES)],
            state="in-progress",
            done=i % 200,
            total=206,
            percent=round((i % 200) / 2.06, 1),
        )
        if i < broken:
            entry.errors.append(f"{entry.relpath}:1: front matter is not closed")
            entry.state = "broken"
        runs.append(entry)
    runs.sort(key=lambda r: (r.date, r.release, r.relpath), reverse=True)
    site.runs = runs
    site.runbooks["production-deployment"].runs = [r for r in runs if not r.broken]
    return site


def run_links(html: str) -> list[str]:
    """Hrefs of the run rows in a history page's run table."""
    tree = parse_html(html)
    tables = tree.root.find_all(
        lambda n: n.tag == "section" and "rbg-history-runs" in n.attrs.get("class", "")
    )
    assert len(tables) == 1
    return [a.attrs["href"] for a in tables[0].find_all(lambda n: n.tag == "a")]


def rendered_parts(site: Site) -> list[tuple[history.HistoryPart, str, str]]:
    """(part, its URL, its HTML) for every history page."""
    parts = history.parts(site)
    out = []
    for part in parts:
        links = site.links(part.src_uri)
        out.append((part, links.url, history.page(site, links, part, parts)))
    return out


def test_history_is_split_into_pages_under_the_budget_with_every_run_once(tmp_path: Path) -> None:
    n, size = 2_600, 500
    site = synthetic_site(tmp_path, n)
    assert site.options.history_page_size == size  # the default
    pages = rendered_parts(site)
    assert [p.number for p, _, _ in pages] == [1, 2, 3, 4, 5, 6]
    assert [len(p.runs) for p, _, _ in pages] == [500, 500, 500, 500, 500, 100]
    seen: list[str] = []
    for part, url, html in pages:
        assert len(html.encode()) < PAGE_BUDGET - THEME_ALLOWANCE, (part.number, len(html))
        # run links resolved from this page's URL, back to the run's page
        for href in run_links(html):
            seen.append(urljoin("http://x/" + url, href))
    expected = [urljoin("http://x/", site.links("").page(r.src_uri)) for r in site.runs]
    assert seen == expected  # every run exactly once, newest first, in page order
    assert len(set(seen)) == n


def test_history_pages_link_to_each_other_and_resolve(tmp_path: Path) -> None:
    site = synthetic_site(tmp_path, 1_234, page_size=300)
    pages = rendered_parts(site)
    urls = {"http://x/" + url for _, url, _ in pages}
    assert [p.src_uri for p, _, _ in pages] == [
        "history.md",
        "history/page-2.md",
        "history/page-3.md",
        "history/page-4.md",
        "history/page-5.md",
    ]
    for part, url, html in pages:
        tree = parse_html(html)
        navs = tree.root.find_all(lambda n: n.tag == "nav" and "rbg-pager" in n.attrs.get("class", ""))
        assert len(navs) == 1
        targets = {
            urljoin("http://x/" + url, a.attrs["href"]) for a in navs[0].find_all(lambda n: n.tag == "a")
        }
        assert targets == urls - {"http://x/" + url}  # every other page, nothing else
        current = navs[0].find_all(lambda n: n.attrs.get("aria-current") == "page")
        assert [c.text for c in current] == [f"Page {part.number}"]
        rel = {
            a.attrs.get("rel"): urljoin("http://x/" + url, a.attrs["href"])
            for a in tree.all
            if a.tag == "a" and a.attrs.get("rel")
        }
        if part.number > 1:
            assert rel["prev"] == "http://x/" + pages[part.number - 2][1]
        if part.number < len(pages):
            assert rel["next"] == "http://x/" + pages[part.number][1]
        # outcomes and statistics on the first page only; every page says which runs it holds
        assert ('id="outcomes"' in html) == (part.number == 1)
        assert ('id="statistics"' in html) == (part.number == 1)
        assert f"of 1,234, newest first ({part.newest} back to {part.oldest})" in html


def test_long_histories_list_a_window_of_pages(tmp_path: Path) -> None:
    site = synthetic_site(tmp_path, 3_000, page_size=50)
    parts = history.parts(site)
    assert len(parts) == 60
    middle = history.pager(parts[29], parts)
    numbers = [p.number if p is not None else None for p in middle.shown]
    assert numbers == [1, 2, None, *range(25, 36), None, 59, 60]
    assert middle.newer is parts[28] and middle.older is parts[30]
    first = history.pager(parts[0], parts)
    assert first.newer is None and [p.number if p else None for p in first.shown][:7] == [
        1,
        2,
        3,
        4,
        5,
        6,
        None,
    ]


def test_one_page_when_the_runs_fit(tmp_path: Path) -> None:
    site = synthetic_site(tmp_path, 40)
    (part, _, html), *rest = rendered_parts(site)
    assert not rest and part.src_uri == "history.md" and part.title == "History"
    assert "rbg-pager" not in html and len(run_links(html)) == 40
    unlimited = synthetic_site(tmp_path, 700, page_size=0)
    assert len(history.parts(unlimited)) == 1


def test_home_page_lists_stay_bounded(tmp_path: Path) -> None:
    def run_rows(site: Site) -> tuple[int, str]:
        html = home.page(site, Links(""), title="Home")
        tree = parse_html(html)
        return len(tree.root.find_all(lambda n: n.tag == "a" and "runs/" in n.attrs.get("href", ""))), html

    small, _ = run_rows(synthetic_site(tmp_path, 30, broken=3))
    big, html = run_rows(synthetic_site(tmp_path, 3_000, broken=300))
    limit = home.MAX_ACTIVE_ON_HOME + SiteOptions().recent + home.MAX_BROKEN_ON_HOME
    assert small <= big <= limit
    assert "and 275 more" in html  # broken files beyond the cap are counted, not listed
    assert len(html.encode()) < 100_000


def test_run_entry_keeps_its_details_compressed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01"), seed_body())
    site = Site.load(Project(root=root), SiteOptions())
    run = site.runs[0]
    assert run.summary.endswith(SUMMARY_END) and "rbg-checklist" not in run.summary
    details = run.details
    assert "rbg-checklist" in details and run.body == run.summary + details
    assert len(run.packed_details) * 4 < len(details.encode())
    assert run.take_details() == details
    assert run.body == "" and run.packed_details == b""


def test_equal_badges_share_one_rendering() -> None:
    assert run_badge(50, "in-progress").svg() is run_badge(50.0, "in-progress").svg()


def test_workers_hold_a_bounded_number_of_parsed_runs_while_history_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not workers.available():
        pytest.skip("no fork on this platform")
    cap = 2 * workers.CHUNK
    monkeypatch.setattr(workers, "MAX_PENDING", cap)  # inherited by the forked workers
    files = [tmp_path / f"run-{i:03d}.md" for i in range(240)]
    parsed = [0]
    reached = threading.Event()
    seen_while_waiting: list[int] = []

    def read(path: Path) -> tuple[RunEntry, None]:
        return RunEntry(relpath=path.name, src_uri=path.name), None

    def render(entry: RunEntry, record: None, hist: object) -> tuple[RunEntry, None]:
        entry.body = f"<p>{entry.relpath} rendered with history {hist is not None}</p>"
        return entry, None

    def progress(done: int, total: int) -> None:
        parsed[0] = done
        if done >= 2 * cap:
            reached.set()

    def load_history() -> History:
        assert reached.wait(60), f"workers stopped early: {parsed[0]} parsed"
        time.sleep(1.0)  # time to parse all 240 if they did not stop
        seen_while_waiting.append(parsed[0])
        return History(available=False, reason="a test")

    entries, _ = workers.load(
        files, 2, read, render, lambda p: p.name, load_history=load_history, on_progress=progress
    )
    assert seen_while_waiting == [2 * cap]  # each of 2 workers stopped at the cap
    assert [e.relpath for e in entries] == [f.name for f in files]  # all, in order
    assert parsed[0] == len(files)
    assert all("with history True" in e.body for e in entries)


def test_built_site_splits_history_links_resolve_and_search_finds_runs(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        MKDOCS_YML.replace("  - runbookgen\n", "  - runbookgen:\n      history_page_size: 5\n"),
    )
    body = seed_body()
    names = []
    for i in range(23):
        date = f"2026-{i // 10 + 1:02d}-{i % 10 + 10}"
        names.append(f"{date}-v3.{i}.0")
        write_run(root, f"{names[-1]}.md", front_matter(f"v3.{i}.0", date, status=STATUSES[i % 7]), body)
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr
    site = root / "site"
    pages = [site / "history" / "index.html"] + [
        site / "history" / f"page-{n}" / "index.html" for n in range(2, 6)
    ]
    assert all(p.is_file() for p in pages) and not (site / "history" / "page-6").exists()
    linked: list[str] = []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert len(html.encode()) < PAGE_BUDGET
        base = "http://x/" + page.relative_to(site).as_posix()
        for href in run_links(html):
            linked.append(urljoin(base, href))
        pager = parse_html(html).root.find_all(
            lambda n: n.tag == "nav" and "rbg-pager" in n.attrs.get("class", "")
        )
        for a in pager[0].find_all(lambda n: n.tag == "a"):
            target = urljoin(base, a.attrs["href"]).removeprefix("http://x/")
            assert (site / target / "index.html").is_file(), (page, a.attrs["href"])
    # every run once, newest first, and each link is a page of the site
    assert linked == [f"http://x/runs/production-deployment/{n}/" for n in sorted(names, reverse=True)]
    for url in linked:
        assert (site / url.removeprefix("http://x/") / "index.html").is_file()
    # only the history page is in the navigation
    nav = parse_html((site / "index.html").read_text(encoding="utf-8")).root.find_all(
        lambda n: n.tag == "a" and "page-2" in n.attrs.get("href", "")
    )
    assert not nav
    # search: one small entry per run page, found by release; no run tables indexed
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    for n in names:
        entries = [d for d in docs if d["location"].startswith(f"runs/production-deployment/{n}/")]
        assert len(entries) == 1 and n.split("-")[-1] in entries[0]["title"] + entries[0]["text"]
        assert len(json.dumps(entries[0], separators=(",", ":"))) < 300, entries[0]
    history_text = " ".join(d["text"] for d in docs if d["location"].startswith("history"))
    assert not any(n.split("-")[-1] in history_text for n in names[:-1])


@pytest.mark.parametrize("procs", [1, 2])
def test_loaded_runs_share_one_toc_and_carry_no_stage_bars(tmp_path: Path, procs: int) -> None:
    root = make_repo(tmp_path / "repo")
    body = seed_body()
    count = 4 * workers.CHUNK + 3  # enough for worker processes
    for i in range(count):
        write_run(
            root,
            f"2026-12-{i % 28 + 1:02d}-v{i}.md",
            front_matter(f"v{i}", f"2026-12-{i % 28 + 1:02d}"),
            body,
        )
    site = Site.load(Project(root=root), SiteOptions(), workers=procs)
    assert len(site.runs) == count and not any(r.broken for r in site.runs)
    first = site.runs[0].toc
    assert first and all(r.toc is first for r in site.runs)  # one list for runs of one template
    assert all(r.stages == [] for r in site.runs)  # the bars are in the rendered page only
    assert all('class="rbg-stagebars"' in r.details and "<progress" in r.details for r in site.runs)
