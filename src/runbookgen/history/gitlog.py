"""Reading git: the one ``git log`` of the runs directory, file versions, pull requests.

* **One git process for every run file** (:func:`log_command`): a process per file costs
  ~0.7 s each on a large repository, one pass over everything costs about as much as a
  single one. git writes to a temporary file that :class:`GitLog` follows as it grows, so
  Python parses while git is still diffing and no thread is needed.
* **Pull requests** (:func:`merge_prs`): a second, cheap ``git log`` of the commit graph
  (no diffs) attributes branch commits to the pull request merge that brought them in;
  squash merges carry the number in their title, ``Fix things (#12)``. Both come from
  commit messages, which anyone can write: they are labels, not proof.
* :func:`commits` splits the stream into :class:`~runbookgen.history.events.Commit` and
  the :class:`Change` of each file (zero-context hunks), for ``replay.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.gitutil import git_env
from runbookgen.history.events import Commit

SHALLOW_FIX = (
    "the repository is a shallow clone, so history is incomplete; fetch the whole "
    "history (GitHub Actions: 'fetch-depth: 0' under 'with:' of actions/checkout; "
    "locally: git fetch --unshallow)"
)

_PR_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_PR_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_HUNK = re.compile(r"^(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, env=git_env(), check=False)


def repo_info(root: Path) -> tuple[Path, bool, str | None] | None:
    """(git dir, shallow?, HEAD sha or None) or None when ``root`` is not in a repository."""
    proc = run_git(root, "rev-parse", "--absolute-git-dir", "--is-shallow-repository")
    if proc.returncode != 0:
        return None
    lines = proc.stdout.decode("utf-8", "replace").split("\n")
    git_dir = Path(lines[0].strip())
    shallow = len(lines) > 1 and lines[1].strip() == "true"
    head = run_git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    sha = head.stdout.decode().strip() if head.returncode == 0 else None
    return git_dir, shallow, sha or None


_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def on_main_line(root: Path, old: str, new: str) -> bool:
    """Whether commit ``old`` is on ``new``'s first-parent line (``new`` itself or an earlier
    commit of the branch, not one merged into it); False for anything that is not a full
    commit id: ``old`` may come from a cache file."""
    if not (_SHA.fullmatch(old) and _SHA.fullmatch(new)):
        return False
    if run_git(root, "merge-base", "--is-ancestor", old, new).returncode != 0:
        return False  # (cheap, and the common answer for a cache from another branch)
    proc = run_git(root, "rev-list", "--first-parent", new)
    return proc.returncode == 0 and old.encode() in proc.stdout.split()


def uncommitted(root: Path, runs_dir: str) -> list[str]:
    """Run files (relative to ``root``) with changes not yet committed."""
    proc = run_git(
        root,
        "-c",
        "core.quotePath=false",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=no",
        "--",
        runs_dir,
    )
    if proc.returncode != 0:
        return []
    prefix = run_git(root, "rev-parse", "--show-prefix").stdout.decode().strip()
    out = []
    for entry in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) > 3 and entry[2] == " ":
            path = entry[3:]
            out.append(path[len(prefix) :] if prefix and path.startswith(prefix) else path)
    return out


LOG_FORMAT = "%x00%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%s"


def log_command(runs_dir: str, revs: Sequence[str] = ("HEAD",)) -> list[str]:
    """The one git invocation that reads every run file's history (printed by the benchmark).

    ``revs`` are what to walk: HEAD for the commit being built, or run-branch tips and
    ``--not HEAD`` for the commits of unmerged run branches (history/branches.py)."""
    return [
        "git",
        "-c",
        "core.quotePath=false",
        "-c",
        "diff.noprefix=false",
        "-c",
        "log.showSignature=false",
        "log",
        "--reverse",
        "--topo-order",
        "-M",
        "--raw",
        "-p",
        "-U0",
        "--no-abbrev",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--relative",
        f"--format={LOG_FORMAT}",
        *revs,
        "--",
        runs_dir,
    ]


def unquote(path: str) -> str:
    """git's C-style quoting of unusual paths (``"a\\tb.md"``)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def pr_of(subject: str) -> int | None:
    m = _PR_MERGE.match(subject) or _PR_SQUASH.search(subject)
    return int(m.group(1)) if m else None


