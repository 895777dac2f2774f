"""``upgrade``: a run moves to the current template keeping every state; nothing is lost."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from runbookgen.check.rules import check_paths
from runbookgen.project import Project
from runbookgen.records.record import load_run
from runs_support import make_repo

V1 = """# Deploy

**Version**: 1.0.0

## Prepare
- [ ] Freeze merges
- [ ] Tag the release
- [ ] Email the old list
- [ ] Backup database
  - [ ] Verify backup

## Deploy
- [ ] Roll out
- [ ] Put site in maintenance (if needed)

## Sign-Off
- [ ] Release Manager: ________ Date: ______

### Status
- **Status**: [ ] Success [ ] Partial [ ] Rolled Back
- **Completion Time**: _______
"""

V2 = (
    V1.replace("1.0.0", "2.0.0")
    .replace("- [ ] Email the old list\n", "")
    .replace("- [ ] Roll out\n", "- [ ] Roll out\n- [ ] Watch dashboards\n")
)

RUN = "runs/deploy/2026-12-01-v1.md"


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    repo = make_repo(tmp_path / "repo", template=V1, name="deploy", use_git=False)
    res = run_cli("new-run", "deploy", "-r", "v1", "-d", "2026-12-01", "--lead", "@al", cwd=repo)
    assert res.returncode == 0, res.stderr
    path = repo / RUN
    text = path.read_text()
    text = text.replace("lead: '@al'", "lead: '@al'  # who runs it")
    text = text.replace("status: planned", "status: partial")
    text = text.replace("- [ ] Freeze merges", "- [x] Freeze merges\n\n  Frozen at 09:00 by @al.")
    text = text.replace("- [ ] Roll out\n", "- [x] Roll out\n  Took 25 minutes: index rebuild.\n")
    text = text.replace("- [ ] Email the old list", "- [x] Email the old list\n  - sent to ops@")
    text = text.replace("  - [ ] Verify backup", "  - [X] Verify backup")
    text = text.replace(
        "- [ ] Put site in maintenance (if needed)",
        "- [x] ~~Put site in maintenance (if needed)~~ n/a: online migration",
    )
    text = text.replace(
        "- [ ] Release Manager: ________ Date: ______", "- [x] Release Manager: @al Date: 2026-12-01"
    )
    text = text.replace("[ ] Success [ ] Partial", "[ ] Success [x] Partial")
    text = text.replace("**Completion Time**: _______", "**Completion Time**: 11:42")
    path.write_text(text)
    (repo / "content/deploy.md").write_text(V2)
    return repo, path


def test_upgrade_keeps_every_state(tmp_path: Path) -> None:
    repo, path = _setup(tmp_path)
    project = Project.discover(repo)
    [before] = check_paths([path], project)
    assert before.code == "outdated-template"
    res = run_cli("upgrade", RUN, cwd=repo)
    assert res.returncode == 0, res.stderr
    assert "from template 1.0.0 to 2.0.0" in res.stdout and "1 dropped item" in res.stdout
    text = path.read_text()
    assert "template_version: 2.0.0" in text
    assert "lead: '@al'  # who runs it" in text  # comments and quoting survive
    assert "- [x] Freeze merges\n\n  Frozen at 09:00 by @al.\n- [ ] Tag the release" in text
    assert "  - [X] Verify backup" not in text and "  - [x] Verify backup" in text
    assert "- [x] ~~Put site in maintenance (if needed)~~ n/a: online migration" in text
    assert "- [x] Release Manager: @al Date: 2026-12-01" in text
    assert "[ ] Success [x] Partial [ ] Rolled Back" in text
    assert "**Completion Time**: 11:42" in text
    assert "- [x] Roll out\n  Took 25 minutes: index rebuild.\n- [ ] Watch dashboards" in text
    # the dropped item, with its state and note, is kept as a note
    notes = text[text.index("## Upgrade notes") :]
    assert "- done — Prepare: Email the old list" in notes and "- sent to ops@" in notes
    assert "- [" not in notes  # no boxes: it is a note, not a task
    # the result is a clean run of the new template
    rec = load_run(path, project)
    assert check_paths([path], project) == []
    items = {i.key: i for i in rec.model.items()}
    assert items["Verify backup"].checked and items["Put site in maintenance (if needed)"].skipped
    again = run_cli("upgrade", RUN, cwd=repo)
    assert again.returncode == 0 and "already on template version 2.0.0" in again.stdout


def test_dry_run_prints_diff_and_writes_nothing(tmp_path: Path) -> None:
    repo, path = _setup(tmp_path)
    before = path.read_bytes()
    res = run_cli("upgrade", RUN, "--dry-run", cwd=repo)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"--- a/{RUN}\n+++ b/{RUN}\n")
    assert "-template_version: 1.0.0\n-template_digest: sha256:" in res.stdout
    assert "+template_version: 2.0.0\n+template_digest: sha256:" in res.stdout
    assert "+- [ ] Watch dashboards" in res.stdout
    assert path.read_bytes() == before


def test_upgrade_twice_keeps_earlier_notes(tmp_path: Path) -> None:
    repo, path = _setup(tmp_path)
    assert run_cli("upgrade", RUN, cwd=repo).returncode == 0
    tpl = repo / "content/deploy.md"
    tpl.write_text(V2.replace("2.0.0", "3.0.0").replace("- [ ] Tag the release\n", ""))
    assert run_cli("upgrade", RUN, cwd=repo).returncode == 0
    notes = path.read_text().split("## Upgrade notes", 1)[1]
    assert "Email the old list" in notes and "- open — Prepare: Tag the release" in notes
    assert path.read_text().count("## Upgrade notes") == 1


def test_upgrade_unknown_runbook(tmp_path: Path) -> None:
    repo, path = _setup(tmp_path)
    path.write_text(path.read_text().replace("runbook: deploy", "runbook: gone"))
    res = run_cli("upgrade", RUN, cwd=repo)
    assert res.returncode == 1 and "has no template" in res.stderr


def test_upgrade_of_a_template_says_it_is_not_a_run_record() -> None:
    from conftest import ROOT, run_cli

    result = run_cli("upgrade", "content/production-deployment.md", "--dry-run", cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: content/production-deployment.md: not a run record (a runbook template in content/); "
        "run records live under runs/ and are made with 'runbookgen new-run RUNBOOK --release R'"
    )
