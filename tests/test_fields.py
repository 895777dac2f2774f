"""Fill-in fields are read back from run lines, including half-filled ones."""

from __future__ import annotations

import runbookgen
from runbookgen.markdown.fields import label_pattern, parse_fields

LABELS = frozenset({"QA Lead", "Engineering Manager", "Date"})


def test_template_blanks_define_fields() -> None:
    fields, key = parse_fields("QA Lead: _________________ Date: _______")
    assert [(f.name, f.value) for f in fields] == [("QA Lead", ""), ("Date", "")]
    assert key == "QA Lead: Date:"


def test_half_filled_line_keeps_labels_and_identity() -> None:
    fields, key = parse_fields("QA Lead: @erin Date: _______", label_pattern(LABELS))
    assert [(f.name, f.value) for f in fields] == [("QA Lead", "@erin"), ("Date", "")]
    assert key == "QA Lead: Date:"


def test_filled_line_values_with_spaces() -> None:
    fields, _ = parse_fields("Engineering Manager: Jane Q. Doe Date: 2026-12-01", label_pattern(LABELS))
    assert [(f.name, f.value) for f in fields] == [
        ("Engineering Manager", "Jane Q. Doe"),
        ("Date", "2026-12-01"),
    ]


def test_item_id_is_the_same_blank_half_filled_and_filled() -> None:
    template = "## Sign-Off\n\n- [ ] QA Lead: ______ Date: ____\n"
    ids = set()
    for line in (
        "- [ ] QA Lead: ______ Date: ____",
        "- [x] QA Lead: @erin Date: ____",
        "- [x] QA Lead: @erin Date: 2026-12-01",
    ):
        rb = runbookgen.loads(template.replace("- [ ] QA Lead: ______ Date: ____", line), field_labels=LABELS)
        ids.add(next(rb.items()).id)
    assert ids == {"sign-off/qa-lead-date"}
