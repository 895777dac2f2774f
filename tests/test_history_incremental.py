"""A build extends the cached history of an earlier commit instead of reading all of git.

In CI the pages workflow restores the previous build's ``.cache/runbookgen/`` (see
``.github/workflows/pages.yml``); ``history/load.py`` then replays only the commits since
the cached one. These tests build the cache at every commit of a repository with a pull
request merge, a rename, a wait step and a sign-off, move to the newest commit, and check
that the extended history is the one a full read gives, that only the newer commits were
read, and that a cache that cannot be extended, or that is committed to the repository
(where a pull request could forge it), is not used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runbookgen import history as h
from runbookgen.history.load import COMMITTED_CACHE
from runbookgen.project import Project
from test_history import ALICE, BOB, CAROL, FRONT, RUN, SEED, Repo, build_repo, tick


def _events(hist: h.History) -> dict[str, list[tuple[object, ...]]]:
    """Every run's events as plain values, in order (the numbering of commits may differ)."""
    return {
        path: [
            (
                e.item,
                e.kind,
                e.commit.sha,
                e.commit.author,
                e.time,
                e.commit.pr,
                e.path,
                e.line,
                *(e.field, e.value),
            )
            for e in rh.events
        ]
        for path, rh in sorted(hist.runs.items())
    }


def _load(root: Path, use_cache: bool = True) -> tuple[h.History, int]:
    """History of ``root`` and how many commits were replayed to get it."""
    h.clear_cache()
    seen: list[int] = []
    hist = h.load_history(Project.from_root(root), use_cache=use_cache, progress=seen.append)
    assert hist.available, hist.reason
    return hist, len(seen)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return build_repo(tmp_path_factory.mktemp("incremental") / "origin")


def _clone(origin: Repo, dest: Path) -> Repo:
    shutil.copytree(origin.root, dest)
    return Repo(dest)


def test_every_earlier_commit_cached_extends_to_the_full_history(origin: Repo, tmp_path: Path) -> None:
    full, replayed = _load(origin.root, use_cache=False)
    commits = origin.git("rev-list", "--first-parent", "HEAD").split()
    assert replayed == len(origin.git("rev-list", "HEAD", "--", "runs").split())
    for n, old in enumerate(commits[1:], 1):  # every earlier commit of main
        r = _clone(origin, tmp_path / f"c{n}")
        r.git("checkout", "-q", "--detach", old)
        _load(r.root)  # the build at that commit writes the cache
        assert h.cache_path(r.root).is_file()
        r.git("checkout", "-q", "main")
        extended, replayed = _load(r.root)
        newer = r.git("rev-list", "HEAD", f"^{old}", "--", "runs").split()
        assert replayed == len(newer), old  # only the commits since the cached one
        assert _events(extended) == _events(full), old
        # and the cache now holds the newest commit's history: no git log at all
        again, replayed = _load(r.root)
        assert replayed == 0 and _events(again) == _events(full)


def test_a_cache_from_a_commit_head_does_not_contain_is_not_extended(origin: Repo, tmp_path: Path) -> None:
    """(A branch abandoned, or history rewritten by a force push.)"""
    r = _clone(origin, tmp_path / "diverged")
    r.git("checkout", "-q", "-b", "abandoned")
    r.edit(RUN, tick("Route 50% of traffic to new version"))
    r.commit("a tick that never reached main", BOB, "11:00")
    _load(r.root)  # cache written at the abandoned commit
    r.git("checkout", "-q", "main")
    hist, replayed = _load(r.root)
    assert replayed == len(r.git("rev-list", "HEAD", "--", "runs").split())  # read from the start
    full, _ = _load(r.root, use_cache=False)
    assert _events(hist) == _events(full)
    assert "abandoned" not in {e[3] for rows in _events(hist).values() for e in rows}


def test_a_cache_from_a_merged_branch_commit_is_read_again(origin: Repo, tmp_path: Path) -> None:
    """A commit of a pull request branch is an ancestor of main after the merge, but its
    events were read before the merge named their pull request: not extended."""
    branch_tip = origin.git("rev-parse", "HEAD^{/Merge pull request #13}^2").strip()
    r = _clone(origin, tmp_path / "branch")
    r.git("checkout", "-q", "--detach", branch_tip)
    _load(r.root)
    r.git("checkout", "-q", "main")
    hist, replayed = _load(r.root)
    assert replayed == len(r.git("rev-list", "HEAD", "--", "runs").split())
    full, _ = _load(r.root, use_cache=False)
    assert _events(hist) == _events(full)
    assert 13 in {e[5] for rows in _events(hist).values() for e in rows}


def test_a_cache_with_other_settings_is_not_extended(origin: Repo, tmp_path: Path) -> None:
    r = _clone(origin, tmp_path / "settings")
    r.git("checkout", "-q", "--detach", "HEAD~2")
    _load(r.root)
    data = json.loads(h.cache_path(r.root).read_text(encoding="utf-8"))
    data["key"] = "0" * 32  # as if read with other field labels or another runs directory
    h.cache_path(r.root).write_text(json.dumps(data), encoding="utf-8")
    r.git("checkout", "-q", "main")
    _, replayed = _load(r.root)
    assert replayed == len(r.git("rev-list", "HEAD", "--", "runs").split())


