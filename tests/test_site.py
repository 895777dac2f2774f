"""The site, built for real with ``mkdocs build``: pages, GitHub nesting, badges, search, safety."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runbookgen.web.badges import ENDPOINT_KEYS, Badge, run_badge
from test_site_support import (
    front_matter,
    make_repo,
    mkdocs_build,
    parse_html,
    seed_body,
    tick,
    write_run,
)

RUN = "runs/production-deployment/2026-12-01-v2.4.0"
ROLLED = "runs/production-deployment/2026-11-01-v2.3.0"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("site") / "repo")
    body = tick(
        seed_body(),
        "All code reviewed and approved",
        "Error rate < 0.1%",
        "Deploy backend to green environment",
    )
    body = body.replace(
        "- [ ] Secrets rotated (if needed)", "- [x] ~~Secrets rotated (if needed)~~ n/a: nothing changed"
    )
    body = body.replace(
        "- [ ] Run database migrations", "- [x] Run database migrations\n  Took 4 minutes; see ticket OPS-12."
    )
    body = body.replace(
        "- [ ] DevOps Lead: _________________ Date: _______", "- [x] DevOps Lead: Dana Ops Date: 2026-12-01"
    )
    write_run(root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01", lead="'@alice'"), body)
    rolled = tick(seed_body(), "Error rate exceeds 1%", "Announce rollback decision to team")
    write_run(
        root,
        "2026-11-01-v2.3.0.md",
        front_matter("v2.3.0", "2026-11-01", status="rolled-back", lead="'@bob'"),
        rolled,
    )
    write_run(root, "2026-10-01-broken.md", "---\nrunbook: [unclosed\n---\n", "# x\n")
    outside = root.parent / "secret.md"
    outside.write_text(front_matter("vSECRET", "2026-01-01") + "TOPSECRET-CONTENT\n", encoding="utf-8")
    (root / "runs" / "production-deployment" / "2026-09-01-link.md").symlink_to(outside)
    return root


@pytest.fixture(scope="module")
def built(repo: Path) -> tuple[Path, str]:
    proc = mkdocs_build(repo)
    assert proc.returncode == 0, proc.stderr
    return repo / "site", proc.stderr


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def item_states(tree: Any) -> dict[str, str]:
    """Item text → data-state (done/open/skipped/triggered/criterion) of every checklist item."""
    out = {}
    for li in tree.all:
        if li.tag == "li" and "data-state" in li.attrs:
            # the item's text is inside its checkbox's label (the checkbox's accessible name)
            label = li.elements("label")[0]
            span = [c for c in label.elements("span") if "rbg-text" in c.attrs.get("class", "")]
            out.setdefault(span[0].text.strip(), li.attrs["data-state"])
    return out


def test_pages_exist(built: tuple[Path, str]) -> None:
    site, _ = built
    for url in ("", "history", "production-deployment", RUN, ROLLED):
        assert (site / url / "index.html").is_file(), url
    home = page(site, "")
    assert "Runs in progress" in home and "v2.4.0" in home and "Recent outcomes" in home
    assert "v2.3.0" in home  # finished (rolled back) → recent outcomes


def test_runbook_page_nests_like_github(built: tuple[Path, str]) -> None:
    site, _ = built
    for url in ("production-deployment", RUN):
        tree = parse_html(page(site, url))
        monitors = tree.root.find_all(
            lambda n: (
                n.tag == "li"
                and "rbg-item" in n.attrs.get("class", "")
                and n.own_text().strip() == "Monitor for 10 minutes"
            )
        )
        assert len(monitors) == 3
        nested = [li.own_text().strip() for ul in monitors[0].elements("ul") for li in ul.elements("li")]
        assert nested == ["Error rate < 0.1%", "Response time < 500ms", "No critical errors"]
        assert not monitors[1].elements("ul")
        steps = tree.root.find_all(lambda n: n.tag == "ol" and "rbg-steps" in n.attrs.get("class", ""))
        assert len(steps) == 1
        lis = steps[0].elements("li")
        assert len(lis) == 5
        for li in lis:
            tasks = [t for ul in li.elements("ul") for t in ul.elements("li")]
            assert len(tasks) == 4, li.text[:60]
        assert "Immediate Actions" in lis[0].text and "Announce rollback decision" in lis[0].text


def test_run_page_states_banner_signoff_and_edit_link(built: tuple[Path, str]) -> None:
    site, _ = built
    tree = parse_html(page(site, RUN))
    states = item_states(tree)
    assert states["All code reviewed and approved"] == "done"
    assert states["All tests passing (unit, integration, e2e)"] == "open"
    assert states["Secrets rotated (if needed)"] == "skipped"
    assert states["Error rate exceeds 1%"] == "criterion"
    html = page(site, RUN)
    assert "Took 4 minutes; see ticket OPS-12." in html  # notes are kept
    assert "Dana Ops" in html and "2026-12-01" in html  # sign-off name and date
    edit = [a.attrs["href"] for a in tree.all if a.tag == "a" and "Edit the run file" in a.text]
    assert edit == [
        "https://github.com/example/ops/edit/main/runs/production-deployment/2026-12-01-v2.4.0.md"
    ]
    bar = next(n for n in tree.all if n.tag == "progress")
    # 5 of 165 done: one skipped and 6 optional items left open are counted apart (the
    # ticked optional "Run database migrations" counts), triggers and rollback not at all
    assert bar.attrs["value"] == "3.0" and bar.attrs["max"] == "100"
    assert "5 of 165 done, 1 skipped, 6 optional left open (3%)" in html
    assert "rbg-rollback" not in html

    rolled = parse_html(page(site, ROLLED))
    assert any("rbg-rollback" in n.attrs.get("class", "") for n in rolled.all)
    states = item_states(rolled)
    assert states["Error rate exceeds 1%"] == "triggered"


def test_runs_are_out_of_the_navigation(built: tuple[Path, str]) -> None:
    site, _ = built
    html = page(site, RUN)
    assert "2026-11-01-v2.3.0" not in html  # no other run is linked from a run page
    assert "history/" in html
    assert len(page(site, "production-deployment").encode()) < 400_000


def test_history_page_lists_every_run_sortable_with_chart(built: tuple[Path, str]) -> None:
    site, _ = built
    tree = parse_html(page(site, "history"))
    table = next(n for n in tree.all if n.tag == "table" and "rbg-sortable" in n.attrs.get("class", ""))
    rows = [r for b in table.elements("tbody") for r in b.elements("tr")]
    assert len(rows) == 4  # two good runs, the broken file and the refused symlink
    assert [n for n in tree.all if n.tag == "svg" and "rbg-chart" in n.attrs.get("class", "")]
    heads = [th.text for th in table.find_all(lambda n: n.tag == "th")]
    assert heads == ["Date", "Release", "Runbook", "Status", "Progress", "Lead"]


def test_badges_and_endpoint_json(built: tuple[Path, str]) -> None:
    site, _ = built
    for stem in ("badges/production-deployment", f"badges/{RUN}", f"badges/{ROLLED}"):
        svg = (site / f"{stem}.svg").read_text()
        assert svg.startswith(("<?xml", "<svg"))
        data = json.loads((site / f"{stem}.json").read_text())
        assert set(data) <= ENDPOINT_KEYS and data["schemaVersion"] == 1
        assert data["label"] and data["message"]
    assert json.loads((site / f"badges/{RUN}.json").read_text())["message"] == "3%"
    assert json.loads((site / "badges/production-deployment.json").read_text())["message"] == "in-progress"
    assert 'src="../../../badges/runs/production-deployment/2026-12-01-v2.4.0.svg"' in page(site, RUN)


def test_badge_svg_is_byte_stable() -> None:
    a = run_badge(45.0, "in-progress").svg()
    Badge("x", "y", "success").svg()
    assert run_badge(45.0, "in-progress").svg() == a
    assert "anybadge_1" in a


def test_broken_run_warns_and_strict_fails(repo: Path, built: tuple[Path, str]) -> None:
    site, log = built
    assert "2026-10-01-broken.md" in log and "invalid front matter YAML" in log
    html = page(site, "runs/production-deployment/2026-10-01-broken")
    assert "could not be read" in html and "invalid front matter YAML" in html
    proc = mkdocs_build(repo, "--strict", "-d", str(repo / "site-strict"))
    assert proc.returncode != 0
    assert "strict" in proc.stderr.lower()


def test_symlink_outside_repository_is_refused(built: tuple[Path, str]) -> None:
    site, log = built
    html = page(site, "runs/production-deployment/2026-09-01-link")
    assert "refused" in html
    assert "2026-09-01-link.md" in log
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".svg"}:
            assert "TOPSECRET" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_search_finds_items_and_runs_by_release_lead_status(built: tuple[Path, str]) -> None:
    site, _ = built
    index = json.loads((site / "search/search_index.json").read_text())
    docs = index["docs"]

    def texts(prefix: str) -> str:
        return " ".join(d["title"] + " " + d["text"] for d in docs if d["location"].startswith(prefix))

    assert "Deploy backend to green environment" in texts("production-deployment/")
    run = texts(RUN + "/")
    for needle in ("v2.4.0", "@alice", "in-progress"):
        assert needle in run
    assert "Deploy backend to green environment" not in run  # compact: no checklist in the index
    assert len([d for d in docs if d["location"].startswith(RUN + "/")]) <= 2


def test_serve_watches_runs_dir(repo: Path) -> None:
    from mkdocs.config import load_config

    cfg = load_config(str(repo / "mkdocs.yml"))
    plugin = cfg.plugins["runbookgen"]
    plugin.on_config(cfg)
    watched: list[str] = []

    class Server:
        def watch(self, path: str) -> None:
            watched.append(path)

    plugin.on_serve(Server(), config=cfg, builder=None)
    assert watched == [str(repo / "runs")]


def test_home_page_without_runs_says_how_to_start(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "empty")
    proc = mkdocs_build(root, "--strict")
    assert proc.returncode == 0, proc.stderr
    html = page(root / "site", "")
    assert "No runs yet" in html and "runbookgen new-run production-deployment --release" in html


def test_cli_build_and_strict(repo: Path) -> None:
    from conftest import run_cli

    proc = run_cli("build", "-d", str(repo / "site-cli"), cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert (repo / "site-cli" / RUN / "index.html").is_file()
    assert "run record runs/production-deployment/2026-10-01-broken.md" in proc.stderr
    proc = run_cli("build", "--strict", "-d", str(repo / "site-cli2"), cwd=repo)
    assert proc.returncode == 1 and "strict" in proc.stderr.lower()


def test_done_when_new_run_ticked_and_built(tmp_path: Path) -> None:
    """The issue's "done when": a run made by new-run, a few boxes ticked, mkdocs build."""
    import subprocess

    from conftest import run_cli

    root = make_repo(tmp_path / "clone")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=root, check=True)
    proc = run_cli(
        "new-run",
        "production-deployment",
        "--release",
        "v9.9.9",
        "--date",
        "2026-12-24",
        "--lead",
        "@zed",
        cwd=root,
    )
    assert proc.returncode == 0, proc.stderr
    [run] = list((root / "runs").rglob("*.md"))
    text = tick(run.read_text(encoding="utf-8"), "All code reviewed and approved", "Error rate < 0.1%")
    run.write_text(text, encoding="utf-8")
    proc = mkdocs_build(root, "--strict")
    assert proc.returncode == 0, proc.stderr
    site = root / "site"
    url = "runs/" + run.relative_to(root / "runs").with_suffix("").as_posix()
    html = page(site, url)
    assert "v9.9.9" in html and "@zed" in html and 'data-state="done"' in html
    assert "v9.9.9" in page(site, "") and "v9.9.9" in page(site, "history")
    assert (site / "badges" / f"{url}.svg").is_file() and (site / "badges" / f"{url}.json").is_file()


