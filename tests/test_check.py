"""``check``: every rule, bad input, and the text/json/github outputs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import run_cli
from runbookgen.check.rules import check_paths, escape_data, escape_property, format_github
from runbookgen.findings import Finding
from runbookgen.project import Project
from runbookgen.records.newrun import render_run
from runs_support import RUN, make_repo, tick_lines


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", use_git=False)


def _run(repo: Path, **replace: str) -> Path:
    """A fresh run record (no git), with front matter lines replaced as ``key=new line``."""
    project = Project.discover(repo)
    text = render_run(project, "production-deployment", "v2.4.0", date(2026, 12, 1), "@alice")
    for old, new in replace.items():
        old_line = next(line for line in text.split("\n") if line.startswith(f"{old}:"))
        text = text.replace(old_line + "\n", new + "\n" if new else "")
    path = repo / RUN
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _check(repo: Path, strict: bool = False) -> list[Finding]:
    project = Project.discover(repo)
    return check_paths(project.run_files(), project, strict=strict)


def _codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in findings]


def test_fresh_run_is_clean(repo: Path) -> None:
    _run(repo)
    assert _check(repo) == []


# ------------------------------------------------------------------ front matter and bad input
def test_malformed_front_matter(repo: Path) -> None:
    path = _run(repo)
    path.write_text(path.read_text().replace("release: v2.4.0", "release: [v2.4.0"))
    [f] = _check(repo)
    assert (f.severity, f.code, f.path) == ("error", "unreadable", RUN)
    assert "invalid front matter YAML" in f.message and f.line is not None
    res = run_cli("check", cwd=repo)
    assert res.returncode == 1 and f"{RUN}:" in res.stdout


def test_missing_and_mistyped_keys(repo: Path) -> None:
    _run(repo, lead="", date="date: next tuesday", release="release: 2.4", status="status: sucess")
    findings = _check(repo)
    messages = " | ".join(f.message for f in findings)
    assert ("error", "front-matter-key") in _codes(findings) and "lacks 'lead'" in messages
    assert "'date' must be a date" in messages
    assert "'release' must be a string" in messages
    assert "did you mean 'success'?" in messages
    assert all(f.line for f in findings if f.code != "front-matter-key")


def test_no_front_matter(repo: Path) -> None:
    (repo / "runs/x").mkdir()
    (repo / "runs/x/2026-01-01-v1.md").write_text("# Plain\n\n- [ ] a\n")
    assert ("error", "front-matter-missing") in _codes(_check(repo))


def test_run_naming_a_missing_runbook(repo: Path) -> None:
    _run(repo, runbook="runbook: production-deploymen")
    [f] = [f for f in _check(repo) if f.code == "unknown-runbook"]
    assert f.severity == "error" and f.line == 2
    assert "did you mean 'production-deployment'?" in f.message


def test_not_utf8(repo: Path) -> None:
    path = _run(repo)
    path.write_bytes(path.read_bytes().replace(b"Code Quality", b"Code Qualit\xe9"))
    [f] = _check(repo)
    assert f.code == "unreadable" and "not valid UTF-8" in f.message and f.line == 16
    res = run_cli("check", RUN, cwd=repo)
    assert res.returncode == 1


def test_missing_file_named_on_command_line(repo: Path) -> None:
    res = run_cli("check", "runs/nope.md", cwd=repo)
    assert res.returncode == 1 and "runs/nope.md: error: no such run record" in res.stdout


def test_path_outside_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# x\n")
    res = run_cli("check", str(outside), cwd=repo)
    assert res.returncode == 1 and "outside the repository" in res.stdout


# ------------------------------------------------------------------ drift
def test_task_added_and_reworded(repo: Path) -> None:
    path = _run(repo)
    text = path.read_text()
    text = text.replace(
        "- [ ] CDN configuration verified\n", "- [ ] CDN configuration verified\n- [ ] Warm the caches\n"
    )
    text = text.replace("- [ ] DNS records verified", "- [ ] DNS records checked")
    path.write_text(text)
    findings = _check(repo)
    codes = _codes(findings)
    assert ("error", "task-added") in codes and ("error", "task-reworded") in codes
    reworded = next(f for f in findings if f.code == "task-reworded")
    assert "'DNS records checked' was 'DNS records verified'" in reworded.message
    lines = path.read_text().split("\n")
    assert lines[reworded.line - 1] == "- [ ] DNS records checked"


def test_notes_and_ticks_are_not_drift(repo: Path) -> None:
    path = _run(repo)
    text = path.read_text().replace(
        "- [ ] All code reviewed and approved\n",
        "- [x] All code reviewed and approved\n  Reviewed by @carol, see PR 123.\n  - link to report\n",
    )
    path.write_text(text)
    assert _check(repo) == []


def test_older_template_version_suggests_upgrade(repo: Path) -> None:
    _run(repo)
    tpl = repo / "content/production-deployment.md"
    tpl.write_text(
        tpl.read_text()
        .replace("**Version**: 2.0.0", "**Version**: 2.1.0")
        .replace("- [ ] CDN configuration verified\n", "")
    )
    [f] = _check(repo)
    assert (f.severity, f.code) == ("warning", "outdated-template")
    assert "version 2.0.0, the template is now 2.1.0" in f.message
    assert f"runbookgen upgrade {RUN}" in f.message
    assert "since then the template lost 1 task;" in f.message  # one was removed


def test_outdated_template_counts_a_task_added_to_the_template(repo: Path) -> None:
    """Issue 12.5: one task added to the template is reported as added, not removed."""
    _run(repo)
    tpl = repo / "content/production-deployment.md"
    tpl.write_text(
        tpl.read_text()
        .replace("**Version**: 2.0.0", "**Version**: 2.1.0")
        .replace(
            "- [ ] CDN configuration verified\n", "- [ ] CDN configuration verified\n- [ ] SBOM published\n"
        )
    )
    [f] = _check(repo)
    assert f.code == "outdated-template"
    assert "since then the template gained 1 task;" in f.message


# ------------------------------------------------------------------ gating
def test_gating_warning_and_strict(repo: Path) -> None:
    path = _run(repo)
    tick_lines(path, "Final database backup created")  # Deployment Day while Pre-Deployment is open
    [f] = _check(repo)
    assert (f.severity, f.code) == ("warning", "gating")
    assert "'Deployment Day (2 Hours Before)' has ticks while 'Pre-Deployment (24 Hours Before)'" in f.message
    assert [x.severity for x in _check(repo, strict=True)] == ["error"]
    assert run_cli("check", cwd=repo).returncode == 0
    assert run_cli("check", "--strict", cwd=repo).returncode == 1


def test_gating_between_numbered_phases_ignores_optional(repo: Path) -> None:
    path = _run(repo)
    text = path.read_text()
    # every earlier stage done, so only the phases inside During Deployment matter
    start, end = text.index("## Pre-Deployment"), text.index("## During Deployment")
    path.write_text(text[:start] + text[start:end].replace("- [ ]", "- [x]") + text[end:])
    tick_lines(path, "Deploy backend to green")  # Phase 2; Phase 1 is "(if required)": optional
    assert _check(repo) == []
    tick_lines(path, "Build frontend with production config")  # Phase 3 while Phase 2 is open
    [f] = _check(repo)
    assert f.code == "gating" and "'Phase 3: Frontend Deployment'" in f.message


def test_skipping_ahead_is_not_gating(repo: Path) -> None:
    path = _run(repo)
    text = path.read_text().replace(
        "- [ ] Final database backup created", "- [x] ~~Final database backup created~~ n/a: nightly backup"
    )
    path.write_text(text)
    assert _check(repo) == []


def test_no_gating_without_the_rule(repo: Path) -> None:
    tpl = repo / "content/production-deployment.md"
    tpl.write_text(
        tpl.read_text().replace("- All checkboxes must be completed before proceeding to next phase\n", "")
    )
    path = _run(repo)
    tick_lines(path, "Final database backup created")
    assert _check(repo) == []


# ------------------------------------------------------------------ status and sign-off
def test_success_with_open_items_and_trigger(repo: Path) -> None:
    path = _run(repo, status="status: success")
    tick_lines(path, "Error rate exceeds 1%")
    codes = _codes(_check(repo))
    assert ("error", "status-success-open") in codes
    assert ("error", "status-success-triggered") in codes


def test_triggered_while_in_progress_warns(repo: Path) -> None:
    path = _run(repo, status="status: in-progress")
    tick_lines(path, "Data corruption detected")
    [f] = _check(repo)
    assert (f.severity, f.code) == ("warning", "triggered") and "Data corruption detected" in f.message


def test_rolled_back_with_procedure_untouched(repo: Path) -> None:
    path = _run(repo, status="status: rolled-back")
    assert ("error", "status-rolled-back-untouched") in _codes(_check(repo))
    tick_lines(path, "Announce rollback decision")
    assert ("error", "status-rolled-back-untouched") not in _codes(_check(repo))


def test_body_status_choice_disagrees(repo: Path) -> None:
    path = _run(repo, status="status: partial")
    path.write_text(path.read_text().replace("[ ] Success [ ] Partial", "[x] Success [ ] Partial"))
    [f] = [f for f in _check(repo) if f.code == "status-mismatch"]
    assert "'Success'" in f.message and "status: partial" in f.message
    path.write_text(path.read_text().replace("[ ] Partial", "[x] Partial"))
    assert ("error", "status-choice") in _codes(_check(repo))


def test_signoff_ticked_with_empty_fields(repo: Path) -> None:
    path = _run(repo)
    text = path.read_text()
    text = text.replace(
        "- [ ] QA Lead: _________________ Date: _______", "- [x] QA Lead: _________________ Date: _______"
    )
    text = text.replace(
        "- [ ] DevOps Lead: _________________ Date: _______", "- [x] DevOps Lead: @dan Date: 2026-12-01"
    )
    path.write_text(text)
    findings = [f for f in _check(repo) if f.code == "signoff-empty"]
    assert len(findings) == 1
    assert "'QA Lead' and 'Date' empty" in findings[0].message


def test_signoff_with_name_but_no_date(repo: Path) -> None:
    path = _run(repo)
    path.write_text(
        path.read_text().replace(
            "- [ ] QA Lead: _________________ Date: _______", "- [x] QA Lead: @erin Date: _______"
        )
    )
    assert _codes(_check(repo)) == [("error", "signoff-empty")]


# ------------------------------------------------------------------ output formats
def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    f = Finding("runs/a,b:c.md", 7, "error", "x", "bad: 5%\nsecond line")
    [line] = format_github([f])
    assert line == "::error file=runs/a%2Cb%3Ac.md,line=7,title=runbookgen x::bad: 5%25%0Asecond line"


def test_github_errors_first_and_limit_line() -> None:
    warnings = [Finding("a.md", n, "warning", "w", "w") for n in range(1, 4)]
    errors = [Finding("b.md", n, "error", "e", "e") for n in range(1, 13)]
    lines = format_github([*warnings, *errors])
    assert all(x.startswith("::error ") for x in lines[:12])
    assert all(x.startswith("::warning ") for x in lines[12:15])
    assert len(lines) == 16 and "12 errors and 3 warnings" in lines[-1]
    assert len(format_github(errors[:10] + warnings)) == 13  # nothing cut: no count line


def test_format_auto_is_github_on_actions(repo: Path) -> None:
    path = _run(repo)
    path.write_text(path.read_text().replace("- [ ] DNS records verified\n", ""))
    res = run_cli("check", cwd=repo, env={"GITHUB_ACTIONS": "true"})
    assert res.returncode == 1
    assert res.stdout.startswith(f"::error file={RUN},line=")
    plain = run_cli("check", cwd=repo, env={"GITHUB_ACTIONS": ""})
    assert plain.stdout.startswith(f"{RUN}:")


def test_json_format(repo: Path) -> None:
    path = _run(repo)
    path.write_text(path.read_text().replace("- [ ] DNS records verified\n", ""))
    res = run_cli("check", "--format", "json", cwd=repo)
    data = json.loads(res.stdout)
    assert res.returncode == 1
    assert (data["files"], data["errors"], data["warnings"]) == (1, 1, 0)
    assert data["findings"][0]["code"] == "task-removed"
    assert "DNS records verified" in data["findings"][0]["message"]


def test_extra_findings_join_the_report(repo: Path) -> None:
    from runbookgen.check.rules import check_runs
    from runbookgen.records.record import load_runs

    _run(repo)
    project = Project.discover(repo)
    extra = [Finding(RUN, 3, "warning", "stale-signoff", "stale")]
    assert check_runs(load_runs(None, project), project, extra=extra) == extra
    assert check_runs(load_runs(None, project), project, strict=True, extra=extra)[0].severity == "error"


def test_placeholders_filled_in_tasks_are_not_drift(tmp_path: Path) -> None:
    template = "# Small\n\n## Prepare\n- [ ] Tag [Release] in git\n- [ ] Announce [Release]\n"
    repo = make_repo(tmp_path / "small", template=template, name="small", use_git=False)
    res = run_cli("new-run", "small", "-r", "v9", "-d", "2026-12-01", "--lead", "x", cwd=repo)
    assert res.returncode == 0, res.stderr
    path = repo / "runs/small/2026-12-01-v9.md"
    assert "- [ ] Tag v9 in git" in path.read_text()
    assert _check(repo) == []
    path.write_text(path.read_text().replace("Announce v9", "Announce v10"))
    assert _codes(_check(repo)) == [("error", "task-reworded")]


def test_file_name_disagreeing_with_front_matter(repo: Path) -> None:
    _run(repo, date="date: 2026-12-02")
    [f] = _check(repo)
    assert (f.severity, f.code) == ("warning", "misplaced")
    assert "runs/production-deployment/2026-12-02-v2.4.0.md" in f.message


def test_github_paths_are_relative_to_the_git_root(tmp_path: Path) -> None:
    from runs_support import git

    top = tmp_path / "top"
    repo = make_repo(top / "ops" / "runbooks", use_git=False)
    git(top, "init", "-q", "-b", "main")
    path = _run(repo)
    path.write_text(path.read_text().replace("- [ ] DNS records verified\n", ""))
    res = run_cli("check", "--format", "github", cwd=repo)
    assert res.returncode == 1
    assert res.stdout.startswith(f"::error file=ops/runbooks/{RUN},line=")
