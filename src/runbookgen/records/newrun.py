"""Writing run records: ``new-run`` (template → fresh run on its own branch) and ``upgrade``.

Both write files the same careful way: the complete text goes to a temporary file in the
target directory first, then is linked (new runs: never overwriting) or renamed (upgrade)
into place, so a crash or a refusal never leaves a half-written run record behind.
"""

from __future__ import annotations

import os
import re
from datetime import date as Date
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.files import write_new
from runbookgen.gitutil import GitError, git, repo_root
from runbookgen.markdown.fields import METADATA_LABELS
from runbookgen.markdown.frontmatter import has_key, split_front_matter
from runbookgen.markdown.grammar import MARKER, open_all
from runbookgen.project import Project
from runbookgen.records.schema import STATUSES, digest, is_iso_date
from runbookgen.text import quoted

# A release becomes a file name and a git branch component: letters, digits and . _ + -,
# starting and ending with a letter or digit, and nothing git refuses in a ref ("..", ".lock").
_RELEASE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,98}[A-Za-z0-9])?$")
_PLACEHOLDER = re.compile(r"\[(?P<name>[A-Za-z][A-Za-z ]{0,40})\](?!\()")
# What may come before a line's label: indentation, a list marker, a box, bold marks.
_LABEL_PREFIX = re.compile(rf"\s*+(?:{MARKER}\s++)?+(?:\[[ xX]\]\s++)?+\**+")
_VERSION_LINE = re.compile(r"^[ \t]*+\**+Version\**+[ \t]*+:[ \t]*+\**+[ \t]*+(?P<v>[^\s*]++)", re.M | re.I)
_FM_VERSION = re.compile(r"^version[ \t]*+:[ \t]*+['\"]?(?P<v>[^'\"\s#]++)", re.M)

# Placeholders the command can fill, by normalised name. ``[Date]`` and ``[Name]`` are
# only filled where the line says they mean the run (see ``_fill_line``).
_RELEASE_NAMES = frozenset({"release", "release version", "release name", "release tag"})
_DATE_NAMES = frozenset({"deployment date", "release date", "run date", "date"})
_LEAD_NAMES = frozenset({"lead", "deployment lead", "release lead", "run lead"})


class NewRun:
    """What ``new-run`` did, for the command to report (a plain class: no dataclass set-up
    cost on the command that is benchmarked against ``--help``)."""

    __slots__ = ("base", "branch", "commit", "path", "pushed_to", "relpath", "remote_url")

    def __init__(self, path: Path, relpath: str) -> None:
        self.path = path
        self.relpath = relpath
        self.branch: str | None = None
        self.commit: str | None = None
        self.base: str | None = None
        self.pushed_to: str | None = None
        self.remote_url: str | None = None


