"""The same site on MkDocs, ProperDocs and Zensical (issue 11).

One repository with git history (a run ticked over three commits, a finished run, a
broken run file, a page of the user's own) is built by ``runbookgen build`` on each
engine; runbookgen's part of every page, the set of pages, the badges and the search
entries must be those of the MkDocs build.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from engines_support import (
    broken_links,
    build,
    files_under,
    html_pages,
    make_history_repo,
    rbg_parts,
    search_locations_mkdocs,
    search_locations_zensical,
)
from runbookgen.engines.select import choose, find_config
from runbookgen.errors import RunbookgenError
from test_site_support import MKDOCS_YML, front_matter, make_repo, seed_body, write_run

RUN = "runs/production-deployment/2026-10-01-v2.0.0"


# the theme's edit buttons on: generated pages must point at the right file, or have none
CONFIG = MKDOCS_YML.replace("    - search.suggest\n", "    - search.suggest\n    - content.action.edit\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history_repo(tmp_path_factory.mktemp("engines") / "repo", CONFIG)


@pytest.fixture(scope="module")
def sites(repo: Path) -> dict[str, Path]:
    return {engine: build(repo, engine, f"site-{engine}") for engine in ("mkdocs", "properdocs", "zensical")}


# ---------------------------------------------------------------------------- choosing an engine
def test_choose_finds_properdocs_yml_and_mkdocs_yml(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    assert choose(tmp_path, "mkdocs").config_file.name == "mkdocs.yml"
    assert choose(tmp_path, "zensical").config_file.name == "mkdocs.yml"
    (tmp_path / "properdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    # ProperDocs reads its own file first; auto picks ProperDocs for a properdocs.yml
    assert choose(tmp_path, "properdocs").config_file.name == "properdocs.yml"
    assert choose(tmp_path, None).engine == "properdocs"
    assert find_config(tmp_path) == tmp_path / "properdocs.yml"
    (tmp_path / "properdocs.yml").unlink()
    assert choose(tmp_path, "auto").engine == "mkdocs"


def test_choose_explains_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(RunbookgenError, match=r"no mkdocs\.yml in .*runbookgen init"):
        choose(tmp_path, "zensical")
    with pytest.raises(RunbookgenError, match=r"no properdocs\.yml or mkdocs\.yml"):
        choose(tmp_path, "properdocs")
    with pytest.raises(RunbookgenError, match="unknown engine 'hugo'"):
        choose(tmp_path, "hugo")


def test_cli_rejects_unknown_engine_and_reads_env(repo: Path) -> None:
    proc = run_cli("build", "--engine", "hugo", cwd=repo)
    assert proc.returncode == 2 and "hugo" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(
        "build", "-q", "-d", str(repo / "site-env"), cwd=repo, env={"RUNBOOKGEN_ENGINE": "properdocs"}
    )
    assert proc.returncode == 0, proc.stderr
    assert (repo / "site-env" / RUN / "index.html").is_file()


def test_build_with_properdocs_yml(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "pd")
    (root / "mkdocs.yml").rename(root / "properdocs.yml")
    write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    proc = run_cli("build", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "with properdocs" in proc.stderr
    assert (root / "site" / "runs/production-deployment/2026-10-05-v1/index.html").is_file()
    # the run commands find the project by the same file
    assert run_cli("status", cwd=root / "content").returncode == 0


# ---------------------------------------------------------------------------- the same site
@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_same_pages_as_mkdocs(sites: dict[str, Path], engine: str) -> None:
    mk, other = sites["mkdocs"], sites[engine]
    pages = html_pages(mk)
    assert RUN + "/index.html" in pages and "history/index.html" in pages and "index.html" in pages
    assert html_pages(other) == pages
    differing = [p for p in sorted(pages) if rbg_parts(mk / p) != rbg_parts(other / p)]
    assert differing == []
    with_rbg = [p for p in pages if rbg_parts(mk / p)]
    assert len(with_rbg) >= 5  # home, history, runbook and three run pages


@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_same_badges_and_shields_json(sites: dict[str, Path], engine: str) -> None:
    badges = files_under(sites["mkdocs"], "badges")
    assert any(name.endswith(".json") for name in badges) and any(name.endswith(".svg") for name in badges)
    assert files_under(sites[engine], "badges") == badges


def test_properdocs_search_index_is_mkdocs_one(sites: dict[str, Path]) -> None:
    a = (sites["mkdocs"] / "search" / "search_index.json").read_text(encoding="utf-8")
    b = (sites["properdocs"] / "search" / "search_index.json").read_text(encoding="utf-8")
    assert a == b


def test_zensical_search_has_every_mkdocs_entry(sites: dict[str, Path]) -> None:
    mk = search_locations_mkdocs(sites["mkdocs"])
    zen = search_locations_zensical(sites["zensical"])
    assert RUN + "/" in mk and "history/#runs" in mk
    assert zen == mk  # the checklists stay out of the index, as under MkDocs


def test_zensical_run_page_has_history_timeline_and_checklist(sites: dict[str, Path]) -> None:
    html = (sites["zensical"] / RUN / "index.html").read_text(encoding="utf-8")
    assert "<!-- runbookgen:" not in html.replace("<!-- /runbookgen:summary -->", "")
    assert 'data-state="done"' in html and "All code reviewed and approved" in html
    assert "Tick 1" in html  # the commit that ticked a box, from git history


def _toc_anchors(html: str) -> list[str]:
    start = html.index("md-nav--secondary")
    end = html.index("</nav>\n", html.index('data-md-component="toc"', start))
    return re.findall(r'href="(#[^"]+)"', html[start:end])


def test_zensical_table_of_contents_and_nav(sites: dict[str, Path]) -> None:
    for page in (RUN, "production-deployment", "history"):
        mk = (sites["mkdocs"] / page / "index.html").read_text(encoding="utf-8")
        zen = (sites["zensical"] / page / "index.html").read_text(encoding="utf-8")
        assert _toc_anchors(zen) == _toc_anchors(mk) and len(_toc_anchors(zen)) >= 2, page
    for engine in ("mkdocs", "zensical"):
        html = (sites[engine] / RUN / "index.html").read_text(encoding="utf-8")
        links = re.findall(r'<a href="([^"#][^"]*)" class="md-nav__link', html)
        nav = {posixpath.normpath(posixpath.join(RUN, link)) for link in links}
        assert {"history", "production-deployment", "guides/how-we-release"} <= nav, engine
        assert not [n for n in nav if n.startswith("runs/")], engine  # runs are kept out of the nav


def _edit_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"[^>]*rel="edit"', html)


def test_zensical_edit_links_open_the_right_file(sites: dict[str, Path]) -> None:
    run_edit = "https://github.com/example/ops/edit/main/runs/production-deployment/2026-10-01-v2.0.0.md"
    assert _edit_links((sites["mkdocs"] / RUN / "index.html").read_text("utf-8")) == [run_edit]
    for page in sorted(html_pages(sites["mkdocs"])):
        mk = _edit_links((sites["mkdocs"] / page).read_text("utf-8"))
        assert _edit_links((sites["zensical"] / page).read_text("utf-8")) == mk, page


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_every_link_resolves(sites: dict[str, Path], engine: str) -> None:
    assert broken_links(sites[engine]) == []


def test_zensical_leaves_no_generated_files_behind(repo: Path, sites: dict[str, Path]) -> None:
    assert not (repo / ".runbookgen-zensical.yml").exists()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
    leftovers = [
        line
        for line in status.stdout.splitlines()
        if not re.search(r"site-|\.cache/|site/", line.split()[-1])
    ]
    assert leftovers == []


# ---------------------------------------------------------------------------- Zensical specifics
def test_zensical_own_home_page_with_marker(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "home")
    (root / "content" / "index.md").write_text(
        "# Our runbooks\n\nWelcome.\n\n<!-- runbookgen:home -->\n\nFooter text.\n", encoding="utf-8"
    )
    write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    mk, zen = build(root, "mkdocs", "site-mk"), build(root, "zensical", "site-zen")
    a, b = (mk / "index.html").read_text("utf-8"), (zen / "index.html").read_text("utf-8")
    for html in (a, b):
        assert "Welcome." in html and "Footer text." in html and "v1" in html
        assert "<!-- runbookgen:home -->" not in html
    section = re.compile(r"Welcome\.(.*)Footer text\.", re.S)
    strip = re.compile(r"\s+")
    assert strip.sub("", section.search(a)[1]) == strip.sub("", section.search(b)[1])  # type: ignore[index]


def test_zensical_strict_fails_on_a_broken_run(repo: Path) -> None:
    proc = run_cli("build", "--engine", "zensical", "--strict", "-d", str(repo / "site-strict"), cwd=repo)
    assert proc.returncode == 1
    assert (
        "2026-11-03-broken.md" in proc.stderr and "strict" in proc.stderr and "Traceback" not in proc.stderr
    )
    assert not (repo / ".runbookgen-zensical.yml").exists()


def test_zensical_site_dir_outside_the_project(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "site"
    proc = run_cli("build", "--engine", "zensical", "-q", "-d", str(out), cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert (out / RUN / "index.html").is_file() and (out / "badges").is_dir()


def test_zensical_rebuild_after_a_tick_shows_it(tmp_path: Path) -> None:
    """Zensical caches rendered pages: a stub must change whenever its page does."""
    root = make_repo(tmp_path / "cache")
    run = write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    site = build(root, "zensical", "site")
    page = site / "runs/production-deployment/2026-10-05-v1/index.html"
    assert "0 of" in page.read_text("utf-8") or "1 of" not in page.read_text("utf-8")
    run.write_text(
        run.read_text("utf-8").replace("- [ ] All code reviewed", "- [x] All code reviewed"), "utf-8"
    )
    build(root, "zensical", "site")
    assert "1 of" in page.read_text("utf-8")
    assert "1 of" in (site / "history" / "index.html").read_text("utf-8") or "v1" in (
        site / "history" / "index.html"
    ).read_text("utf-8")


ZENSICAL_GUARDED = MKDOCS_YML.replace(
    "markdown_extensions:\n", "markdown_extensions:\n  - runbookgen.engines.zensical\n"
)


def test_plain_zensical_build_of_a_runbookgen_site_fails_loudly(tmp_path: Path) -> None:
    """With the extension listed, ``zensical build`` cannot silently drop the pages; and the
    same configuration still builds under MkDocs, where the extension does nothing."""
    root = make_repo(tmp_path / "guarded", ZENSICAL_GUARDED)
    write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    proc = subprocess.run(
        [sys.executable, "-m", "zensical", "build"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0
    assert "runbookgen build --engine zensical" in proc.stdout + proc.stderr
    shutil.rmtree(root / "site", ignore_errors=True)
    mk = build(root, "mkdocs", "site-mk")
    zen = build(root, "zensical", "site-zen")
    page = "runs/production-deployment/2026-10-05-v1/index.html"
    assert rbg_parts(mk / page) == rbg_parts(zen / page) != []


@pytest.mark.slow
def test_zensical_serve_rebuilds_and_cleans_up(tmp_path: Path) -> None:
    from test_site_serve import free_port, wait_for

    root = make_repo(tmp_path / "serve")
    run = write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01"), seed_body())
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runbookgen", "serve", "--engine", "zensical", "-a", f"127.0.0.1:{port}"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/runs/production-deployment/2026-12-01-v2.4.0/"
        html = wait_for(url, "v2.4.0")
        assert 'data-state="open"' in html  # the checklist is on the page under serve
        time.sleep(1)
        run.write_text(run.read_text("utf-8").replace("lead: '@alice'", "lead: '@zoe-serve'"), "utf-8")
        wait_for(url, "@zoe-serve")
        wait_for(f"http://127.0.0.1:{port}/history/", "@zoe-serve")
        assert (root / ".runbookgen-zensical.yml").is_file()
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C would, to runbookgen only
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130), proc.stderr.read().decode() if proc.stderr else ""
    assert not (root / ".runbookgen-zensical.yml").exists()


def test_plugin_options_follow_the_schema() -> None:
    from runbookgen.engines.mkdocs.config import RunbookgenConfig
    from runbookgen.engines.options import plugin_options

    defaults = plugin_options(None, "mkdocs.yml")
    assert defaults == {k: v.default for k, v in RunbookgenConfig._schema}
    assert plugin_options({"runs_dir": "records", "run_branches": ["a/*"]}, "x")["runs_dir"] == "records"
    with pytest.raises(RunbookgenError, match="unknown option 'runz_dir'"):
        plugin_options({"runz_dir": "x"}, "mkdocs.yml")
    with pytest.raises(RunbookgenError, match="'workers' must be of type integer"):
        plugin_options({"workers": "many"}, "mkdocs.yml")
    with pytest.raises(RunbookgenError, match="'history' must be of type boolean"):
        plugin_options({"history": 1}, "mkdocs.yml")


def test_zensical_without_directory_urls(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "flat", MKDOCS_YML + "use_directory_urls: false\n")
    write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    write_run(root, "index.md", front_matter("v0", "2026-10-04"), seed_body())  # a run named index
    mk, zen = build(root, "mkdocs", "site-mk"), build(root, "zensical", "site-zen")
    assert "runs/production-deployment/2026-10-05-v1.html" in html_pages(mk)
    assert html_pages(zen) == html_pages(mk)
    assert [p for p in sorted(html_pages(mk)) if rbg_parts(mk / p) != rbg_parts(zen / p)] == []
    assert broken_links(zen) == []


def test_a_new_repository_is_guarded_against_a_plain_zensical_build(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "new")).returncode == 0
    proc = subprocess.run(
        [sys.executable, "-m", "zensical", "build"], cwd=tmp_path / "new", capture_output=True, text=True
    )
    assert proc.returncode != 0 and "runbookgen build --engine zensical" in proc.stdout + proc.stderr
    build(tmp_path / "new", "zensical", "site")  # while runbookgen's own Zensical build works


def test_zensical_reads_env_tags_as_mkdocs_does(tmp_path: Path) -> None:
    """``enabled: !ENV [RUNBOOKGEN, true]`` (the documented switch) and ``!ENV`` settings."""
    config = MKDOCS_YML.replace(
        "  - runbookgen\n", "  - runbookgen:\n      enabled: !ENV [RUNBOOKGEN, true]\n"
    )
    config = config.replace("site_name: Test runbooks", "site_name: !ENV [SITE_NAME, Fallback name]")
    root = make_repo(tmp_path / "env", config)
    write_run(root, "2026-10-05-v1.md", front_matter("v1", "2026-10-05"), seed_body())
    proc = run_cli("build", "--engine", "zensical", "-q", cwd=root, env={"SITE_NAME": "From env"})
    assert proc.returncode == 0, proc.stderr
    run_page = root / "site/runs/production-deployment/2026-10-05-v1/index.html"
    assert "From env" in run_page.read_text("utf-8")
    proc = run_cli("build", "--engine", "zensical", "-q", cwd=root, env={"RUNBOOKGEN": "false"})
    assert proc.returncode == 0, proc.stderr
    assert not run_page.exists()  # plugin off: Zensical's plain build (guard satisfied), no run pages
    assert (root / "site" / "production-deployment" / "index.html").is_file()
