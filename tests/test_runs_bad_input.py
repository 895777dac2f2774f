"""Bad input to every run command: one clear line on stderr, exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from runs_support import RUN, make_repo, new_run

BAD = {
    "malformed front matter": (
        b"---\nrunbook: production-deployment\nrelease: [v1\n---\n# T\n- [ ] a\n",
        "invalid front matter YAML",
    ),
    "not UTF-8": (b"---\nrunbook: production-deployment\n---\n# T\n- [ ] caf\xe9\n", "not valid UTF-8"),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("bad") / "repo", use_git=False)
    new_run(repo, "--no-git")
    return repo


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", [["status"], ["tick", "{path}", "a"], ["upgrade", "{path}"]])
def test_bad_run_file(repo: Path, case: str, command: list[str]) -> None:
    data, message = BAD[case]
    path = repo / "runs/production-deployment/2026-01-01-bad.md"
    path.write_bytes(data)
    try:
        args = [a.format(path=path.relative_to(repo).as_posix()) for a in command]
        res = run_cli(*args, cwd=repo)
        assert res.returncode == 1
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "2026-01-01-bad.md:" in lines[0]
        assert "Traceback" not in res.stderr
        assert path.read_bytes() == data
    finally:
        path.unlink()


def test_run_naming_a_missing_runbook(repo: Path) -> None:
    text = (repo / RUN).read_text().replace("runbook: production-deployment", "runbook: nope")
    path = repo / "runs/production-deployment/2026-01-02-x.md"
    path.write_text(text)
    try:
        res = run_cli("upgrade", path.relative_to(repo).as_posix(), cwd=repo)
        assert res.returncode == 1 and "runbook 'nope' has no template" in res.stderr
        assert path.read_text() == text
        res = run_cli("check", path.relative_to(repo).as_posix(), cwd=repo)
        assert res.returncode == 1 and "[unknown-runbook]" in res.stdout
    finally:
        path.unlink()


def test_template_not_utf8(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", use_git=False)
    tpl = repo / "content/production-deployment.md"
    tpl.write_bytes(tpl.read_bytes().replace(b"Code Quality", b"Code Qualit\xe9"))
    res = run_cli("new-run", "production-deployment", "-r", "v1", "--lead", "x", cwd=repo)
    assert res.returncode == 1
    assert "content/production-deployment.md:7: not valid UTF-8" in res.stderr
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in (repo / "runs").rglob("*")) == ["README.md"]
