"""The user's runbook, as written, parses into the model the issues describe."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import runbookgen
from conftest import ROOT, run_cli

SEED_ORIGINAL = ROOT.parent / "shared" / "seeds" / "production-deployment-checklist.md"


def test_content_is_the_users_runbook_byte_for_byte(seed_path: Path) -> None:
    if SEED_ORIGINAL.exists():
        assert seed_path.read_bytes() == SEED_ORIGINAL.read_bytes()
    assert seed_path.read_bytes().startswith(b"# Production Deployment Checklist\n")


def _parse_json(seed_path: Path) -> dict:
    result = run_cli("parse", str(seed_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _walk_sections(sections, inherited=None):
    for sec in sections:
        yield sec
        yield from _walk_sections(sec["sections"])


def _walk_items(items):
    for item in items:
        yield item
        yield from _walk_items(item["children"])


def test_seed_counts_by_kind(seed_path: Path) -> None:
    data = _parse_json(seed_path)
    assert data["version"] == "2.0.0"
    kinds: Counter[str] = Counter()
    for sec in _walk_sections(data["stages"]):
        for _ in _walk_items(sec["items"]):
            kinds[sec["kind"]] += 1
    assert sum(kinds.values()) == 206
    assert kinds == {"tasks": 167, "triggers": 14, "conditional": 20, "sign-off": 5}


def test_seed_ids_unique_and_monitor_items_distinct(seed_path: Path) -> None:
    rb = runbookgen.load(seed_path)
    ids = [i.id for i in rb.items()]
    assert len(ids) == len(set(ids)) == 206
    monitors = [i for i in rb.items() if i.text == "Monitor for 10 minutes"]
    assert len(monitors) == 3
    assert len({m.id for m in monitors}) == 3
    assert [c.text for c in monitors[0].children] == [
        "Error rate < 0.1%",
        "Response time < 500ms",
        "No critical errors",
    ]
    assert not monitors[1].children and not monitors[2].children
    # same ids from a second parse (stable across runs of the template)
    assert [i.id for i in runbookgen.load(seed_path).items()] == ids


def test_seed_phase_estimates(seed_path: Path) -> None:
    rb = runbookgen.load(seed_path)
    phases = [s for s in rb.sections() if s.title.startswith("Phase ")]
    assert [(s.estimate.min, s.estimate.max) for s in phases] == [
        (10, 15),
        (10, 15),
        (5, 10),
        (40, 50),
        (15, 20),
    ]


def test_seed_rollback_procedure_steps(seed_path: Path) -> None:
    rb = runbookgen.load(seed_path)
    proc = next(s for s in rb.stages if s.title == "Rollback Procedure")
    assert proc.kind == "conditional"
    assert [s.title for s in proc.sections] == [
        "Immediate Actions",
        "Database Rollback (if needed)",
        "Verification",
        "Communication",
        "Post-Rollback",
    ]
    assert all(s.step and s.kind == "conditional" and len(s.items) == 4 for s in proc.sections)
    assert proc.sections[1].optional and not proc.sections[0].optional


def test_seed_sign_offs_have_name_and_date_fields(seed_path: Path) -> None:
    rb = runbookgen.load(seed_path)
    signoffs = [i for s, i in rb.items_with_sections() if s.kind == "sign-off"]
    assert len(signoffs) == 5
    for item in signoffs:
        assert [f.name for f in item.fields][1:] == ["Date"]
        assert all(f.value == "" for f in item.fields)
    status = next(s for s in rb.sections() if s.title == "Deployment Status")
    assert status.choices[0].options == ["Success", "Partial", "Rolled Back"]
    assert [f.name for f in status.fields] == ["Completion Time", "Issues Encountered", "Notes"]


def test_seed_timing_hints_and_metadata(seed_path: Path) -> None:
    rb = runbookgen.load(seed_path)
    assert rb.stages[0].timing == "24 Hours Before"
    assert rb.metadata["Last Updated"] == "[Date]"
    assert rb.metadata["Next Review"] == "[Date]"
    assert rb.description.startswith("This checklist ensures")
    optional = {i.text for i in rb.items() if i.optional}
    assert "Secrets rotated (if needed)" in optional
    assert "Data migration plan documented (if applicable)" in optional
    assert "All code reviewed and approved" not in optional
