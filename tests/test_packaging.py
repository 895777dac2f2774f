"""The distribution: sdist and wheel carry the package data, and a wheel installed into a
fresh virtual environment can ``runbookgen init`` a repository that ``mkdocs build`` builds.

Slow (a build, and a virtual environment whose dependencies pip fetches from the index),
so marked ``slow``; CI runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import GIT_ENV, ROOT
from runbookgen import __version__

pytestmark = pytest.mark.slow
PACKAGE = ROOT / "src" / "runbookgen"


def _data_files() -> set[str]:
    """Every non-Python file of the package source, as ``runbookgen/...`` paths."""
    out = set()
    for p in PACKAGE.rglob("*"):
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts:
            out.add("runbookgen/" + p.relative_to(PACKAGE).as_posix())
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel built from a clean copy of the sources (the wheel is built from the sdist)."""
    work = tmp_path_factory.mktemp("build")
    src = work / "src-tree"
    shutil.copytree(
        ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = work / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _wheel(dist: Path) -> Path:
    (whl,) = dist.glob("runbookgen-*.whl")
    return whl


def test_wheel_and_sdist_carry_all_package_data(dist: Path) -> None:
    wanted = _data_files()
    assert {
        "runbookgen/starter/.github/workflows/pages.yml",
        "runbookgen/starter/.gitignore",
        "runbookgen/starter/.pre-commit-config.yaml",
        "runbookgen/starter/mkdocs.yml",
    } <= wanted
    assert any(f.startswith("runbookgen/schemas/") for f in wanted)
    assert any(f.startswith("runbookgen/web/assets/") for f in wanted)
    names = set(zipfile.ZipFile(_wheel(dist)).namelist())
    assert wanted - names == set(), "missing from the wheel"
    (sdist,) = dist.glob("runbookgen-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.split("/src/", 1)[1] for m in tar.getnames() if "/src/" in m}
    assert wanted - members == set(), "missing from the sdist"


def test_wheel_metadata(dist: Path) -> None:
    whl = zipfile.ZipFile(_wheel(dist))
    info = f"runbookgen-{__version__}.dist-info"
    entry_points = whl.read(f"{info}/entry_points.txt").decode()
    assert "runbookgen = runbookgen.cli:main" in entry_points
    assert (
        "[mkdocs.plugins]" in entry_points
        and "runbookgen = runbookgen.engines.mkdocs.plugin:" in entry_points
    )
    metadata = whl.read(f"{info}/METADATA").decode()
    assert f"Version: {__version__}" in metadata
    assert "Requires-Dist: mkdocs" in metadata


def test_fresh_environment_init_then_mkdocs_build(dist: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    # The fresh environment only: no dev venv on PATH, no PYTHONPATH pointing at src/.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= GIT_ENV | {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "NO_MKDOCS_2_WARNING": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }

    def run(*args: str | Path, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, f"{args}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        return proc

    run(bin_dir / "python", "-m", "pip", "install", "--quiet", _wheel(dist))
    where = run(bin_dir / "python", "-c", "import runbookgen; print(runbookgen.__file__)").stdout
    assert where.startswith(str(env_dir)), f"imported from {where}, not the fresh environment"
    assert run(bin_dir / "runbookgen", "--version").stdout.strip() == f"runbookgen, version {__version__}"

    project = tmp_path / "runbooks"
    run(bin_dir / "runbookgen", "init", project)
    run(bin_dir / "runbookgen", "new-runbook", "database-failover", cwd=project)
    run(
        bin_dir / "runbookgen",
        "new-run",
        "example-deployment",
        "--release",
        "v1.0.0",
        "--date",
        "2026-12-01",
        "--lead",
        "@alice",
        "--no-git",
        cwd=project,
    )
    run(bin_dir / "runbookgen", "check", cwd=project)
    run(bin_dir / "mkdocs", "build", cwd=project)
    site = project / "site"
    assert (site / "index.html").is_file()
    built = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert any("example-deployment" in p for p in built), sorted(built)[:20]
    assert any("database-failover" in p for p in built), sorted(built)[:20]
    assert any("v1-0-0" in p or "v1.0.0" in p for p in built), sorted(built)[:20]