def test_cli_progress_reports_large_builds(capsys: pytest.CaptureFixture[str]) -> None:
    from runbookgen.cli.site import _Progress

    small = _Progress(quiet=False)
    small("runs", 10, 10)
    big = _Progress(quiet=False)
    for n in range(1, 1001):
        big("runs", n, 1000)
    big("pages", 1, 0)
    err = capsys.readouterr().err
    assert "read 1000/1000 run records" in err and "10/10" not in err


def test_own_home_page_with_marker(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "own-home")
    (root / "content" / "index.md").write_text(
        "# Ops handbook\n\nWelcome.\n\n<!-- runbookgen:home -->\n", encoding="utf-8"
    )
    write_run(root, "2026-12-01-v3.0.0.md", front_matter("v3.0.0", "2026-12-01"), seed_body())
    proc = mkdocs_build(root, "--strict")
    assert proc.returncode == 0, proc.stderr
    html = page(root / "site", "")
    assert "Ops handbook" in html and "Welcome." in html
    assert "Runs in progress" in html and "v3.0.0" in html


def test_odd_run_files_do_not_break_the_build_but_a_broken_template_does(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "odd")
    runs = root / "runs"
    (runs / "top-level.md").write_text(front_matter("v1", "2026-01-01") + seed_body(), encoding="utf-8")
    (runs / "production-deployment" / "no-front-matter.md").write_text(seed_body(), encoding="utf-8")
    (runs / "production-deployment" / "empty.md").write_text("", encoding="utf-8")
    (runs / "production-deployment" / "latin1.md").write_bytes(b"\xff\xfe bad")
    (runs / "production-deployment" / "typed.md").write_text(
        "---\nrunbook: production-deployment\nrelease: 2.4\ndate: 2026-01-01T10:00:00Z\nlead: [a, b]\n"
        "status: success\n---\n" + seed_body(),
        encoding="utf-8",
    )
    (runs / "production-deployment" / "dangling.md").symlink_to(tmp_path / "missing.md")
    broken = "---\nkinds: 5\n---\n# T\n- [ ] a\n<script>alert(1)</script>\n"
    (root / "content" / "broken-template.md").write_text(broken, encoding="utf-8")
    # a runbook that fails to parse is a build error (issue 13.8): MkDocs would publish it raw
    proc = mkdocs_build(root)
    assert proc.returncode == 1
    assert "runbook template" in proc.stderr and "broken-template.md" in proc.stderr
    assert "kinds" in proc.stderr and "Traceback" not in proc.stderr
    assert not (root / "site" / "broken-template").exists()
    (root / "content" / "broken-template.md").unlink()
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr
    site = root / "site"
    assert "rbg-steps" in page(site, "production-deployment")  # the good template is still ours
    assert 'data-state="done"' not in page(site, "runs/top-level")
    assert "could not be read" not in page(site, "runs/top-level")
    assert "not valid UTF-8" in page(site, "runs/production-deployment/latin1")
    assert "no front matter" in page(site, "runs/production-deployment/empty")
    typed = page(site, "runs/production-deployment/typed")
    assert "2026-01-01" in typed and ">2.4<" in typed
    # the same errors as `check` (one validation): a list as lead, a number as release
    assert "front matter &#39;lead&#39; must be a string" in typed
    assert "front matter &#39;release&#39; must be a string" in typed


