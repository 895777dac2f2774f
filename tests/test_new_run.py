"""``new-run``: the file, the branch and commit, and every refusal (nothing written)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import run_cli
from runbookgen.errors import RunbookgenError
from runbookgen.markdown import load
from runbookgen.markdown.fields import METADATA_LABELS
from runbookgen.project import Project
from runbookgen.records.newrun import check_release, compare_url, render_body, render_run
from runbookgen.records.record import load_run
from runbookgen.records.schema import digest
from runs_support import RUN, git, make_repo, new_run


def test_new_run_file_branch_and_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo)
    assert path == repo / RUN
    assert git(repo, "branch", "--show-current").strip() == "run/production-deployment/2026-12-01-v2.4.0"
    # the commit holds exactly the run file, on top of main
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [RUN]
    assert git(repo, "rev-parse", "HEAD~1") == git(repo, "rev-parse", "main")
    assert git(repo, "status", "--porcelain") == ""
    rec = load_run(path, Project.discover(repo))
    assert (rec.runbook, rec.release, rec.date, rec.lead, rec.status) == (
        "production-deployment",
        "v2.4.0",
        "2026-12-01",
        "@alice",
        "planned",
    )
    assert rec.template_version == "2.0.0"
    assert rec.template_digest == digest((repo / "content/production-deployment.md").read_text())
    assert not any(i.checked for i in rec.model.items())
    # the body is the template's, byte for byte, after the front matter
    body = path.read_text().split("---\n", 2)[2]
    assert body == (repo / "content/production-deployment.md").read_text()


def test_new_run_again_fails_and_changes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = new_run(repo)
    path.write_text(path.read_text() + "\nedited\n")
    before = path.read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    res = run_cli("new-run", "production-deployment", "--release", "v2.4.0", "--date", "2026-12-01", cwd=repo)
    assert res.returncode == 1
    assert "already exists" in res.stderr and RUN in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before
    assert git(repo, "rev-parse", "HEAD") == head


def test_dirty_work_tree_is_left_alone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "notes.txt").write_text("untracked\n")
    (repo / "mkdocs.yml").write_text("site_name: Test\ndocs_dir: content\n# staged\n")
    git(repo, "add", "mkdocs.yml")
    (repo / "runs/README.md").write_text("Run records.\nunstaged edit\n")
    new_run(repo)
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [RUN]
    status = sorted(git(repo, "status", "--porcelain").splitlines())
    assert status == [" M runs/README.md", "?? notes.txt", "M  mkdocs.yml"]
    assert (repo / "runs/README.md").read_text().endswith("unstaged edit\n")


def test_no_git_writes_only_the_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    new_run(repo, "--no-git")
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "status", "--porcelain", "-uall").strip() == f"?? {RUN}"


def test_outside_git_writes_the_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    path = new_run(repo)
    assert path.is_file()


def test_push_to_bare_remote(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = make_repo(tmp_path / "repo")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    res = run_cli(
        "new-run",
        "production-deployment",
        "-r",
        "v2.4.0",
        "-d",
        "2026-12-01",
        "--push",
        cwd=repo,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert res.returncode == 0, res.stderr
    branch = "run/production-deployment/2026-12-01-v2.4.0"
    assert git(remote, "rev-parse", branch) == git(repo, "rev-parse", "HEAD")
    assert git(repo, "rev-parse", "--abbrev-ref", f"{branch}@{{upstream}}").strip() == f"origin/{branch}"
    assert "Pushed to origin" in res.stdout
    assert f"commit {git(repo, 'rev-parse', '--short', 'HEAD').strip()}." in res.stdout
    assert list(repo.rglob("*runbookgen-tmp")) == []


def test_push_without_remote_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    res = run_cli("new-run", "production-deployment", "-r", "v1", "--push", cwd=repo)
    assert res.returncode == 1
    assert "no git remote" in res.stderr
    assert not list((repo / "runs").rglob("*-v1.md"))
    assert git(repo, "branch", "--show-current").strip() == "main"


def test_compare_url() -> None:
    assert (
        compare_url("git@github.com:acme/ops.git", "main", "run/x/1")
        == "https://github.com/acme/ops/compare/main...run/x/1?expand=1"
    )
    assert (
        compare_url("https://github.com/acme/ops", "main", "b")
        == "https://github.com/acme/ops/compare/main...b?expand=1"
    )
    assert compare_url("/srv/git/ops.git", "main", "b") is None


@pytest.mark.parametrize(
    "release", ["../x", "-x", "a/b", "a\\b", "v1\x1b[31m", "v1\n", "", "..", "v1.lock", "rel ease", ".hidden"]
)
def test_bad_release_names_are_refused(release: str) -> None:
    with pytest.raises(RunbookgenError):
        check_release(release)


@pytest.mark.parametrize("release", ["v2.4.0", "2.4", "hotfix-7", "v1.0.0+build.5", "R_2026"])
def test_good_release_names(release: str) -> None:
    assert check_release(release) == release


@pytest.mark.parametrize("release", ["../x", "-x", "a/b"])
def test_bad_release_cli_writes_nothing(tmp_path: Path, release: str) -> None:
    repo = make_repo(tmp_path / "repo")
    res = run_cli("new-run", "production-deployment", f"--release={release}", cwd=repo)
    assert res.returncode == 1, res.stdout
    assert res.stderr.startswith("Error: release name")
    assert sorted(p.name for p in (repo / "runs").rglob("*")) == ["README.md"]
    assert git(repo, "branch", "--list").split() == ["*", "main"]


def test_duplicate_release_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    new_run(repo, "--no-git", date="2026-11-30")
    res = run_cli(
        "new-run", "production-deployment", "-r", "v2.4.0", "-d", "2026-12-01", "--no-git", cwd=repo
    )
    assert res.returncode == 1
    assert "already has a run record" in res.stderr and "2026-11-30-v2.4.0.md" in res.stderr
    assert not (repo / RUN).exists()


def test_unknown_runbook_suggests(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    res = run_cli("new-run", "production-deploymnet", "-r", "v1", cwd=repo)
    assert res.returncode == 1
    assert "did you mean 'production-deployment'" in res.stderr
    assert sorted(p.name for p in (repo / "runs").rglob("*")) == ["README.md"]


def test_outside_a_runbook_repository(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_cli("new-run", "production-deployment", "-r", "v1", cwd=empty)
    assert res.returncode == 1
    assert "not inside a runbook repository" in res.stderr
    assert list(empty.iterdir()) == []


def test_bad_date_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    res = run_cli("new-run", "production-deployment", "-r", "v1", "--date", "12/01/2026", cwd=repo)
    assert res.returncode == 1 and "YYYY-MM-DD" in res.stderr


TEMPLATE = """---
version: 1.2.0
kinds:
  Go/No-Go: triggers