# ---------------------------------------------------------------------------- validation
def check_release(release: str) -> str:
    """The release name, or a one-line refusal when it could escape ``runs/`` or be an option."""
    if not release:
        raise RunbookgenError("release name is empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in release):
        raise RunbookgenError(f"release name {quoted(release)} contains control characters")
    if release.startswith("-"):
        raise RunbookgenError(
            f"release name {quoted(release)} starts with '-' and could be read as an option"
        )
    if "/" in release or "\\" in release or ".." in release:
        raise RunbookgenError(
            f"release name {quoted(release)} contains a path separator or '..'; "
            "it becomes a file name under runs/"
        )
    if len(release) > 100:
        raise RunbookgenError(
            f"release name is {len(release)} characters long; the limit is 100 (it becomes a file "
            "name and a git branch name)"
        )
    if not _RELEASE.match(release) or release.endswith(".lock"):
        raise RunbookgenError(
            f"release name {quoted(release)} is not allowed: use letters, digits and "
            "'.', '_', '+', '-', starting and ending with a letter or digit "
            "(e.g. v2.4.0)"
        )
    return release


def check_runbook(project: Project, runbook: str) -> None:
    """Refuse unknown runbooks, suggesting close names (typos are the usual cause)."""
    import difflib

    names = project.runbook_names
    if runbook in names:
        return
    close = difflib.get_close_matches(runbook, names, n=3, cutoff=0.5)
    hint = (
        f"; did you mean {' or '.join(quoted(c) for c in close)}?"
        if close
        else f"; known runbooks: {', '.join(names)}"
        if names
        else f"; add a Markdown checklist to {project.content_dir}/"
    )
    raise RunbookgenError(f"no runbook named {quoted(runbook)} in {project.content_dir}/{hint}")


# ---------------------------------------------------------------------------- rendering
def template_version(template_text: str) -> str:
    """The template's version without parsing Markdown (``new-run`` must start fast)."""
    fm, body = split_front_matter(template_text)
    if fm:
        m = _FM_VERSION.search(fm)
        if m:
            return m.group("v")
    m = _VERSION_LINE.search(body)
    return m.group("v") if m else ""


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def _line_label(line: str) -> str:
    """The label a line starts with (``**Deployment Lead**: [Name]`` → "Deployment Lead"):
    up to 60 characters before the first colon, without ``*``. Found from the colon
    backwards, so the time is linear in the line whatever it holds."""
    prefix = _LABEL_PREFIX.match(line)
    start = prefix.end() if prefix else 0
    colon = line.find(":", start)
    if colon < 0:
        return ""
    end = colon
    while end > start and line[end - 1].isspace():
        end -= 1
    while end > start and line[end - 1] == "*":
        end -= 1
    label = line[start:end]
    return label if 0 < len(label) <= 60 and "*" not in label and "\n" not in label else ""


def _fill_line(line: str, values: dict[str, str]) -> str:
    """Fill the placeholders on one line whose meaning is this run's release, date or lead.

    ``[Date]`` on ``**Last Updated**: [Date]`` is the template's date and ``[Name]`` in a
    contact list is that person's name, so both stay; ``[Name]`` is the lead only on a
    line labelled as the run's lead.
    """
    if "[" not in line:
        return line
    label = _norm(_line_label(line))
    if label in METADATA_LABELS:  # the template's own details (Version, Owner…), not this run's
        return line

    def sub(match: re.Match[str]) -> str:
        name = _norm(match.group("name"))
        if name in ("x", ""):
            return match.group(0)
        if name in _RELEASE_NAMES and values.get("release"):
            return values["release"]
        if name in _DATE_NAMES and values.get("date"):
            return values["date"]
        if (name in _LEAD_NAMES or (name == "name" and label in _LEAD_NAMES)) and values.get("lead"):
            return values["lead"]
        return match.group(0)

    return _PLACEHOLDER.sub(sub, line)


def render_body(template_body: str, values: dict[str, str]) -> str:
    """The template body with every box empty and the known placeholders filled."""
    return "".join(_fill_line(line, values) for line in open_all(template_body).splitlines(keepends=True))


def front_matter_text(data: dict[str, Any], comments: dict[str, str] | None = None) -> str:
    """YAML for a new run's front matter, written by ruamel.yaml (round-trip types)."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    cm = CommentedMap()
    for key, value in data.items():
        cm[key] = value
    for key, comment in (comments or {}).items():
        if key in cm:
            cm.yaml_add_eol_comment(comment, key, column=len(key) + 24)
    yaml = YAML()
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump(cm, buf)
    return buf.getvalue()


def template_text(project: Project, runbook: str) -> str:
    """The template's text; a file that is not UTF-8 is a one-line error, not a traceback."""
    return project.template_text(runbook)


def render_run(
    project: Project, runbook: str, release: str, day: Date, lead: str, status: str = "planned"
) -> str:
    """The complete text of a fresh run record."""
    text = template_text(project, runbook)
    fm_text, body = split_front_matter(text)
    data: dict[str, Any] = {
        "runbook": runbook,
        "template_version": template_version(text),
        "template_digest": digest(text),
        "release": release,
        "date": day,
        "lead": lead,
        "status": status,
    }
    if fm_text and has_key(fm_text, "kinds"):
        # Section kinds declared by the template must hold in its runs too.
        from runbookgen.markdown import parse_front_matter

        tpl_fm, _ = parse_front_matter(fm_text, project.rel(project.template_path(runbook)))
        data["kinds"] = tpl_fm["kinds"]
    fm = front_matter_text(data, {"status": " | ".join(STATUSES)})
    values = {"release": release, "date": day.isoformat(), "lead": lead}
    return f"---\n{fm}---\n" + render_body(body.lstrip("\r\n"), values)


def warm_parse_cache(project: Project) -> int:
    """Parse a fresh run of every runbook into the process's parse cache
    (``markdown/reuse.py``), so worker processes forked after this start with each
    template's structure. Returns how many were kept; a template that cannot be read or
    parsed is left to report itself where it is used."""
    from runbookgen.markdown.reuse import warm

    kept = 0
    for name in project.runbook_names:
        try:
            _fm, body = split_front_matter(template_text(project, name))
            # (the front matter's length does not matter: runs' lines are matched after it)
            kept += warm(
                f"---\nrunbook: {name}\n---\n" + render_body(body.lstrip("\r\n"), {}), project.field_labels
            )
        except RunbookgenError:
            continue
    return kept


def run_branch(in_runs: str) -> str:
    """The branch new-run makes for a run file (given by its path inside the runs directory,
    ``<runbook>/<date>-<release>.md``): ``run/<runbook>/<date>-<release>``. history/branches.py
    prefers it when several unrelated branches change that file."""
    return "run/" + in_runs.removesuffix(".md")


def run_path(project: Project, runbook: str, release: str, day: Date) -> Path:
    return project.runs_path / runbook / f"{day.isoformat()}-{release}.md"


def existing_release(project: Project, runbook: str, release: str) -> Path | None:
    """A run record of ``runbook`` for ``release`` on any date (file names are date-release)."""
    folder = project.runs_path / runbook
    if not folder.is_dir():
        return None
    for p in sorted(folder.glob(f"*-{release}.md")):
        stem = p.stem
        if len(stem) > 11 and stem[10] == "-" and stem[11:] == release and is_iso_date(stem[:10]):
            return p
    return None


# ---------------------------------------------------------------------------- new-run
def default_lead(root: Path) -> str:
    """Git's author name (config or GIT_AUTHOR_NAME), else the login name: someone leads."""
    try:
        ident = git("var", "GIT_AUTHOR_IDENT", cwd=root, check=False).strip()
    except GitError:
        ident = ""
    name = ident.split(" <", 1)[0].strip() if " <" in ident else ""
    return name or os.environ.get("USER") or os.environ.get("USERNAME") or ""


def new_run(
    project: Project,
    runbook: str,
    release: str,
    *,
    day: Date | None = None,
    lead: str | None = None,
    use_git: bool = True,
    push: bool = False,
) -> NewRun:
    """Scaffold a run record; in a git work tree also branch, commit and optionally push.

    Every check runs before anything is written, and the file is written (atomically)
    before git is touched, so a full disk or a read-only directory stops it cleanly. The
    branch and commit are made under a lock in the git directory, from the commit that was
    checked out when the command started: two ``new-run``s started at once each commit
    their own file on their own branch (or one fails cleanly), never the other's. A git
    failure removes what was made (file, branch) and restores the previous branch.
    """
    check_release(release)
    check_runbook(project, runbook)
    day = day or Date.today()
    git_state = _git_state(project.root) if use_git else None
    root = git_state.root if git_state is not None else None
    if lead is None:
        lead = default_lead(root or project.root)
        if not lead:
            raise RunbookgenError("who leads this release? pass --lead NAME (git has no user.name)")
    if not lead.strip():
        raise RunbookgenError("--lead is empty: name who leads this release (e.g. --lead @alice)")
    if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in lead):
        raise RunbookgenError("lead contains control characters")
    path = run_path(project, runbook, release, day)
    rel = project.rel(path)
    _check_target(project, path, rel)
    if path.exists() or path.is_symlink():
        raise RunbookgenError("run record already exists; new-run never overwrites", rel)
    dup = existing_release(project, runbook, release)
    if dup is not None:
        raise RunbookgenError(
            f"release {release} of {runbook} already has a run record "
            f"({project.rel(dup)}); pick another release name",
            rel,
        )
    branch = run_branch(path.relative_to(project.runs_path).as_posix())
    result = NewRun(path=path, relpath=rel)
    remote = None
    if git_state is not None:
        git_state.refuse_in_progress()
        # an existing branch is refused by ``git switch -c`` below (and the file removed)
        if push:
            remote = _remote(git_state.root)
        result.base = git_state.branch
    elif push:
        raise RunbookgenError("--push needs a git repository", rel)
    text = render_run(project, runbook, release, day, lead)
    exists = "run record already exists; new-run never overwrites"
    write_new(path, text, exists, shown=rel, root=project.root)
    if git_state is None:
        return result
    try:
        with _NewRunLock(git_state):
            result.commit = _branch_and_commit(
                git_state, branch, path, f"{runbook} {release} ({day.isoformat()})"
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    result.branch = branch
    if push and remote is not None:
        git("push", "--quiet", "-u", remote, f"{branch}:{branch}", cwd=git_state.root)
        result.pushed_to = remote
        result.remote_url = git("remote", "get-url", remote, cwd=git_state.root, check=False).strip()
    return result


def _branch_and_commit(state: GitState, branch: str, path: Path, what: str) -> str:
    """Create ``branch`` at the commit checked out when new-run started and commit the run
    file alone there; undo both on failure. Runs under :class:`_NewRunLock`."""
    root = state.root
    gitpath = path.relative_to(root).as_posix()
    if state.head is None and git("rev-parse", "--verify", "--quiet", "HEAD", cwd=root, check=False).strip():
        raise RunbookgenError(
            "the repository got its first commit while new-run was starting (another new-run?); "
            "nothing was made: run it again"
        )
    start = [state.head] if state.head else []
    try:
        # from the commit new-run started at, even if another new-run has switched since
        git("switch", "--quiet", "-c", branch, *start, cwd=root)
    except GitError as exc:
        if "already exists" in exc.message:
            raise RunbookgenError(f"git branch {branch} already exists; nothing was made") from None
        raise RunbookgenError(f"{exc.message}; no branch or commit was made") from None
    try:
        git("add", "--", gitpath, cwd=root)
        # --only commits this path alone: other staged or unstaged work stays as it was.
        out = git("commit", "--no-verify", "--only", "-m", f"Start run: {what}", "--", gitpath, cwd=root)
    except GitError as exc:
        git("reset", "--quiet", "--", gitpath, cwd=root, check=False)
        # back to what was checked out before the switch (a branch or a detached commit),
        # read only now: four git processes in all when nothing fails
        git("checkout", "--quiet", "-", cwd=root, check=False)
        git("branch", "-D", branch, cwd=root, check=False)
        raise RunbookgenError(f"{exc.message}; no branch or commit was made") from None
    # "[branch abc1234] message" (or "[branch (root-commit) abc1234]"): saves a git process
    m = re.match(r"^\[\S+ (?:\(root-commit\) )?([0-9a-f]{4,})\]", out)
    return m.group(1) if m else git("rev-parse", "--short", "HEAD", cwd=root).strip()


class _NewRunLock:
    """``<git dir>/runbookgen-new-run.lock``: one new-run at a time switches and commits in
    a work tree. A second one waits (a few seconds at most), then takes its turn; a lock
    left by a process that no longer runs is taken over."""

    WAIT = 20.0

    def __init__(self, state: GitState) -> None:
        self.path = state.git_dir / "runbookgen-new-run.lock"

    def __enter__(self) -> None:
        import time

        deadline = time.monotonic() + self.WAIT
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if self._stale():
                    self.path.unlink(missing_ok=True)
                    continue
                if time.monotonic() > deadline:
                    raise RunbookgenError(
                        f"another runbookgen new-run holds {self.path} (remove it if none is running); "
                        "nothing was made"
                    ) from None
                time.sleep(0.02)
                continue
            except OSError as exc:
                raise RunbookgenError(
                    f"cannot lock {self.path}: {exc.strerror or exc}; nothing was made"
                ) from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return

    def _stale(self) -> bool:
        try:
            pid = int(self.path.read_text() or "0")
        except (OSError, ValueError):
            return False  # being written: not stale
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return True
        except OSError:
            pass
        return False

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def _check_target(project: Project, path: Path, rel: str) -> None:
    """The run's directory must be a real directory of this repository: not a file, and
    not reached through a symlink (the write would land wherever the link points)."""
    from runbookgen.files import inside

    chain = []
    d = path.parent
    while d != project.root and project.root in d.parents:
        chain.append(d)
        d = d.parent
    for d in reversed(chain):
        if d.is_symlink():
            raise RunbookgenError(
                f"cannot write {rel}: {project.rel(d)} is a symlink; new-run writes only into "
                "real directories of the repository"
            )
        if d.exists() and not d.is_dir():
            raise RunbookgenError(f"cannot write {rel}: {project.rel(d)} is a file, not a directory")
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if inside(existing, project.root) is None:
        raise RunbookgenError(f"cannot write {rel}: it is outside the repository ({project.root})")


class GitState:
    """The work tree new-run commits in: its root, git directory, branch and commit."""

    __slots__ = ("branch", "git_dir", "head", "root")

    def __init__(self, root: Path, git_dir: Path, branch: str | None, head: str | None) -> None:
        self.root, self.git_dir, self.branch, self.head = root, git_dir, branch, head

    def refuse_in_progress(self) -> None:
        """A merge, rebase, cherry-pick or revert in progress: switching branches would
        fail or lose it; say so before anything is written."""
        for marker, what, finish in (
            ("MERGE_HEAD", "a merge", "commit it, or abort it with 'git merge --abort'"),
            ("rebase-merge", "a rebase", "finish it with 'git rebase --continue' or '--abort'"),
            ("rebase-apply", "a rebase or 'git am'", "finish or abort it"),
            ("CHERRY_PICK_HEAD", "a cherry-pick", "finish it, or 'git cherry-pick --abort'"),
            ("REVERT_HEAD", "a revert", "finish it, or 'git revert --abort'"),
        ):
            if (self.git_dir / marker).exists():
                raise RunbookgenError(
                    f"{what} is in progress in this work tree: {finish} first "
                    "(or use --no-git to write only the file); no branch or commit was made"
                )


def _git_state(start: Path) -> GitState | None:
    """The git work tree around ``start`` in one git process; None outside git.

    A ``.git`` that git cannot read (corrupt, or not a repository) is an error: writing
    the file without its branch and commit would look like success."""
    import subprocess

    from runbookgen.gitutil import git_env, have_git, reason

    if not have_git():
        return None
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "--absolute-git-dir", "--abbrev-ref", "HEAD", "HEAD"],
        cwd=start,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode == 0 and len(lines) == 4:
        branch = None if lines[2] == "HEAD" else lines[2]
        return GitState(Path(lines[0]).resolve(), Path(lines[1]), branch, lines[3])
    root = repo_root(start)  # unborn branch (no commit yet), or not a repository
    if root is None:
        dot_git = next((d / ".git" for d in (start, *start.parents) if (d / ".git").exists()), None)
        if dot_git is not None:
            raise RunbookgenError(
                f"git cannot use the repository at {dot_git}: {reason(proc.stderr, proc.returncode)}; "
                "no run record, branch or commit was made (fix the repository, or use --no-git)"
            )
        return None
    git_dir = Path(git("rev-parse", "--absolute-git-dir", cwd=root).strip())
    branch = git("branch", "--show-current", cwd=root, check=False).strip() or None
    head = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=root, check=False).strip() or None
    return GitState(root, git_dir, branch, head)


def _remote(root: Path) -> str:
    remotes = git("remote", cwd=root).split()
    if not remotes:
        raise RunbookgenError(
            "--push: this repository has no git remote; add one with 'git remote add origin URL'"
        )
    return "origin" if "origin" in remotes else remotes[0]


def compare_url(remote_url: str, base: str, branch: str) -> str | None:
    """The web page that opens a pull request, for GitHub-style remotes."""
    m = re.match(
        r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)(?P<host>[^/:]+)(?::\d+)?[:/]"
        r"(?P<path>[^\s]+?)(?:\.git)?/?$",
        remote_url,
    )
    if not m or m.group("host") in ("localhost",) or remote_url.startswith(("/", "file:")):
        return None
    return f"https://{m.group('host')}/{m.group('path')}/compare/{base}...{branch}?expand=1"
