"""In-flight runs: run records on run branches that are not merged into the commit being built.

A run record lives on its branch ``run/<runbook>/<date>-<release>`` while the release is
under way and merges into main when it is over; every tick is a push to that branch. Reading
the unmerged branches lets the site (and ``runbookgen status --all-branches``) show a release
while it happens. Everything comes straight from git — never from a checkout — in the same
few git processes whatever the number of branches (a process per branch or per file costs
5–700 ms each on a large repository; see content/docs/performance.md):

1. ``git rev-parse``: HEAD, the project's place in the work tree, shallow or not;
2. ``git for-each-ref --no-merged=HEAD refs/heads refs/remotes``: unmerged branches, local
   and remote-tracking (a CI checkout with ``fetch-depth: 0`` has ``refs/remotes/origin/…``),
   kept when their name without the remote matches a pattern (default ``run/**``);
3. ``git log --topo-order --full-history --sparse --raw -m -z TIPS --not HEAD -- runs/``:
   every commit on those branches that HEAD lacks, children before parents, its parents, the
   run files it changed and the versions (blob ids) of them it and its parents had;
4. ``git cat-file --batch --follow-symlinks``: each changed run file at its branch's tip and
   at HEAD (symlinks that leave the repository are refused, as on disk);
5. only when a branch has not seen HEAD's version of such a file: ``git log --topo-order
   --raw -m HEAD -- those files``, for every version HEAD's history had.

Who ticked what on a branch is replayed by :func:`branch_history` with the history reader of
:mod:`runbookgen.history` over the same revision range (one more ``git log``).

Which version is newer follows what each side has *seen* in the commit graph, never commit
or author dates: those are whatever the committer typed, so a tick dated 2099 must not hide
main's later change, nor a backdated one lose (order by the commit graph, as sign-offs do:
``history/signoffs.py``). A side has seen a version of a file when the file had it at a
commit that side's tip reaches. The versions are compared by content (blob id), which makes
a squash merge — main taking the branch's file in a commit the branch never reaches — count
as seen, exactly as a merge commit would.

* A run file changed by an unmerged branch is *in flight* unless HEAD has that version.
* **Branch newer**: the branch has seen HEAD's version (it grew from it, merged main in, or
  main squash-merged one of its versions): the branch's version shows.
* **Main newer** (stale branch): HEAD has not got the branch's version but its history has
  had it (the branch was squash-merged and main moved on): main's version shows; the
  branch is listed in ``stale``.
* **Diverged**: neither has seen the other's version (someone changed the run on main while
  the release went on on its branch). There is no honest order between the two, so the
  page says so: it shows the *branch's* version — the release is being ticked there, and
  that is what whoever follows it needs — flagged ``diverged`` with main's last change
  (commit, who), on the run page and in ``status --all-branches``. Merging main into the
  branch (``runbookgen resolve`` when git stops on neighbouring ticks) ends it. Not a build
  warning: a ``--strict`` build of an unrelated pull request must not fail for it.
* **Several branches change one file**: a tip that has seen another's version contains that
  change, and the other is not shown. Versions that do not contain each other (unrelated
  branches) are decided without dates: the run's own branch — the one ``new-run`` made,
  ``run/<runbook>/<date>-<release>`` (records/newrun.py ``run_branch``) — then the first by
  name; the others are named as ``rivals`` on the page and in the terminal.
* **The same branch locally and on remotes**: the ref whose tip contains the others (a local
  branch ahead of, or behind, its remote). Diverged ones: the local branch (the ticks of
  whoever runs the command, pushed or not), then ``origin``'s, with a warning to pull.
* Merged branches (tip reachable from HEAD) and deleted ones are not listed: their runs show
  from the commit being built, once.
* A file that cannot be read (not UTF-8, a symlink leaving the repository) stays in flight
  with its error, and the site shows it as a broken run like any other.

Nothing here raises for git trouble: the result says why in-flight runs are unavailable.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from runbookgen.errors import RunbookgenError
from runbookgen.gitutil import git_env, have_git

if TYPE_CHECKING:
    from runbookgen.history.events import Commit, History
    from runbookgen.project import Project
    from runbookgen.records.record import RunRecord

DEFAULT_PATTERN = "run/**"
#: the plugin option (``mkdocs.yml``) naming which branches hold runs
SETTING = "run_branches"
#: run files larger than this are reported, not read (the largest real runbook is ~20 KB)
MAX_BYTES = 8 * 1024 * 1024


# ---------------------------------------------------------------------------- patterns
def patterns_of(value: Any) -> tuple[str, ...]:
    """The branch patterns a setting names: one pattern or a list; empty/false turns it off."""
    if value is None or value is True:
        return (DEFAULT_PATTERN,)
    if value is False or value == "" or value == []:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RunbookgenError(
            f"'{SETTING}' must be a branch pattern such as 'run/**', or a list of them (false: off)"
        )
    return tuple(v.strip().strip("/") for v in value)


def match(pattern: str, name: str) -> bool:
    """Whether branch ``name`` matches ``pattern``, a glob over ``/``-separated segments:
    ``*`` and ``?`` stay within a segment, ``**`` is any number of whole segments.

    Segment by segment (no regex over the whole name), so a crafted branch name costs time
    linear in its segments times the pattern's.
    """
    pat = pattern.split("/")
    parts = name.split("/")
    # reachable[j]: the pattern's first i segments can match the name's first j segments
    reachable = [True] + [False] * len(parts)
    for seg in pat:
        if seg == "**":
            seen = False
            for j in range(len(parts) + 1):
                seen = seen or reachable[j]
                reachable[j] = seen
            continue
        nxt = [False] * (len(parts) + 1)
        for j in range(len(parts)):
            if reachable[j] and fnmatch.fnmatchcase(parts[j], seg):
                nxt[j + 1] = True
        reachable = nxt
    return reachable[-1]


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class RunBranch:
    """An unmerged branch whose name matches a run-branch pattern."""

    name: str  # without the remote: run/production-deployment/2026-12-01-v2.4.0
    ref: str  # refs/heads/… or refs/remotes/<remote>/…
    sha: str

    @property
    def remote(self) -> str | None:
        if self.ref.startswith("refs/remotes/"):
            return self.ref[len("refs/remotes/") :].split("/", 1)[0]
        return None


@dataclass(frozen=True, slots=True)
class Change:
    """A commit that changed a run file: who, and the date they claim (shown, never compared)."""

    sha: str
    author: str
    email: str
    time: datetime  # author date


@dataclass(slots=True)
class InFlightRun:
    """A run file as its run branch has it.

    ``text`` is the file at the branch tip, or None with ``error`` saying why it could not be
    read. ``on_main`` is true when the commit being built has the file too (in another
    state). ``commits`` are the branch's commits that HEAD lacks: the history shown for the
    run is HEAD's plus these. ``others`` names the other branches that changed the file;
    ``rivals`` those of them whose version and this one's do not contain each other (not
    shown). ``diverged``: HEAD changed the file in a way this branch has not seen (and the
    branch in a way HEAD has not); ``main_change`` is then HEAD's last change to it in
    commit-graph order (None when git could not say).
    """

    relpath: str
    branch: RunBranch
    last: Change
    text: str | None = None
    error: str | None = None
    on_main: bool = False
    commits: frozenset[str] = frozenset()
    others: tuple[str, ...] = ()
    rivals: tuple[str, ...] = ()
    diverged: bool = False
    main_change: Change | None = None


@dataclass(slots=True)
class InFlight:
    """In-flight runs of a project, keyed by path relative to the project root."""

    available: bool
    reason: str | None = None
    patterns: tuple[str, ...] = ()
    head: str | None = None
    branches: list[RunBranch] = field(default_factory=list)
    runs: dict[str, InFlightRun] = field(default_factory=dict)
    stale: dict[str, RunBranch] = field(default_factory=dict)  # HEAD already has these branches' versions
    warnings: list[str] = field(default_factory=list)
    prefix: str = ""  # the project root's path inside the work tree ("" at the top)

    def for_run(self, relpath: str) -> InFlightRun | None:
        return self.runs.get(relpath)

    def tips(self) -> list[str]:
        """The branch tips read, for a history of their commits (see :func:`branch_history`)."""
        return [b.sha for b in self.branches]


def off(reason: str) -> InFlight:
    return InFlight(False, reason)


# ---------------------------------------------------------------------------- reading
def _git(root: Any, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "--literal-pathspecs", *args],
        cwd=root,
        input=input,
        capture_output=True,
        env=git_env(),
        check=False,
    )


def _detail(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return (lines[-1] if lines else f"exit code {proc.returncode}").removeprefix("fatal: ")


def read_in_flight(project: Project, patterns: Sequence[str] | None = None) -> InFlight:
    """Every in-flight run of ``project`` (see the module docstring); never raises for git
    trouble. ``patterns`` default to the ``run_branches`` setting, else ``run/**``."""
    if patterns is None:
        patterns = patterns_of(project.settings.get(SETTING))
    patterns = tuple(patterns)
    if not patterns:
        return off(f"'{SETTING}' is off")
    if not have_git():
        return off("git is not installed or not on PATH")
    root = project.root
    proc = _git(root, "rev-parse", "--show-prefix", "--is-shallow-repository", "--verify", "-q", "HEAD")
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    if proc.returncode != 0 or len(lines) < 3:
        if len(lines) >= 2 and lines[1] in ("true", "false"):
            return off("the repository has no commits yet")
        return off("not a git repository")
    prefix, shallow, head = lines[0], lines[1] == "true", lines[2].strip()
    out = InFlight(True, None, patterns, head, prefix=prefix)
    refs = _refs(root, patterns)
    if isinstance(refs, str):
        out.available, out.reason = False, refs
        return out
    if not refs:
        return out
    if shallow:
        out.warnings.append(
            "the repository is a shallow clone: run branches may lack commits; fetch the whole "
            "history (GitHub Actions: 'fetch-depth: 0'; locally: git fetch --unshallow)"
        )
    runs_dir = project.runs_dir.strip("/") or "."
    commits = _branch_commits(root, [b.sha for b in refs], runs_dir)
    if isinstance(commits, str):
        out.available, out.reason = False, commits
        return out
    order = {sha: k for k, sha in enumerate(commits)}
    reaches = {b.ref: _reach(b.sha, commits, order) for b in refs}
    out.branches = _one_per_name(refs, reaches, out.warnings)
    candidates = _candidates(out.branches, reaches)
    if candidates:
        _read_files(root, prefix, head, runs_dir, candidates, out)
    return out


def _refs(root: Any, patterns: tuple[str, ...]) -> list[RunBranch] | str:
    """Unmerged local and remote-tracking branches matching ``patterns`` (a name may come
    several times: locally and from remotes; :func:`_one_per_name` picks one)."""
    proc = _git(
        root,
        "for-each-ref",
        "--no-merged=HEAD",
        "--format=%(refname)%00%(objectname)%00%(objecttype)",
        "refs/heads/",
        "refs/remotes/",
    )
    if proc.returncode != 0:
        return f"cannot list branches: {_detail(proc)}"
    out: list[RunBranch] = []
    for line in proc.stdout.decode("utf-8", "surrogateescape").split("\n"):
        parts = line.split("\0")
        if len(parts) != 3 or parts[2] != "commit":
            continue
        ref, sha, _ = parts
        if ref.startswith("refs/heads/"):
            name = ref[len("refs/heads/") :]
        else:
            rest = ref[len("refs/remotes/") :]
            if "/" not in rest:
                continue
            name = rest.split("/", 1)[1]
        if name == "HEAD" or not any(match(p, name) for p in patterns):
            continue
        out.append(RunBranch(name, ref, sha))
    return out


@dataclass(slots=True)
class _Commit:
    parents: list[str]
    change: Change
    paths: dict[str, str]  # relpath -> status letter (A, M, D, T …) against the first parent
    versions: list[tuple[str, str]]  # (relpath, blob id) of the file here and in every parent


_NO_BLOB = "0" * 40
#: ``git log`` header of each commit (``-z``; raw diff entries follow)
_FORMAT = "--format=%x01%H%x00%P%x00%aI%x00%ae%x00%an"


def _parse_log(data: bytes) -> dict[str, _Commit]:
    """Commits of a ``git log -z --raw -m`` with :data:`_FORMAT`, in its order. ``-m`` repeats
    a merge once per parent: the first diff is the commit's own change (``paths``), every
    diff adds the versions it names."""
    tokens = data.decode("utf-8", "surrogateescape").split("\0")
    out: dict[str, _Commit] = {}
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i].lstrip("\n")
        if not tok.startswith("\x01") or i + 4 >= n:
            i += 1
            continue
        sha = tok[1:]
        parents, ad, email, name = tokens[i + 1 : i + 5]
        i += 5
        c = out.get(sha)
        first = c is None
        if c is None:
            try:
                author_time = datetime.fromisoformat(ad)
            except ValueError:
                author_time = datetime.fromtimestamp(0, UTC)
            c = out[sha] = _Commit(parents.split(), Change(sha, name, email, author_time), {}, [])
        while i + 1 < n and tokens[i].lstrip("\n").startswith(":"):
            meta = tokens[i].lstrip("\n").split()
            path = tokens[i + 1]
            i += 2
            if len(meta) >= 5 and _is_run_path(path):
                if first:
                    c.paths[path] = meta[4][:1]
                c.versions += [(path, blob) for blob in meta[2:4] if blob != _NO_BLOB]
    return out


def _branch_commits(root: Any, tips: list[str], runs_dir: str) -> dict[str, _Commit] | str:
    """Commits reachable from ``tips`` but not HEAD, children before parents, with the run
    files each changed and every version of them it and its parents had.

    ``--full-history --sparse`` lists every such commit (also those touching no run file) with
    its real parents, so which commits each tip reaches can be followed within this list;
    ``--topo-order`` makes the list's order the commit graph's, never the commits' dates.
    """
    proc = _git(
        root,
        "-c",
        "core.quotePath=false",
        "log",
        "-z",
        "--topo-order",
        "--full-history",
        "--sparse",
        "--raw",
        "-m",
        "--no-renames",
        "--no-abbrev",
        "--relative",
        _FORMAT,
        *tips,
        "--not",
        "HEAD",
        "--",
        runs_dir,
    )
    if proc.returncode != 0:
        return f"cannot read run branches: {_detail(proc)}"
    return _parse_log(proc.stdout)


def _is_run_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".md") and name.lower() != "readme.md" and "\n" not in path


@dataclass(slots=True)
class _Reach:
    """What a branch tip reaches among the branch commits: the commits, each run file's last
    change (the first in graph order, :func:`_branch_commits`), and every version of each
    run file the branch has seen — at its commits and at the commits of HEAD it grew from."""

    commits: frozenset[str]
    last: dict[str, tuple[_Commit, str]]  # relpath -> (commit, status letter)
    versions: dict[str, set[str]]


def _reach(tip: str, commits: dict[str, _Commit], order: dict[str, int]) -> _Reach:
    seen: set[str] = set()
    stack = [tip]
    while stack:
        sha = stack.pop()
        if sha in seen or sha not in commits:
            continue
        seen.add(sha)
        stack.extend(commits[sha].parents)
    last: dict[str, tuple[_Commit, str]] = {}
    versions: dict[str, set[str]] = {}
    for sha in sorted(seen, key=order.__getitem__):  # graph order: a commit before its parents
        c = commits[sha]
        for path, status in c.paths.items():
            last.setdefault(path, (c, status))
        for path, blob in c.versions:
            versions.setdefault(path, set()).add(blob)
    return _Reach(frozenset(seen), last, versions)


def _preference(branch: RunBranch) -> tuple[bool, bool, str, str]:
    """Among refs of one branch name that do not contain each other: the local branch (the
    ticks of whoever runs the command, pushed or not), then origin's, then by remote name."""
    remote = branch.remote
    return (remote is not None, remote != "origin", remote or "", branch.ref)


def _one_per_name(refs: list[RunBranch], reaches: dict[str, _Reach], warnings: list[str]) -> list[RunBranch]:
    """One ref per branch name: the one whose tip contains every other's (a local branch
    ahead of its remote, or behind it); when they have diverged, :func:`_preference`, and a
    warning to pull."""
    groups: dict[str, list[RunBranch]] = {}
    for ref in refs:
        groups.setdefault(ref.name, []).append(ref)
    out: list[RunBranch] = []
    for name in sorted(groups):
        group = sorted(groups[name], key=_preference)
        whole = [a for a in group if all(b.sha in reaches[a.ref].commits for b in group)]
        out.append((whole or group)[0])
        if not whole:
            where = ", ".join(_ref_name(b) for b in group)
            warnings.append(
                f"branch {name} has diverged ({where} each have commits the others lack): "
                f"showing {_ref_name(group[0])}; pull (or merge) to combine them"
            )
    return out


def _ref_name(branch: RunBranch) -> str:
    return f"{branch.remote}/{branch.name}" if branch.remote else branch.name


@dataclass(slots=True)
class _Candidate:
    """A branch that changed a run file, and that file at its tip (filled by the cat-file)."""

    branch: RunBranch
    reach: _Reach
    change: Change
    blob: str = ""
    kind: str = ""
    data: bytes | None = None
    behind: bool = False  # HEAD's version is one the branch has not seen
    diverged: bool = False  # … and HEAD has not had the branch's version either
    main_change: Change | None = None

    def has_seen(self, path: str, blob: str) -> bool:
        return bool(blob) and (blob == self.blob or blob in self.reach.versions.get(path, ()))


def _candidates(branches: list[RunBranch], reaches: dict[str, _Reach]) -> dict[str, list[_Candidate]]:
    """Per run file, every branch whose own commits change it (deleting it is no change)."""
    out: dict[str, list[_Candidate]] = {}
    for branch in branches:
        reach = reaches[branch.ref]
        for path, (c, status) in reach.last.items():
            if status != "D":
                out.setdefault(path, []).append(_Candidate(branch, reach, c.change))
    return out


def _cat_files(root: Any, specs: Iterable[str]) -> list[tuple[str, bytes | None, str]]:
    """``git cat-file --batch --follow-symlinks`` for ``rev:path`` specs: per spec (object id,
    content or None, kind: blob, missing, symlink, dangling, loop, notdir, tree …)."""
    specs = list(specs)
    proc = _git(
        root, "cat-file", "--batch", "--follow-symlinks", input="".join(s + "\n" for s in specs).encode()
    )
    if proc.returncode != 0:
        raise RunbookgenError(f"git cat-file failed: {_detail(proc)}")
    data, pos = proc.stdout, 0
    out: list[tuple[str, bytes | None, str]] = []
    for _ in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode("utf-8", "surrogateescape").split(" ")
        pos = end + 1
        if header[-1] == "missing" or header[-1] == "ambiguous":
            out.append(("", None, header[-1]))
            continue
        if header[0] in ("symlink", "dangling", "loop", "notdir"):
            size = int(header[1])
            pos += size + 1
            out.append(("", None, header[0]))
            continue
        sha, kind, size = header[0], header[1], int(header[2])
        out.append((sha, data[pos : pos + size] if kind == "blob" else None, kind))
        pos += size + 1
    return out


def _read_files(
    root: Any, prefix: str, head: str, runs_dir: str, candidates: dict[str, list[_Candidate]], out: InFlight
) -> None:
    """Read each candidate's file at its tip and at HEAD, then decide per file which version
    shows (:func:`_decide`, the rules of the module docstring)."""
    paths = sorted(candidates)
    specs = []
    for path in paths:
        specs += [f"{c.branch.sha}:{prefix}{path}" for c in candidates[path]]
        specs.append(f"{head}:{prefix}{path}")
    try:
        got = iter(_cat_files(root, specs))
    except (RunbookgenError, ValueError, IndexError) as exc:
        out.available, out.reason = False, f"cannot read run branches: {exc}"
        return
    heads: dict[str, str] = {}
    for path in paths:
        for c in candidates[path]:
            c.blob, c.data, c.kind = next(got)
        head_blob, _, head_kind = next(got)
        live = [c for c in candidates[path] if c.kind not in ("missing", "tree")]  # removed by a merge
        if head_kind == "blob":
            heads[path] = head_blob
            # a version HEAD has already (merged, squash-merged, the same ticks), or one such a
            # version contains, is not in flight
            on_head = [c for c in live if c.blob == head_blob]
            live = [
                c for c in live if c not in on_head and not any(d.has_seen(path, c.blob) for d in on_head)
            ]
            for c in live:
                c.behind = not c.has_seen(path, head_blob)
        if live:
            candidates[path] = live
        else:
            del candidates[path]
    behind = sorted(p for p, cs in candidates.items() if any(c.behind for c in cs))
    main = _head_versions(root, behind) if behind else {}
    for path in sorted(candidates):
        versions, change = main.get(path, (set(), None))
        run = _decide(path, runs_dir, candidates[path], versions, change, path in heads, out)
        if run is not None:
            out.runs[path] = run


def _decide(
    path: str,
    runs_dir: str,
    cands: list[_Candidate],
    main_versions: set[str],
    main_change: Change | None,
    on_main: bool,
    out: InFlight,
) -> InFlightRun | None:
    """Which version of ``path`` shows, by what each side has seen (module docstring)."""
    from runbookgen.markdown import decode
    from runbookgen.records.newrun import run_branch

    live: list[_Candidate] = []
    for c in cands:
        if not c.behind:
            live.append(c)  # has seen HEAD's version (or HEAD has none): newer
        elif c.blob not in main_versions or not c.blob:
            c.diverged, c.main_change = True, main_change
            live.append(c)  # neither has seen the other's: diverged, shown and flagged
    own = run_branch(path.removeprefix(runs_dir.rstrip("/") + "/"))

    def rank(c: _Candidate) -> tuple[bool, str, tuple[bool, bool, str, str]]:
        return (c.branch.name != own, c.branch.name, _preference(c.branch))

    if not live:
        out.stale[path] = min(cands, key=rank).branch  # HEAD has had the branch's version since
        return None
    # a tip that has seen another's version contains that change: the other loses
    top = [
        c for c in live if not any(d is not c and d.blob != c.blob and d.has_seen(path, c.blob) for d in live)
    ]
    top = top or live
    w = min(top, key=rank)
    run = InFlightRun(
        path,
        w.branch,
        w.change,
        on_main=on_main,
        commits=w.reach.commits,
        others=tuple(sorted({c.branch.name for c in cands} - {w.branch.name})),
        rivals=tuple(sorted({c.branch.name for c in top if c.blob != w.blob} - {w.branch.name})),
        diverged=w.diverged,
        main_change=w.main_change,
    )
    if w.kind == "blob" and w.data is not None:
        if len(w.data) > MAX_BYTES:
            run.error = (
                f"{path}: {len(w.data)} bytes on branch {w.branch.name}; run files are read up to {MAX_BYTES}"
            )
        else:
            try:
                run.text = decode(w.data, path)
            except RunbookgenError as exc:
                run.error = str(exc)
    elif w.kind in ("symlink", "dangling", "loop", "notdir"):
        run.error = (
            f"{path}: refused on branch {w.branch.name}: a symlink that leaves the repository "
            "or leads nowhere"
        )
    else:
        run.error = f"{path}: not a file on branch {w.branch.name} ({w.kind})"
    return run


def _head_versions(root: Any, paths: list[str]) -> dict[str, tuple[set[str], Change | None]]:
    """Every version of each of ``paths`` in HEAD's history, and HEAD's last change to it in
    commit-graph order: one ``git log``, read only when a branch has not seen HEAD's version
    of a run file (HEAD is newer, or the two diverged)."""
    proc = _git(
        root,
        "-c",
        "core.quotePath=false",
        "log",
        "-z",
        "--topo-order",
        "--raw",
        "-m",
        "--no-renames",
        "--no-abbrev",
        "--relative",
        _FORMAT,
        "HEAD",
        "--",
        *paths,
    )
    out: dict[str, tuple[set[str], Change | None]] = {}
    if proc.returncode != 0:
        return out
    for c in _parse_log(proc.stdout).values():  # graph order: the first change is the last
        for path, blob in c.versions:
            out.setdefault(path, (set(), None))[0].add(blob)
        for path in c.paths:
            versions, change = out.setdefault(path, (set(), None))
            if change is None:
                out[path] = (versions, c.change)
    return out


# ---------------------------------------------------------------------------- every run
@dataclass(slots=True)
class LiveRun:
    """One run as ``status --all-branches`` and the site see it: from the work tree, or from
    its run branch when it is in flight there (``live``). ``record`` is None when the file
    cannot be read or parsed, and ``error`` says why (a broken run)."""

    relpath: str
    record: RunRecord | None
    error: str | None
    live: InFlightRun | None = None


def load_live_runs(project: Project, inflight: InFlight) -> list[LiveRun]:
    """Every run record of the work tree, with the in-flight version in place of (or next to)
    it; sorted by path."""
    from runbookgen.records.record import load_run, run_from_text

    out: dict[str, LiveRun] = {}
    for path in project.run_files():
        rel = project.rel(path)
        if rel in inflight.runs:
            continue
        try:
            out[rel] = LiveRun(rel, load_run(path, project), None)
        except RunbookgenError as exc:
            out[rel] = LiveRun(rel, None, str(exc))
    for rel, run in inflight.runs.items():
        if run.text is None:
            out[rel] = LiveRun(rel, None, run.error or "cannot be read", run)
            continue
        try:
            out[rel] = LiveRun(rel, run_from_text(run.text, rel, project), None, run)
        except RunbookgenError as exc:
            out[rel] = LiveRun(rel, None, str(exc), run)
    return [out[k] for k in sorted(out)]


# ---------------------------------------------------------------------------- history
#: branch events sort after HEAD's at the same second (two replays number commits apart)
_SEQ_OFFSET = 1 << 40


def branch_history(
    project: Project, inflight: InFlight, main: History, pulls: Mapping[str, int] | None = None
) -> History:
    """``main`` (the history of the commit being built) with every in-flight run's history in
    place: HEAD's events of that file, when HEAD has it, then the events of the branch's own
    commits — the history the run will have once the branch is merged (with a merge commit;
    a squash merge makes one commit of them).

    The branch commits are replayed with the history reader in one ``git log`` over all
    branch tips at once (``TIPS --not HEAD``); each run keeps the events of the commits its
    branch reaches. Without in-flight runs, or when ``main`` is unavailable, ``main`` is
    returned as it is. Never raises for git trouble: the runs then show without history and
    say why.

    ``pulls`` (branch name → its open pull request, history/pulls.py) labels the branch's
    commits that name no pull request of their own with it: merged with GitHub's button,
    they arrive on main with that merge and are labelled so there too.
    """
    from runbookgen.history.events import History as HistoryOf
    from runbookgen.history.events import RunHistory
    from runbookgen.history.gitlog import GitLog
    from runbookgen.history.replay import Replayer

    if not inflight.runs or not main.available:
        return main
    runs = dict(main.runs)
    try:
        labels = project.field_labels
    except RunbookgenError:
        labels = frozenset()
    try:
        log = GitLog(project.root, project.runs_dir, [*inflight.tips(), "--not", "HEAD"])
        replayed = Replayer(project.root, labels).run(log)
    except (OSError, RunbookgenError) as exc:
        reason = f"cannot read the history of run branches: {exc}"
        for path in inflight.runs:
            runs[path] = RunHistory(path, False, reason)
        return HistoryOf(True, None, list(main.warnings), main.shallow, main.head, runs, main.runs_dir)
    for path, run in inflight.runs.items():
        own = replayed.get(path)
        pr = (pulls or {}).get(run.branch.name)
        labelled: dict[str, Commit] = {}
        events = []
        for ev in own.events if own is not None else []:
            if ev.commit.sha not in run.commits:
                continue
            commit = ev.commit
            if pr is not None and commit.pr is None:
                commit = labelled.get(commit.sha) or labelled.setdefault(
                    commit.sha, dataclasses.replace(commit, pr=pr)
                )
            events.append(dataclasses.replace(ev, commit=commit, seq=ev.seq + _SEQ_OFFSET))
        base = main.runs.get(path)
        if run.on_main and base is not None and base.available:
            events = base.events + events
        # commit-graph order (history/events.py): HEAD's events, then the branch's own
        runs[path] = RunHistory(path, True, None, events, False, main.shallow)
    return HistoryOf(True, None, list(main.warnings), main.shallow, main.head, runs, main.runs_dir)