def merge_prs(root: Path) -> dict[str, int]:
    """Commit sha → number of the pull request whose merge brought it into the main line.

    Walks HEAD's first-parent chain from the root; for each merge, every commit reachable
    from its other parents and not yet seen arrived with that merge. Costs one cheap
    ``git log --first-parent --merges`` when the main line has no merges.
    """
    proc = run_git(root, "log", "--first-parent", "--merges", "--format=%H%x00%s", "HEAD")
    if proc.returncode != 0:
        return {}
    merge_pr: dict[str, int | None] = {}
    for line in proc.stdout.decode("utf-8", "replace").split("\n"):
        if line:
            sha, _, subject = line.partition("\0")
            merge_pr[sha] = pr_of(subject)
    if not any(pr is not None for pr in merge_pr.values()):
        return {}
    proc = run_git(root, "rev-list", "--parents", "HEAD")
    if proc.returncode != 0:
        return {}
    parents: dict[str, list[str]] = {}
    for line in proc.stdout.decode().split("\n"):
        if line:
            sha, *ps = line.split()
            parents[sha] = ps
    chain = []
    cur: str | None = run_git(root, "rev-parse", "HEAD").stdout.decode().strip()
    while cur and cur in parents:
        chain.append(cur)
        cur = parents[cur][0] if parents[cur] else None
    seen: set[str] = set()
    out: dict[str, int] = {}
    for main in reversed(chain):
        seen.add(main)
        ps = parents[main]
        if len(ps) < 2:
            continue
        pr = merge_pr.get(main)
        stack = [p for p in ps[1:] if p not in seen]
        while stack:
            c = stack.pop()
            if c in seen or c not in parents:
                continue
            seen.add(c)
            if pr is not None:
                out[c] = pr
            stack.extend(p for p in parents[c] if p not in seen)
    return out


class Blobs:
    """``git cat-file --batch``, started only when a version is not in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None

    def get(self, sha: str) -> list[str] | None:
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                env=git_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self.proc.stdout.read(int(header[2]) + 1)[:-1]
        return split_lines(data.decode("utf-8", "surrogateescape"))

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait()


class GitLog:
    """The one ``git log`` that :func:`load_history` reads, running from construction.

    git writes to an unlinked temporary file and the reader follows the file as it grows:
    git never waits for Python (as it would on a full pipe), Python parses while git is
    still diffing (two cores), and no thread is needed — so a build can start git early,
    while MkDocs sets up, and still fork its worker processes afterwards.
    """

    BLOCK = 1 << 20

    def __init__(self, root: Path, runs_dir: str, revs: Sequence[str] = ("HEAD",)) -> None:
        import tempfile

        # owned by this object until close(), not by one block of code
        self.out = tempfile.TemporaryFile()  # noqa: SIM115
        self.err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.proc: subprocess.Popen[bytes] = subprocess.Popen(
                log_command(runs_dir, revs),
                cwd=root,
                env=git_env(),
                stdin=subprocess.DEVNULL,
                stdout=self.out,
                stderr=self.err,
            )
        except OSError:
            self.close()
            raise

    def blocks(self) -> Iterator[bytes]:
        """git's output as it is written, until git has exited and all of it is read.
        (``pread``: git shares the file offset, which reading must not move.)"""
        fd, pos, exited = self.out.fileno(), 0, False
        while True:
            block = os.pread(fd, self.BLOCK, pos)
            if block:
                pos += len(block)
                yield block
            elif exited:
                return
            else:
                exited = self.proc.poll() is not None
                if not exited:
                    time.sleep(0.002)

    def finish(self) -> None:
        """Wait for git; raise when it failed (with its last line of error output)."""
        code = self.proc.wait()
        if code != 0:
            self.err.seek(0)
            detail = self.err.read().decode("utf-8", "replace").strip().splitlines()
            raise RunbookgenError("git log failed: " + (detail[-1] if detail else f"exit {code}"))

    def close(self) -> None:
        """Stop git if it still runs (a build that failed early) and drop its output."""
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self.out.close()
        self.err.close()


def split_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def shallow_boundary(git_dir: Path) -> set[str]:
    """The commits a shallow clone was cut at (their parents are missing)."""
    try:
        return set((git_dir / "shallow").read_text().split())
    except OSError:
        return set()


# ---------------------------------------------------------------------- the stream

Hunk = tuple[int, int, int, int, list[str]]  # old start, old count, new start, new count, lines


@dataclass(slots=True)
class Change:
    """One file's change in one commit, as ``git log --raw -p -U0`` shows it."""

    status: str
    old_sha: str
    new_sha: str
    old_path: str
    new_path: str
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False


def commits(blocks: Iterable[bytes], prs: dict[str, int]) -> Iterator[tuple[Commit, list[Change]]]:
    """Each commit of the :func:`log_command` stream with its changes, in stream order.

    Splits the stream into commits (each starts with NUL, SOH) as it arrives, so Python
    works while git is still writing; within a commit, splits with ``str`` methods rather
    than looping over lines in Python (the stream is ~1M lines for 1,000 runs). ``prs``
    comes from :func:`merge_prs`.
    """
    buf = b""
    for block in blocks:
        start = max(0, len(buf) - 1)
        buf += block
        cut = buf.rfind(b"\x00\x01", start)
        if cut <= 0:
            continue
        for piece in buf[:cut].split(b"\x00\x01"):
            if piece:
                yield _commit_text(piece.decode("utf-8", "surrogateescape"), prs)
        buf = buf[cut:]
    for piece in buf.split(b"\x00\x01"):
        if piece:
            yield _commit_text(piece.decode("utf-8", "surrogateescape"), prs)


