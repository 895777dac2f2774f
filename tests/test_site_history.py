"""The site with history from real git: a real repository, a real ``mkdocs build``.

Two runs of the production runbook. In the open one (v2.4.0) Alice and Bob tick items
across several commits at fixed dates, one through a pull request branch merged with
``Merge pull request #13``, one in a squash-style ``(#12)`` commit; a wait step is cut
short and Carol signs off. The other run (v2.3.0) finished successfully, for statistics.
The site is built once per module; then a shallow clone and a directory that is not a
repository are built too.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import GIT_ENV
from test_site_support import (
    Node,
    front_matter,
    make_repo,
    mkdocs_build,
    parse_html,
    seed_body,
    write_run,
)

ALICE = ("Alice Ops", "alice@example.com")
BOB = ("Bob Dev", "bob@example.com")
CAROL = ("Carol SRE", "carol@example.com")
OPEN = "runs/production-deployment/2026-12-01-v2.4.0.md"
DONE = "runs/production-deployment/2026-11-01-v2.3.0.md"
OPEN_URL = "runs/production-deployment/2026-12-01-v2.4.0"
P1 = "during-deployment/phase-1-database-migration-if-required"
P4 = "during-deployment/phase-4-traffic-migration"


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, who: tuple[str, str] = ALICE, when: str = "2026-12-01T09:00") -> None:
        stamp = f"{when}:00+00:00"
        env = {
            **os.environ,
            **GIT_ENV,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        proc = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    def tick(self, path: str, *texts: str, skip: str | None = None) -> None:
        p = self.root / path
        body = p.read_text(encoding="utf-8")
        for t in texts:
            assert f"- [ ] {t}" in body, t
            body = body.replace(f"- [ ] {t}", f"- [x] {t}", 1)
        if skip:
            body = body.replace(f"- [ ] {skip}", f"- [x] ~~{skip}~~ n/a: online migration", 1)
        p.write_text(body, encoding="utf-8")

    def commit(self, message: str, who: tuple[str, str], when: str) -> None:
        self.git("add", "runs", "content", "mkdocs.yml", who=who, when=when)
        self.git("commit", "-q", "-m", message, who=who, when=when)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    r = Repo(make_repo(tmp_path_factory.mktemp("sitehist") / "repo"))
    r.git("init", "-q", "-b", "main")
    (r.root / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    write_run(r.root, Path(DONE).name, front_matter("v2.3.0", "2026-11-01"), seed_body())
    write_run(r.root, Path(OPEN).name, front_matter("v2.4.0", "2026-12-01"), seed_body())
    r.commit("New runs", ALICE, "2026-11-01T08:00")
    # the finished run: phase 1 in 10 minutes, 30 minutes first to last tick
    r.tick(DONE, "Create final database backup")
    r.commit("backup", BOB, "2026-11-01T09:00")
    r.tick(DONE, "Verify migration success")
    r.commit("verified", BOB, "2026-11-01T09:10")
    r.tick(DONE, "Route 10% of traffic to new version")
    (r.root / DONE).write_text((r.root / DONE).read_text().replace("status: in-progress", "status: success"))
    r.commit("v2.3.0 done", BOB, "2026-11-01T09:30")
    # the open run, by two authors
    r.tick(OPEN, "Create final database backup", skip="Put application in maintenance mode (if needed)")
    r.commit("Backup before migrating (#12)", ALICE, "2026-12-01T09:20")
    r.git("checkout", "-q", "-b", "bob/migrate", when="2026-12-01T09:25")
    r.tick(OPEN, "Run database migrations")
    r.commit("Migrations ran", BOB, "2026-12-01T09:30")
    r.git("checkout", "-q", "main", when="2026-12-01T09:40")
    r.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #13 from bob/migrate",
        "bob/migrate",
        who=CAROL,
        when="2026-12-01T09:40",
    )
    r.tick(OPEN, "Verify migration success")
    r.commit("Verified", ALICE, "2026-12-01T09:45")
    r.tick(OPEN, "Route 10% of traffic to new version")
    r.commit("10%", BOB, "2026-12-01T10:00")
    r.tick(OPEN, "Monitor for 10 minutes", "Route 25% of traffic to new version")
    r.commit("25% already", BOB, "2026-12-01T10:03")
    p = r.root / OPEN
    p.write_text(
        p.read_text().replace(
            "- [ ] Engineering Manager: _________________ Date: _______",
            "- [x] Engineering Manager: Jane Doe Date: 2026-12-01",
            1,
        )
    )
    r.commit("Approve", CAROL, "2026-12-01T10:10")
    return r


@pytest.fixture(scope="module")
def built(repo: Repo) -> tuple[Path, str]:
    proc = mkdocs_build(repo.root)
    assert proc.returncode == 0, proc.stderr
    return repo.root / "site", proc.stderr


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def words(node: Node) -> str:
    return " ".join(node.text.split())


def by_id(html: str, ident: str) -> Node:
    tree = parse_html(html)
    return next(n for n in tree.all if n.attrs.get("id") == ident)


def ticks_of(html: str, item_id: str) -> str:
    li = by_id(html, "i-" + item_id.replace("/", "--"))
    span = next(c for c in li.elements("span") if c.attrs.get("class") == "rbg-ticks")
    return words(span)


def test_run_page_shows_who_ticked_what_and_when(built: tuple[Path, str]) -> None:
    site, stderr = built
    assert "shallow" not in stderr
    html = page(site, OPEN_URL)
    assert (
        ticks_of(html, f"{P1}/create-final-database-backup")
        == "ticked by Alice Ops at 2026-12-01 09:20 UTC (#12)"
    )
    # a tick on a pull request branch carries the number of the merge that brought it in
    assert (
        ticks_of(html, f"{P1}/run-database-migrations") == "ticked by Bob Dev at 2026-12-01 09:30 UTC (#13)"
    )
    assert (
        ticks_of(html, f"{P1}/put-application-in-maintenance-mode-if-needed")
        == "skipped by Alice Ops at 2026-12-01 09:20 UTC (#12)"
    )
    li = by_id(html, f"i-{P1}/verify-migration-success".replace("/", "--"))
    time = next(n for n in li.find_all(lambda n: n.tag == "time"))
    assert time.attrs["datetime"] == "2026-12-01T09:45:00+00:00"
    # the time links to the commit in the page's commit list: email, commit, message
    link = next(n for n in li.find_all(lambda n: n.tag == "a"))
    assert link.attrs["class"] == "rbg-commit" and link.attrs["href"].startswith("#rbg-commit-")
    cells = [words(td) for td in by_id(html, link.attrs["href"][1:]).elements("td")]
    assert re.fullmatch(r"[0-9a-f]{7}", cells[0])
    assert cells[1:] == ["Alice Ops <alice@example.com>", "2026-12-01 09:45 UTC", "Verified", ""]
    pr = by_id(html, f"i-{P1}/create-final-database-backup".replace("/", "--"))
    row = by_id(html, next(a for a in pr.find_all(lambda n: n.tag == "a")).attrs["href"][1:])
    hrefs = [a.attrs["href"] for a in row.find_all(lambda n: n.tag == "a")]
    assert "https://github.com/example/ops/pull/12" in hrefs
    assert any(re.fullmatch(r"https://github.com/example/ops/commit/[0-9a-f]{40}", h) for h in hrefs)
    # each commit once, oldest first: the list is as long as the commits that ticked
    commits = next(n for n in parse_html(html).all if "rbg-commits" in n.attrs.get("class", "").split())
    messages = [
        words(tr.elements("td")[3]) for tr in commits.find_all(lambda n: n.tag == "tr") if tr.elements("td")
    ]
    assert messages == [
        "Backup before migrating (#12)",
        "Migrations ran",
        "Verified",
        "10%",
        "25% already",
        "Approve",
    ]
    still_open = by_id(html, f"i-{P1}/test-database-connectivity".replace("/", "--"))
    assert not still_open.find_all(lambda n: n.attrs.get("class") == "rbg-ticks")


def test_phase_durations_against_estimates(built: tuple[Path, str]) -> None:
    site, _ = built
    html = page(site, OPEN_URL)
    tree = parse_html(html)
    rows = {r.attrs["data-section"]: r for r in tree.all if r.tag == "tr" and "data-section" in r.attrs}
    cells = [words(td) for td in rows[P1].elements("td")]
    assert cells == [
        "Phase 1: Database Migration (if required)",
        "2026-12-01 09:20 UTC",
        "2026-12-01 09:45 UTC",
        "25 min over estimate",
        "10–15 min",
    ]
    assert "data-over" in rows[P1].attrs
    assert [words(td) for td in rows[P4].elements("td")] == [
        "Phase 4: Traffic Migration",
        "2026-12-01 10:00 UTC",
        "2026-12-01 10:03 UTC",
        "3 min",
        "40–50 min",
    ]
    assert "data-over" not in rows[P4].attrs
    text = " ".join(parse_html(html).root.text.split())
    assert "First tick 2026-12-01 09:20 UTC, last tick 2026-12-01 10:10 UTC." in text
    # the run's duration is its During Deployment stage (not the sign-off after it), said so
    assert "Deployment (During Deployment, first to last tick): 43 min." in text
    # next to the estimate in the checklist, too
    assert 'Estimate: 10–15 min · <span class="rbg-over">actual: 25 min, over the estimate</span>' in html
    assert "Estimate: 40–50 min · actual: 3 min" in html


def test_wait_step_cut_short_and_signoff(built: tuple[Path, str]) -> None:
    site, _ = built
    html = page(site, OPEN_URL)
    monitor = by_id(html, f"i-{P4}/monitor-for-10-minutes".replace("/", "--"))
    short = [words(s) for s in monitor.find_all(lambda n: "rbg-tag-short" in n.attrs.get("class", ""))]
    assert short == ["waited 3 min of 10 min"]
    waits = next(n for n in parse_html(html).all if n.attrs.get("class") == "rbg-waits")
    assert words(waits) == (
        "Monitor for 10 minutes: the next step was ticked 3 min after the step "
        "before the wait; the wait is 10 min too soon"
    )
    signoffs = next(n for n in parse_html(html).all if "rbg-signoffs" in n.attrs.get("class", ""))
    rows = [
        [words(td) for td in tr.elements("td")]
        for tr in signoffs.find_all(lambda n: n.tag == "tr")
        if tr.elements("td")
    ]
    assert rows[0][:2] == [
        "Engineering Manager: Jane Doe, Date: 2026-12-01",
        "ticked by Carol SRE at 2026-12-01 10:10 UTC",
    ]
    # the name written is not who ticked it (no signers: configured): said so, not verified
    assert rows[0][2].startswith("mismatch the Engineering Manager sign-off (Jane Doe): commit ")
    assert "is by Carol SRE" in rows[0][2] and "not the person it names" in rows[0][2]
    assert rows[0][2].count("Jane Doe") == 1  # the name once, not repeated in the finding
    assert "verified" not in rows[0][2] and len(rows) == 1
    sign = "deployment-sign-off/pre-deployment-approval/engineering-manager-date"
    assert ticks_of(html, sign) == "ticked by Carol SRE at 2026-12-01 10:10 UTC"


def test_statistics_on_runbook_and_history_pages(built: tuple[Path, str]) -> None:
    site, _ = built
    tree = parse_html(page(site, "production-deployment"))
    dl = next(
        n
        for n in tree.all
        if n.tag == "dl" and "rbg-summary" in n.attrs.get("class", "") and "Success rate" in n.text
    )
    facts = dict(
        zip([words(n) for n in dl.elements("dt")], [words(n) for n in dl.elements("dd")], strict=True)
    )
    assert facts["Success rate"] == "100% (1 of 1 finished)"
    assert facts["Median deployment duration"] == "30 min (median of 1 finished run)"
    assert facts["Last exercised"] == "2026-12-01 (v2.4.0, last tick 2026-12-01 10:10 UTC)"
    phase = next(r for r in tree.all if r.tag == "tr" and r.attrs.get("data-phase") == P1)
    assert [words(td) for td in phase.elements("td")][:4] == [
        "Phase 1: Database Migration (if required)",
        "10–15 min",
        "10 min",
        "0 of 1 run",
    ]
    hist = parse_html(page(site, "history"))
    table = next(n for n in hist.all if "rbg-runbook-stats" in n.attrs.get("class", ""))
    row = [words(td) for td in table.find_all(lambda n: n.tag == "td")]
    assert row[:4] == [
        "Production Deployment Checklist",
        "2",
        "100% (1 of 1 finished)",
        "30 min (median of 1 finished run)",
    ]
    runs = next(n for n in hist.all if "rbg-sortable" in n.attrs.get("class", ""))
    assert "Deployment duration" in words(runs.find_all(lambda n: n.tag == "thead")[0])
    durations = {
        words(tr.elements("td")[1]): words(tr.elements("td")[-1])
        for tr in runs.find_all(lambda n: n.tag == "tr")
        if tr.elements("td")
    }
    assert durations == {"v2.4.0": "43 min", "v2.3.0": "30 min"}


def _clone(repo: Repo, dest: Path, *args: str) -> Path:
    subprocess.run(
        ["git", "clone", "-q", *args, f"file://{repo.root}", str(dest)],
        check=True,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
    )
    return dest


def test_shallow_clone_builds_with_a_warning_even_strict(
    repo: Repo, built: tuple[Path, str], tmp_path: Path
) -> None:
    clone = _clone(repo, tmp_path / "shallow", "--depth", "1")
    proc = mkdocs_build(clone, "--strict")
    assert proc.returncode == 0, proc.stderr
    warning = [line for line in proc.stderr.splitlines() if "shallow clone" in line]
    assert len(warning) == 1 and warning[0].startswith("WARNING") and "fetch-depth: 0" in warning[0]
    html = page(clone / "site", OPEN_URL)
    assert 'data-history="incomplete"' in html and "fetch-depth: 0" in html


def test_not_a_repository_builds_with_history_unavailable(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain")
    write_run(root, "2026-12-01-v1.md", front_matter("v1", "2026-12-01"), seed_body())
    proc = mkdocs_build(root, "--strict")
    assert proc.returncode == 0, proc.stderr
    html = page(root / "site", "runs/production-deployment/2026-12-01-v1")
    off = next(n for n in parse_html(html).all if n.attrs.get("data-history") == "unavailable")
    assert words(off).startswith("History unavailable: not a git repository.")
    assert "rbg-ticks" not in html
    assert re.search(
        r"Median deployment duration</dt>\s*<dd>unknown", page(root / "site", "production-deployment")
    )


def test_never_committed_run_is_unavailable(repo: Repo, built: tuple[Path, str], tmp_path: Path) -> None:
    clone = _clone(repo, tmp_path / "full")
    write_run(clone, "2026-12-08-v2.5.0.md", front_matter("v2.5.0", "2026-12-08"), seed_body())
    proc = mkdocs_build(clone)
    assert proc.returncode == 0, proc.stderr
    html = page(clone / "site", "runs/production-deployment/2026-12-08-v2.5.0")
    off = next(n for n in parse_html(html).all if n.attrs.get("data-history") == "unavailable")
    assert "not committed yet" in words(off)
    # the committed runs in the same build still have their history
    assert 'data-history="unavailable"' not in page(clone / "site", OPEN_URL)


def test_history_option_off_reads_no_git(repo: Repo, tmp_path: Path) -> None:
    clone = _clone(repo, tmp_path / "off")
    yml = clone / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  - runbookgen\n", "  - runbookgen:\n      history: false\n"))
    proc = mkdocs_build(clone)
    assert proc.returncode == 0, proc.stderr
    html = page(clone / "site", OPEN_URL)
    assert "rbg-timeline" not in html and "rbg-ticks" not in html


def test_serve_cache_rerenders_only_runs_whose_history_changed(repo: Repo, tmp_path: Path) -> None:
    from runbookgen.history import clear_cache, load_history
    from runbookgen.project import Project
    from runbookgen.web.site import Site, SiteOptions

    clone = Repo(_clone(repo, tmp_path / "serve"))
    project = Project.from_root(clone.root)
    cache: dict = {}
    Site.load(project, SiteOptions(), cache=cache, git_history=load_history(project))
    before = dict(cache)
    again = Site.load(project, SiteOptions(), cache=cache, git_history=load_history(project))
    assert cache == before and all(r.first_tick for r in again.runs)
    clone.tick(OPEN, "Route 50% of traffic to new version")
    clone.commit("50%", BOB, "2026-12-01T10:30")
    clear_cache()
    after = Site.load(project, SiteOptions(), cache=cache, git_history=load_history(project))
    assert len(cache) == 2
    assert {k[0] for k in cache if k not in before} == {str(clone.root / OPEN)}  # the other is reused
    run = next(r for r in after.runs if r.relpath == OPEN)
    assert run.last_tick == "2026-12-01T10:30:00+00:00" and run.minutes == 70.0


def _many_runs(repo: Repo, dest: Path, count: int) -> Repo:
    """A clone with ``count`` more runs (enough for worker processes), ticked in commits."""
    clone = Repo(_clone(repo, dest))
    for i in range(count):
        write_run(
            clone.root,
            f"2026-10-{i % 28 + 1:02d}-v1.{i}.0.md",
            front_matter(f"v1.{i}.0", f"2026-10-{i % 28 + 1:02d}"),
            seed_body(),
        )
    clone.commit("More runs", ALICE, "2026-10-01T08:00")
    for i in range(0, count, 3):
        path = f"runs/production-deployment/2026-10-{i % 28 + 1:02d}-v1.{i}.0.md"
        clone.tick(path, "Create final database backup")
    clone.commit("Backups (#20)", BOB, "2026-10-02T09:00")
    return clone


def test_workers_read_history_while_parsing_and_match_serial(repo: Repo, tmp_path: Path) -> None:
    """With worker processes, git history loads in the parent while they parse; the pages
    must be exactly those of a serial build that loaded history first."""
    from runbookgen.history import load_history
    from runbookgen.project import Project
    from runbookgen.web.site import Site, SiteOptions

    clone = _many_runs(repo, tmp_path / "many", 40)
    # a broken run record (bad YAML) among them: an error page either way
    write_run(clone.root, "2026-10-30-broken.md", "---\nrunbook: [unclosed\n---\n", seed_body())
    clone.commit("A broken run", ALICE, "2026-10-03T08:00")
    calls: list[int] = []

    def source() -> object:
        calls.append(os.getpid())
        return load_history(Project.from_root(clone.root), use_cache=False)

    serial = Site.load(Project.from_root(clone.root), SiteOptions(), workers=1, git_history=source)
    progress: list[tuple[int, int]] = []
    parallel = Site.load(
        Project.from_root(clone.root),
        SiteOptions(),
        workers=2,
        git_history=source,
        on_progress=lambda n, t: progress.append((n, t)),
    )
    assert calls == [os.getpid(), os.getpid()]  # once per build, in this process
    assert parallel.git_history is not None and parallel.git_history.available

    def key(site: Site) -> list[tuple]:
        return [(r.relpath, r.body, r.minutes, r.phase_minutes, r.first_tick, r.last_tick) for r in site.runs]

    assert len(parallel.runs) == 43 and key(parallel) == key(serial)
    assert [r.relpath for r in parallel.runs if r.broken] == [
        "runs/production-deployment/2026-10-30-broken.md"
    ]
    ticked = [r for r in parallel.runs if r.first_tick == "2026-10-02T09:00:00+00:00"]
    assert len(ticked) == 14 and all("Bob Dev" in r.body for r in ticked)
    assert progress[-1] == (43, 43) and [n for n, _ in progress] == sorted(n for n, _ in progress)


def test_history_failure_in_the_parent_stops_the_workers(repo: Repo, tmp_path: Path) -> None:
    from runbookgen.project import Project
    from runbookgen.web.site import Site, SiteOptions

    clone = _many_runs(repo, tmp_path / "fail", 40)

    def source() -> object:
        raise ValueError("history broke")

    with pytest.raises(ValueError, match="history broke"):
        Site.load(Project.from_root(clone.root), SiteOptions(), workers=2, git_history=source)
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_an_error_not_a_hang(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runbookgen.errors import RunbookgenError
    from runbookgen.project import Project
    from runbookgen.web.runs import RunReader
    from runbookgen.web.site import Site, SiteOptions

    clone = _many_runs(repo, tmp_path / "dies", 40)

    def render(self: RunReader, *args: object) -> None:  # runs in the (forked) worker processes
        os._exit(3)

    monkeypatch.setattr(RunReader, "render_parts", render)
    with pytest.raises(RunbookgenError, match=r"stopped unexpectedly \(exit code 3\)"):
        Site.load(Project.from_root(clone.root), SiteOptions(), workers=2)
    import multiprocessing

    assert multiprocessing.active_children() == []


def _later_site(clone: Repo) -> tuple[object, dict[str, str]]:
    """A site whose workers render the rest of run pages later, and the bodies of the same
    site built serially."""
    from runbookgen.history import load_history
    from runbookgen.project import Project
    from runbookgen.web.site import Site, SiteOptions

    def source() -> object:
        return load_history(Project.from_root(clone.root), use_cache=False)

    serial = Site.load(Project.from_root(clone.root), SiteOptions(), workers=1, git_history=source)
    site = Site.load(Project.from_root(clone.root), SiteOptions(), workers=2, git_history=source, later=True)
    return site, {r.relpath: r.body for r in serial.runs}


def test_run_pages_rendered_while_pages_are_written_are_those_of_a_serial_build(
    repo: Repo, tmp_path: Path
) -> None:
    """``later``: the workers render the rest of each run page after reading, in the order
    the pages are written (newest first): the same pages as a serial build, and the parent
    holds none of them before it asks."""
    import multiprocessing

    site, want = _later_site(_many_runs(repo, tmp_path / "later", 40))
    try:
        assert site.later is not None
        kept = [r for r in site.runs if r.details_source is not None]
        assert len(kept) >= 40 and all(r.packed_details == b"" for r in kept)
        ticked = 0
        for run in site.runs:  # as MkDocs writes them
            summary = run.summary
            rest = run.take_details()
            assert summary + rest == want[run.relpath]
            assert site.later.arrived == {}  # arrived when asked for, in that order
            ticked += run.first_tick == "2026-10-02T09:00:00+00:00" and "Bob Dev" in rest
        assert ticked == 14
    finally:
        site.close()
    assert multiprocessing.active_children() == []


def test_run_pages_asked_for_out_of_order_or_beyond_the_cap_are_still_right(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``MAX_PENDING`` pages a worker renders pages whole while reading (its memory
    stays bounded); a page asked for out of order waits in the parent."""
    import multiprocessing

    from runbookgen.web import workers

    monkeypatch.setattr(workers, "MAX_PENDING", 8)
    site, want = _later_site(_many_runs(repo, tmp_path / "later", 40))
    try:
        kept = [r for r in site.runs if r.details_source is not None]
        whole = [r for r in site.runs if r.details_source is None]
        assert len(kept) == 16 and len(whole) == len(want) - 16
        assert all(r.packed_details for r in whole if not r.broken)
        twice = kept[len(kept) // 2]
        assert twice.body == want[twice.relpath] == twice.body  # kept after the first time
        assert twice.details_source is None and twice.packed_details
        held = 0
        assert site.later is not None
        for run in reversed(site.runs):
            summary = run.summary
            assert summary + run.take_details() == want[run.relpath]
            held = max(held, len(site.later.arrived))
        assert held > 0
    finally:
        site.close()
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_while_pages_are_written_is_an_error_not_a_hang(
    repo: Repo, tmp_path: Path
) -> None:
    import multiprocessing

    from runbookgen.errors import RunbookgenError

    site, _ = _later_site(_many_runs(repo, tmp_path / "later", 40))
    try:
        assert site.later is not None
        for proc in site.later.procs:
            proc.kill()
        with pytest.raises(RunbookgenError, match=r"stopped unexpectedly \(exit code -9\)"):
            for run in site.runs:
                run.take_details()
    finally:
        site.close()
    assert multiprocessing.active_children() == []


def test_closing_a_site_stops_workers_waiting_to_send_pages(repo: Repo, tmp_path: Path) -> None:
    """A build that fails, or skips pages, never asks for some pages: closing it stops the
    workers, which wait to send them."""
    import multiprocessing

    site, _ = _later_site(_many_runs(repo, tmp_path / "later", 40))
    assert site.later is not None and multiprocessing.active_children()
    site.close()
    site.close()  # twice is harmless
    assert site.later is None and multiprocessing.active_children() == []
