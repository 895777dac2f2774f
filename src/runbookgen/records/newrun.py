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
from runbookgen.markdown.frontmatter import has_key, split_front_matter
from runbookgen.markdown.grammar import open_all
from runbookgen.project import Project
from runbookgen.records.schema import STATUSES, digest, is_iso_date

# A release becomes a file name and a git branch component: letters, digits and . _ + -,
# starting and ending with a letter or digit, and nothing git refuses in a ref ("..", ".lock").
_RELEASE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,98}[A-Za-z0-9])?$")
_PLACEHOLDER = re.compile(r"\[(?P<name>[A-Za-z][A-Za-z ]{0,40})\](?!\()")
_LABEL = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\[[ xX]\]\s+)?\**(?P<label>[^*:\n]{1,60}?)\**\s*:")
_VERSION_LINE = re.compile(r"^\s*\**Version\**\s*:\s*\**\s*(?P<v>[^\s*]+)", re.M | re.I)

# Placeholders the command can fill, by normalised name. ``[Date]`` and ``[Name]`` are
# only filled where the line says they mean the run (see ``_fill_line``).
_RELEASE_NAMES = frozenset({"release", "release version", "release name", "release tag"})
_DATE_NAMES = frozenset({"deployment date", "release date", "run date", "date"})
_LEAD_NAMES = frozenset({"lead", "deployment lead", "release lead", "run lead"})
# Line labels under which a placeholder describes the template, not this run.
_TEMPLATE_LABELS = frozenset(
    {
        "last updated",
        "next review",
        "last reviewed",
        "created",
        "version",
        "review cycle",
        "owner",
        "owners",
        "author",
        "authors",
        "maintainer",
        "maintainers",
        "reviewed by",
    }
)


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
        raise RunbookgenError(f"release name {release!r} contains control characters")
    if release.startswith("-"):
        raise RunbookgenError(f"release name {release!r} starts with '-' and could be read as an option")
    if "/" in release or "\\" in release or ".." in release:
        raise RunbookgenError(
            f"release name {release!r} contains a path separator or '..'; it becomes a file name under runs/"
        )
    if not _RELEASE.match(release) or release.endswith(".lock"):
        raise RunbookgenError(
            f"release name {release!r} is not allowed: use letters, digits and "
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
        f"; did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else f"; known runbooks: {', '.join(names)}"
        if names
        else f"; add a Markdown checklist to {project.content_dir}/"
    )
    raise RunbookgenError(f"no runbook named {runbook!r} in {project.content_dir}/{hint}")


# ---------------------------------------------------------------------------- rendering
def template_version(template_text: str) -> str:
    """The template's version without parsing Markdown (``new-run`` must start fast)."""
    fm, body = split_front_matter(template_text)
    if fm:
        m = re.search(r"^version\s*:\s*['\"]?(?P<v>[^'\"\s#]+)", fm, re.M)
        if m:
            return m.group("v")
    m = _VERSION_LINE.search(body)
    return m.group("v") if m else ""


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def _fill_line(line: str, values: dict[str, str]) -> str:
    """Fill the placeholders on one line whose meaning is this run's release, date or lead.

    ``[Date]`` on ``**Last Updated**: [Date]`` is the template's date and ``[Name]`` in a
    contact list is that person's name, so both stay; ``[Name]`` is the lead only on a
    line labelled as the run's lead.
    """
    if "[" not in line:
        return line
    m = _LABEL.match(line)
    label = _norm(m.group("label")) if m else ""
    if label in _TEMPLATE_LABELS:
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
    path = project.template_path(runbook)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RunbookgenError(exc.strerror or str(exc), project.rel(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from runbookgen.markdown import decode  # the parser's message names the line; only on failure

        return decode(data, project.rel(path))


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

    Every check runs before anything is written; a git failure after the file was
    written rolls back (file removed, previous branch restored).
    """
    check_release(release)
    check_runbook(project, runbook)
    day = day or Date.today()
    root, base = _git_state(project.root) if use_git else (None, None)
    if lead is None:
        lead = default_lead(root or project.root)
        if not lead:
            raise RunbookgenError("who leads this release? pass --lead NAME (git has no user.name)")
    if any(ord(c) < 32 for c in lead):
        raise RunbookgenError("lead contains control characters")
    path = run_path(project, runbook, release, day)
    rel = project.rel(path)
    if path.exists() or path.is_symlink():
        raise RunbookgenError("run record already exists; new-run never overwrites", rel)
    dup = existing_release(project, runbook, release)
    if dup is not None:
        raise RunbookgenError(
            f"release {release} of {runbook} already has a run record "
            f"({project.rel(dup)}); pick another release name",
            rel,
        )
    branch = f"run/{runbook}/{day.isoformat()}-{release}"
    result = NewRun(path=path, relpath=rel)
    remote = None
    if root is not None:
        if push:
            remote = _remote(root)
        result.base = base
    elif push:
        raise RunbookgenError("--push needs a git repository", rel)
    text = render_run(project, runbook, release, day, lead)
    write_new(path, text, "run record already exists; new-run never overwrites")
    if root is None:
        return result
    gitpath = path.relative_to(root).as_posix()
    try:
        # fails when the branch exists: checked here rather than by one more git process
        git("switch", "--quiet", "-c", branch, cwd=root)
    except GitError as exc:
        path.unlink(missing_ok=True)
        if "already exists" in exc.message:
            raise RunbookgenError(f"git branch {branch} already exists", rel) from None
        raise
    try:
        git("add", "--", gitpath, cwd=root)
        # --only commits this path alone: other staged or unstaged work stays as it was.
        out = git(
            "commit",
            "--no-verify",
            "--only",
            "-m",
            f"Start run: {runbook} {release} ({day.isoformat()})",
            "--",
            gitpath,
            cwd=root,
        )
    except GitError:
        git("reset", "--quiet", "--", gitpath, cwd=root, check=False)
        path.unlink(missing_ok=True)
        if result.base:
            git("switch", "--quiet", result.base, cwd=root, check=False)
            git("branch", "-D", branch, cwd=root, check=False)
        raise
    result.branch = branch
    # "[branch abc1234] message" (or "[branch (root-commit) abc1234]"): saves a git process
    m = re.match(r"\[\S+ (?:\(root-commit\) )?([0-9a-f]{4,})\]", out)
    result.commit = m.group(1) if m else git("rev-parse", "--short", "HEAD", cwd=root).strip()
    if push and remote is not None:
        git("push", "--quiet", "-u", remote, f"{branch}:{branch}", cwd=root)
        result.pushed_to = remote
        result.remote_url = git("remote", "get-url", remote, cwd=root, check=False).strip()
    return result


def _git_state(start: Path) -> tuple[Path | None, str | None]:
    """(work tree root, current branch) in one git process; (None, None) outside git."""
    import subprocess

    from runbookgen.gitutil import git_env, have_git

    if not have_git():
        return None, None
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "--abbrev-ref", "HEAD"],
        cwd=start,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode == 0 and len(lines) == 2:
        return Path(lines[0]).resolve(), (None if lines[1] == "HEAD" else lines[1])
    root = repo_root(start)  # unborn branch (no commit yet), or not a repository
    if root is None:
        return None, None
    return root, git("branch", "--show-current", cwd=root, check=False).strip() or None


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
