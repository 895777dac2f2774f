"""``runbookgen init`` and ``new-runbook``: what they write, and what they refuse to touch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import GIT_ENV, run_cli
from runbookgen import starter
from runbookgen.errors import RunbookgenError

EXPECTED = {
    "mkdocs.yml",
    "requirements.txt",
    ".gitignore",
    ".pre-commit-config.yaml",
    "content/example-deployment.md",
    "runs/README.md",
    ".github/dependabot.yml",
    ".github/workflows/tests.yml",
    ".github/workflows/runs.yml",
    ".github/workflows/pages.yml",
}


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_init_writes_the_starter_repository(tmp_path: Path) -> None:
    target = tmp_path / "payments"
    result = run_cli("init", "payments", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _tree(target) == EXPECTED
    # The file list is data (stdout); the next steps are advice (stderr).
    assert sorted(result.stdout.split()) == sorted(f"payments/{rel}" for rel in EXPECTED)
    assert "runbookgen new-run example-deployment" in result.stderr
    assert "site_name: Payments Runbooks" in (target / "mkdocs.yml").read_text()
    from runbookgen import __version__

    assert f"runbookgen=={__version__}" in (target / "requirements.txt").read_text()
    assert not list(target.rglob("*.tmp")), "temporary files left behind"


def test_init_next_steps_make_main_the_first_branch(tmp_path: Path) -> None:
    """The starter workflows run on pushes to main; git's default first branch may be master."""
    result = run_cli("init", "fresh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  cd fresh\n  git init -b main && git add . && git commit" in result.stderr
    # the advice works as printed: the first commit lands on main
    script = "cd fresh && git init -q -b main && git add . && git commit -qm 'Runbook repository'"
    subprocess.run(["bash", "-ec", script], cwd=tmp_path, check=True, env={**os.environ, **GIT_ENV})
    branch = subprocess.run(
        ["git", "branch", "--show-current"], cwd=tmp_path / "fresh", capture_output=True, text=True
    )
    assert branch.stdout.strip() == "main"
    # inside an existing repository there is nothing to init
    (tmp_path / "fresh" / "ops").mkdir()
    again = run_cli("init", "ops", cwd=tmp_path / "fresh")
    assert again.returncode == 0, again.stderr
    assert "git init" not in again.stderr and "  cd ops\n  git add . && git commit" in again.stderr


def test_init_result_is_a_project_with_a_valid_runbook(tmp_path: Path) -> None:
    starter.init_project(tmp_path)
    from runbookgen.project import Project

    proj = Project.discover(tmp_path / "content")
    assert proj.root == tmp_path.resolve()
    assert proj.runbook_names == ["example-deployment"]
    rb = proj.template("example-deployment")
    assert rb is not None and rb.title == "Example Deployment"
    kinds = {stage.title: stage.kind for stage in rb.stages}
    assert kinds["Rollback Criteria"] == "triggers"
    assert kinds["Rollback Procedure"] == "conditional"
    assert kinds["Sign-Off"] == "sign-off"
    from runbookgen.project import read_mkdocs_config

    config = read_mkdocs_config(tmp_path)
    assert config["theme"]["name"] == "material"
    assert config["plugins"] == ["search", "runbookgen"]
    assert (proj.content_dir, proj.runs_dir) == ("content", "runs")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\n")
    (tmp_path / "content" / "example-deployment.md").write_text("# Mine\n")
    result = run_cli("init", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == ""
    err = result.stderr.strip()
    assert err.startswith("Error: ") and len(err.splitlines()) == 1
    assert "mkdocs.yml" in err and "content/example-deployment.md" in err
    assert "nothing was written" in err
    assert _tree(tmp_path) == {"mkdocs.yml", "content/example-deployment.md"}
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: Mine\n"


def test_init_into_an_unrelated_nonempty_directory_is_fine(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hello\n")
    assert run_cli("init", str(tmp_path)).returncode == 0
    assert (tmp_path / "README.md").read_text() == "hello\n"
    assert (tmp_path / "mkdocs.yml").is_file()


def test_init_on_a_file_is_a_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    result = run_cli("init", str(f))
    assert result.returncode == 2
    assert "is a file" in result.stderr


def test_failure_part_way_removes_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = starter.write_new

    def flaky(target: Path, text: str, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(28, "No space left on device")
        real(target, text, **kwargs)

    monkeypatch.setattr(starter, "write_new", flaky)
    with pytest.raises(OSError):
        starter.init_project(tmp_path / "new")
    assert _tree(tmp_path) == set()
    assert [p.name for p in tmp_path.iterdir()] == ["new"]  # the directory asked for stays


def test_site_name_is_quoted_when_yaml_would_misread_it(tmp_path: Path) -> None:
    starter.init_project(tmp_path, site_name='Ops: "prod" #1')
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load((tmp_path / "mkdocs.yml").read_text())
    assert data["site_name"] == 'Ops: "prod" #1'
    starter.init_project(tmp_path / "b", site_name="yes")
    data = YAML(typ="safe", pure=True).load((tmp_path / "b" / "mkdocs.yml").read_text())
    assert data["site_name"] == "yes"


# ---------------------------------------------------------------- new-runbook
def test_new_runbook_adds_a_template(tmp_path: Path) -> None:
    starter.init_project(tmp_path)
    result = run_cli("new-runbook", "database-failover", cwd=tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/database-failover.md"
    text = (tmp_path / "content" / "database-failover.md").read_text()
    assert text.startswith("# Database Failover\n")
    assert "- [ ]" in text
    from runbookgen.project import Project

    assert "database-failover" in Project.discover(tmp_path).runbook_names


def test_new_runbook_title_option_and_md_suffix(tmp_path: Path) -> None:
    starter.init_project(tmp_path)
    result = run_cli("new-runbook", "hotfix.md", "--title", "Hotfix Release", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content" / "hotfix.md").read_text().startswith("# Hotfix Release\n")


def test_new_runbook_never_overwrites(tmp_path: Path) -> None:
    starter.init_project(tmp_path)
    before = (tmp_path / "content" / "example-deployment.md").read_text()
    result = run_cli("new-runbook", "example-deployment", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: content/example-deployment.md: already exists; new-runbook never overwrites\n"
    )
    assert (tmp_path / "content" / "example-deployment.md").read_text() == before


@pytest.mark.parametrize(
    "name",
    [
        "../escape",
        "a/b",
        "..",
        ".hidden",
        "-rf",
        "",
        "index",
        "a b",
        "x" * 65,
        "C:\\evil",
        "name\n",
        "ünïcode",
    ],
)
def test_new_runbook_rejects_unsafe_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(RunbookgenError, match="invalid runbook name"):
        starter.new_runbook(tmp_path, name)
    assert list(tmp_path.iterdir()) == []


def test_new_runbook_outside_a_project_explains(tmp_path: Path) -> None:
    result = run_cli("new-runbook", "x", cwd=tmp_path)
    assert result.returncode == 1
    assert "runbookgen init" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_runbook_respects_docs_dir(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: X\ndocs_dir: books\n")
    (tmp_path / "books").mkdir()
    assert run_cli("new-runbook", "release", cwd=tmp_path).returncode == 0
    assert (tmp_path / "books" / "release.md").is_file()


# ---------------------------------------------------------------- mkdocs build
def _plugin_available() -> bool:
    from importlib.metadata import entry_points

    for ep in entry_points(group="mkdocs.plugins", name="runbookgen"):
        try:
            ep.load()
        except ImportError:
            return False
        return True
    return False


def test_mkdocs_build_works_in_a_fresh_init(tmp_path: Path) -> None:
    """The promise of `init`: a site builds straight away, with no edits."""
    if not _plugin_available():
        pytest.skip("the runbookgen MkDocs plugin is not importable in this checkout")
    starter.init_project(tmp_path)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert any((tmp_path / "site").rglob("example-deployment*"))