---
# Small

**Last Updated**: [Date]

## Prepare
- [ ] Tag [Release] in git
- [x] Announce the deployment on [Deployment Date]

## Go/No-Go
- [ ] Error budget exhausted

## Contacts
- **Primary**: [Name] - [Phone]
- **Deployment Lead**: [Name]
"""


def test_placeholders_filled_only_where_they_mean_the_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", template=TEMPLATE, name="small", use_git=False)
    project = Project.discover(repo)
    text = render_run(project, "small", "v9", date(2026, 12, 1), "@bob")
    assert "- [ ] Tag v9 in git" in text
    assert "- [ ] Announce the deployment on 2026-12-01" in text  # box emptied too
    assert "**Last Updated**: [Date]" in text  # the template's date, not the run's
    assert "- **Primary**: [Name] - [Phone]" in text  # a contact, not the lead
    assert "- **Deployment Lead**: @bob" in text
    assert "template_version: 1.2.0" in text
    # the template's declared kinds travel with the run
    path = tmp_path / "run.md"
    path.write_text(text)
    model = load(path)
    kinds = {s.title: s.kind for s in model.sections()}
    assert kinds["Go/No-Go"] == "triggers"


def test_write_new_never_replaces(tmp_path: Path) -> None:
    from runbookgen.files import write_new

    target = tmp_path / "runs" / "a.md"
    write_new(target, "first\n")
    with pytest.raises(RunbookgenError, match="refusing to overwrite"):
        write_new(target, "second\n")
    assert target.read_text() == "first\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.md"]


def test_existing_branch_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "branch", "run/production-deployment/2026-12-01-v2.4.0")
    res = run_cli("new-run", "production-deployment", "-r", "v2.4.0", "-d", "2026-12-01", cwd=repo)
    assert res.returncode == 1
    assert "git branch run/production-deployment/2026-12-01-v2.4.0 already exists" in res.stderr
    assert not (repo / RUN).exists()
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "status", "--porcelain", "-uall") == ""


def test_unborn_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    git(repo, "init", "-q", "-b", "main")
    new_run(repo)
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [RUN]


def test_parallel_new_runs_each_commit_on_their_own_branch(tmp_path: Path) -> None:
    """Issue 13.9: new-runs started at once in one clone never report a commit that is
    not on their branch; each succeeds on its own branch or fails cleanly."""
    import os
    import re
    import subprocess
    import sys

    from conftest import GIT_ENV

    env = {**os.environ, **GIT_ENV}
    cmd = [sys.executable, "-m", "runbookgen", "new-run", "production-deployment", "-d", "2026-12-01"]
    for round_ in range(4):
        repo = make_repo(tmp_path / f"r{round_}")
        main = git(repo, "rev-parse", "main").strip()
        procs = [
            subprocess.Popen(
                [*cmd, "-r", f"v{i}", "--lead", "x"],
                cwd=repo,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for i in range(3)
        ]
        results = [(i, p, *p.communicate(timeout=120)) for i, p in enumerate(procs)]
        # the first to take the lock always makes its run; failing all three is no answer
        assert any(proc.returncode == 0 for _, proc, _, _ in results), [r[3] for r in results]
        for i, proc, out, err in results:
            path = f"runs/production-deployment/2026-12-01-v{i}.md"
            branch = f"run/production-deployment/2026-12-01-v{i}"
            assert "Traceback" not in err
            if proc.returncode != 0:  # failed cleanly: one line, no branch, no file
                assert proc.returncode == 1 and len(err.strip().splitlines()) == 1, err
                assert git(repo, "branch", "--list", branch).strip() == ""
                assert not (repo / path).exists()
                continue
            m = re.search(r"On branch (\S+), commit ([0-9a-f]+)\.", out)
            assert m and m.group(1) == branch, out
            commit = git(repo, "rev-parse", m.group(2)).strip()
            assert git(repo, "rev-parse", branch).strip() == commit  # the reported commit is the tip
            assert git(repo, "show", "--name-only", "--format=", commit).split() == [path]  # its file only
            parent = git(repo, "rev-parse", f"{commit}~1").strip()
            # from the commit checked out when it started: main, or a run branch made just before
            assert parent == main or git(repo, "branch", "--contains", parent, "--list", "run/*").strip()
        assert git(repo, "status", "--porcelain") == ""
        assert not (repo / ".git" / "runbookgen-new-run.lock").exists()


@pytest.mark.parametrize("label", sorted(METADATA_LABELS))
def test_placeholders_of_the_templates_own_details_stay(label: str) -> None:
    """A line the parser reads as the runbook's metadata (Version, Owner, Last Updated…)
    describes the template, not the run: new-run fills nothing there. One list of those
    labels (markdown/fields.py) serves the parser and new-run."""
    values = {"release": "v2.4.0", "date": "2026-12-01", "lead": "@alice"}
    line = f"**{label.title()}**: [Date] [Release] [Name]\n"
    assert render_body(line, values) == line
    assert render_body("**Deployment Date**: [Date]\n", values) == "**Deployment Date**: 2026-12-01\n"


@pytest.mark.parametrize("detached", [False, True])
def test_a_failed_commit_leaves_the_checkout_as_it_was(tmp_path: Path, detached: bool) -> None:
    """git makes the branch but refuses the commit (no identity, user.useConfigOnly): the
    branch is deleted, the run file removed and the work tree back on what was checked out
    before — a branch, or a detached commit."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path / "repo")
    head = git(repo, "rev-parse", "HEAD").strip()
    if detached:
        git(repo, "switch", "--quiet", "--detach", "HEAD")
    git(repo, "config", "user.useConfigOnly", "true")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")) and k not in ("EMAIL",)
    }
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, HOME=str(tmp_path))
    cmd = [sys.executable, "-m", "runbookgen", "new-run", "production-deployment", "-r", "v7", "--lead", "x"]
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "no branch or commit was made" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert git(repo, "branch", "--list", "run/*").strip() == ""
    assert not list((repo / "runs").rglob("*v7*"))
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert git(repo, "branch", "--show-current").strip() == ("" if detached else "main")
    assert git(repo, "status", "--porcelain").strip() == ""