def test_a_committed_cache_is_never_read_and_the_build_says_why(origin: Repo, tmp_path: Path) -> None:
    """A pull request that adds .cache/runbookgen/history.json naming an earlier commit
    (its id is public) must not be able to put words in other people's mouths."""
    r = _clone(origin, tmp_path / "forged")
    r.git("checkout", "-q", "--detach", "HEAD~1")
    _load(r.root)
    path = h.cache_path(r.root)
    forged = path.read_text(encoding="utf-8").replace(ALICE[0], "Mallory")
    r.git("checkout", "-q", "main")
    path.write_text(forged, encoding="utf-8")
    r.git("add", "-f", ".cache/runbookgen/history.json")
    r.commit("add a history cache", BOB, "11:30")
    hist, replayed = _load(r.root)
    assert COMMITTED_CACHE in hist.warnings
    assert replayed == len(r.git("rev-list", "HEAD", "--", "runs").split())
    authors = {e[3] for rows in _events(hist).values() for e in rows}
    assert "Mallory" not in authors and ALICE[0] in authors
    assert path.read_text(encoding="utf-8") == forged  # a committed file is not rewritten either


def test_a_one_off_build_uses_the_cache_when_its_directory_is_there(origin: Repo, tmp_path: Path) -> None:
    r = _clone(origin, tmp_path / "wanted")
    shutil.rmtree(r.root / ".cache", ignore_errors=True)
    assert not h.cache_wanted(r.root)  # a fresh checkout: no cache is written
    (r.root / ".cache" / "runbookgen").mkdir(parents=True)  # as the pages workflow does
    assert h.cache_wanted(r.root)


def test_branches_forked_and_merged_around_each_cached_commit(tmp_path: Path) -> None:
    """Pull request branches forked before a cached commit and merged after it, several
    open at once, one merged into another: from every commit of main, the extended history
    is the full one, in the same order."""
    r = Repo(tmp_path / "graph")
    r.root.mkdir()
    r.git("init", "-q", "-b", "main")
    (r.root / "content").mkdir()
    (r.root / "content" / "production-deployment.md").write_bytes(SEED.read_bytes())
    (r.root / "runs" / "production-deployment").mkdir(parents=True)
    body = FRONT + SEED.read_text(encoding="utf-8")
    (r.root / RUN).write_text(body, encoding="utf-8")
    r.commit("New run", ALICE, "08:00")
    # task lines at least three lines apart, so no two ticks touch neighbouring lines
    tasks, last = [], -9
    for n, line in enumerate(body.splitlines()):
        if line.startswith("- [ ] ") and n - last >= 3 and body.count(line) == 1:
            tasks.append(line[6:])
            last = n
    todo = iter(tasks)
    minute = iter(range(1, 600))

    def ticked(who: tuple[str, str], message: str) -> None:
        r.edit(RUN, tick(next(todo)))
        r.commit(message, who, f"{8 + (m := next(minute)) // 60:02d}:{m % 60:02d}")

    open_branches: list[str] = []
    for step in range(10):
        if step in (1, 2, 4, 6):  # fork a pull request branch here
            name = f"pr-{step}"
            r.git("checkout", "-q", "-b", name)
            ticked(BOB, f"{name} first")
            ticked(CAROL, f"{name} second")
            r.git("checkout", "-q", "main")
            open_branches.append(name)
        ticked(ALICE, f"main {step}")
        if step == 5:  # one branch merged into another before reaching main
            r.git("checkout", "-q", "pr-4")
            r.git("merge", "-q", "--no-ff", "-m", "Merge pr-2 into pr-4", "pr-2", who=BOB, when="10:00")
            r.git("checkout", "-q", "main")
            open_branches.remove("pr-2")
        if step in (3, 7, 9) and open_branches:
            name = open_branches.pop(0)
            number = 20 + step
            r.git(
                "merge",
                "-q",
                "--no-ff",
                "-m",
                f"Merge pull request #{number} from {name}",
                name,
                who=CAROL,
                when=f"{11 + step}:00",
            )
    assert not open_branches
    full, _ = _load(r.root, use_cache=False)
    assert {e[5] for rows in _events(full).values() for e in rows} >= {23, 27, 29}
    for n, old in enumerate(r.git("rev-list", "--first-parent", "HEAD").split()[1:], 1):
        c = _clone(r, tmp_path / f"g{n}")
        c.git("checkout", "-q", "--detach", old)
        _load(c.root)
        c.git("checkout", "-q", "main")
        extended, replayed = _load(c.root)
        assert replayed == len(c.git("rev-list", "HEAD", f"^{old}", "--", "runs").split())
        assert _events(extended) == _events(full), old