def test_search_keeps_words_apart(built: tuple[Path, str]) -> None:
    """Every heading, cell, term and list item of the home, runbook and history pages is a
    separate word sequence in the search index ("Outcomes over time" never runs into the
    next heading, a table cell never into the next cell)."""
    import html as htmllib
    import re

    site, _ = built
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    checked = 0
    for url in ("", "production-deployment/", "history/"):
        docs = [d for d in index["docs"] if d["location"].split("#")[0] == url]
        indexed = " ".join(d["title"] + " " + d["text"] for d in docs)
        indexed = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", indexed)).split())
        tree = parse_html(page(site, url.rstrip("/")))

        def excluded(n: Any) -> bool:
            while n is not None:
                if "data-search-exclude" in n.attrs:
                    return True
                n = n.parent
            return False

        rbg = next(n for n in tree.all if n.tag == "div" and n.attrs.get("class") == "rbg")
        for node in rbg.find_all(lambda n: n.tag in ("td", "th", "dt", "dd", "li", "h1", "h2", "h3", "h4")):
            words_ = " ".join(node.text.split())
            if not words_ or excluded(node) or node.find_all(lambda n: n.tag in ("ul", "ol", "table")):
                continue
            checked += 1
            pattern = r"(?<![\w])" + re.escape(words_) + r"(?![\w])"
            assert re.search(pattern, indexed), f"{url or 'home'}: {words_!r} runs into its neighbours"
    assert checked > 100


def test_repository_and_starter_offer_light_and_dark_and_a_curated_nav() -> None:
    import yaml

    root = Path(__file__).resolve().parent.parent
    for path in (root / "mkdocs.yml", root / "src" / "runbookgen" / "starter" / "mkdocs.yml"):
        config = yaml.safe_load(path.read_text(encoding="utf-8").replace("__SITE_NAME__", "x"))
        palette = config["theme"]["palette"]
        assert [p["scheme"] for p in palette] == ["default", "slate"], path
        assert [p["media"] for p in palette] == [
            "(prefers-color-scheme: light)",
            "(prefers-color-scheme: dark)",
        ]
        assert all(p["toggle"]["name"] for p in palette)
    nav = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def pages(items: list[Any]) -> list[str]:
        out: list[str] = []
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out += pages(value) if isinstance(value, list) else [value]
        return out

    listed = pages(nav)
    docs = [p for p in listed if p.startswith("docs/")]
    assert docs[0] == "docs/getting-started.md"  # getting started first
    on_disk = sorted(f"docs/{p.name}" for p in (root / "content" / "docs").glob("*.md"))
    assert sorted(docs) == on_disk, "every documentation page is in the nav, once"
    assert "history.md" in listed and not any(p.startswith("runs/") for p in listed)