def _commit_text(text: str, prs: dict[str, int]) -> tuple[Commit, list[Change]]:
    header, _, rest = text.partition("\n")
    commit = _header(header, prs)
    parts = rest.split("\ndiff --git ")
    changes: list[Change] = []
    for line in parts[0].split("\n"):
        if line[:1] == ":":
            meta, _, paths = line.partition("\t")
            fields = meta.split()
            names = paths.split("\t")
            if '"' in paths:
                names = [unquote(p) for p in names]
            changes.append(Change(fields[4][0], fields[2], fields[3], names[0], names[-1]))
    for ch, part in zip(changes, parts[1:], strict=False):
        at = part.find("\n@@ -")
        if at < 0:
            ch.binary = "\nBinary files " in part
            continue
        for hunk in part[at:].split("\n@@ -")[1:]:
            lines = hunk.split("\n")
            m = _HUNK.match(lines[0])
            if m is None:
                continue
            a, b, c, d = m.groups()
            body = lines[1:]
            if "\n\\" in hunk:  # "\ No newline at end of file"
                body = [x for x in body if x[:1] in ("+", "-")]
            while body and body[-1][:1] not in ("+", "-"):
                body.pop()
            ch.hunks.append((int(a), int(b) if b else 1, int(c), int(d) if d else 1, body))
    return commit, changes


def _header(line: str, prs: dict[str, int]) -> Commit:
    parts = line.split("\0")
    sha, _parents, an, ae, ad, cn, ce, cd = parts[:8]
    subject = parts[8] if len(parts) > 8 else ""
    pr = pr_of(subject) if "#" in subject else None
    if pr is None and prs:
        pr = prs.get(sha)
    authored = datetime.fromisoformat(ad)
    return Commit(
        sha, an, ae, authored, cn, ce, authored if cd == ad else datetime.fromisoformat(cd), subject, pr
    )


class Ancestry:
    """Which commits another commit was made on top of, from the commit graph (one
    ``git rev-list --parents HEAD``, read on first use).

    Dates cannot order changes: author and committer dates are whatever the committer's
    clock or environment said. The graph can: a commit has seen exactly its ancestors.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parents: dict[str, list[str]] | None = None
        self.gen: dict[str, int] = {}

    def _load(self) -> dict[str, list[str]]:
        if self.parents is None:
            proc = run_git(self.root, "rev-list", "--parents", "--topo-order", "HEAD")
            if proc.returncode != 0:
                raise RunbookgenError("cannot read the commit graph: git rev-list failed")
            parents: dict[str, list[str]] = {}
            order = []
            for line in proc.stdout.decode().split("\n"):
                if line:
                    sha, *ps = line.split()
                    parents[sha] = ps
                    order.append(sha)
            gen = self.gen
            for sha in reversed(order):  # parents first: generation = longest path from a root
                gen[sha] = 1 + max((gen.get(p, 0) for p in parents[sha]), default=0)
            self.parents = parents
        return self.parents

    def _extend(self, sha: str) -> None:
        """Add the commits of ``sha`` that HEAD lacks (a run branch's tip, say)."""
        parents = self._load()
        proc = run_git(self.root, "rev-list", "--parents", "--topo-order", sha, "--not", "HEAD")
        order = []
        for line in proc.stdout.decode().split("\n") if proc.returncode == 0 else ():
            if line:
                c, *ps = line.split()
                parents[c] = ps
                order.append(c)
        for c in reversed(order):
            self.gen[c] = 1 + max((self.gen.get(p, 0) for p in parents[c]), default=0)

    def seen_by(self, sha: str, candidates: Iterable[str]) -> set[str]:
        """The ``candidates`` that ``sha`` has seen: itself and its ancestors."""
        parents = self._load()
        if sha not in parents:
            self._extend(sha)
        wanted = set(candidates)
        found = {sha} & wanted
        floor = min((self.gen.get(c, 0) for c in wanted), default=0)
        stack, visited = [sha], {sha}
        while stack and len(found) < len(wanted):
            for p in parents.get(stack.pop(), ()):
                if p not in visited and self.gen.get(p, 0) >= floor:
                    visited.add(p)
                    if p in wanted:
                        found.add(p)
                    stack.append(p)
        return found
