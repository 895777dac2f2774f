"""Owners of stages and items (records/owners.py): @login and @org/team conventions."""

from __future__ import annotations

import time

import pytest

from runbookgen.markdown import loads
from runbookgen.records.owners import MENTION, is_owner, item_owners, mentions, open_items, section_owners

TEMPLATE = """\
---
owners:
  Database: "@acme/dba"
  deploy/smoke: ["@carol", "not a login"]
---
# Deploy

## Prepare

Owner: @alice

### Code
- [ ] All code reviewed
- [ ] Tests green @bob

### Database
- [ ] Backup taken
- [ ] Mail support@clerk.dev about `@decorator` changes, see https://example.com/@nobody

## Deploy

**Owners**: @dave, @acme/release-team

- [ ] Ship it
- [x] Already done @erin

### Smoke
- [ ] Home page loads
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ping @alice", ("@alice",)),
        ("@acme/dba and @alice and @alice", ("@acme/dba", "@alice")),
        ("mail support@clerk.dev", ()),
        ("`@decorator` only", ()),
        ("see https://github.com/@someone/x", ()),
        ("a-@b", ()),
        ("@-leading-hyphen @trailing- @dou--ble", ()),
        ("(@alice)", ("@alice",)),
        ("@" + "a" * 39, ("@" + "a" * 39,)),
        ("@" + "a" * 40, ()),
    ],
)
def test_mentions(text: str, expected: tuple[str, ...]) -> None:
    assert mentions(text) == expected


def test_owners_come_from_item_text_owner_lines_and_front_matter() -> None:
    model = loads(TEMPLATE)
    sections = section_owners(model)
    assert sections["prepare"] == ("@alice",)
    assert sections["prepare/database"] == ("@acme/dba",)
    assert sections["deploy"] == ("@dave", "@acme/release-team")
    assert sections["deploy/smoke"] == ("@carol",)
    items = {model.item_index()[k].text: v for k, v in item_owners(model).items()}
    assert items["All code reviewed"] == ("@alice",), "inherited from the stage"
    assert items["Tests green @bob"] == ("@bob",), "the item's own mention wins"
    assert items["Backup taken"] == ("@acme/dba",), "front matter by section title"
    assert items["Ship it"] == ("@dave", "@acme/release-team")
    assert items["Home page loads"] == ("@carol",), "front matter by section id"
    mail = next(t for t in items if t.startswith("Mail support"))
    assert items[mail] == ("@acme/dba",), "an address, code and a URL are not mentions"


def test_runbook_level_owner_stays_metadata() -> None:
    model = loads("# T\n\n**Owner**: @ops-lead\n\n## S\n\n**Owner**: @alice\n\n- [ ] x\n")
    assert model.metadata == {"Owner": "@ops-lead"}
    assert section_owners(model) == {"s": ("@alice",)}


def test_run_uses_its_templates_front_matter() -> None:
    template = loads(TEMPLATE)
    run = loads("---\nrunbook: x\n---\n" + TEMPLATE.split("---\n", 2)[2])
    assert section_owners(run).get("prepare/database") is None
    assert section_owners(run, template)["prepare/database"] == ("@acme/dba",)


def test_open_items_and_is_owner() -> None:
    model = loads(TEMPLATE)
    texts = [item.text for _, item in open_items(model)]
    assert "Already done @erin" not in texts and "Ship it" in texts
    assert is_owner(("@Alice",), ["alice"]) and is_owner(("@acme/dba",), ["@acme/dba"])
    assert not is_owner(("@alice",), ["alic", ""])


def test_mention_regex_is_linear_on_crafted_lines() -> None:
    for line in ("@" + "a-" * 50_000, "@a/" + "b" * 100_000 + "!", "x@" * 50_000, "@" * 100_000):
        t0 = time.perf_counter()
        list(MENTION.finditer(line))
        mentions(line)
        assert time.perf_counter() - t0 < 1.0, line[:20]


def test_run_owners_are_the_templates_plus_the_runs_own_mentions() -> None:
    from runbookgen.records.owners import run_owners

    template = loads(TEMPLATE)
    run = loads(TEMPLATE.replace("- [ ] Backup taken", "- [ ] Backup taken @zoe"))
    got = run_owners(run, template)
    zoe = next(i.id for i in run.items() if i.text == "Backup taken @zoe")
    assert got[zoe] == ("@zoe",), "a mention added in the run file counts"
    want = item_owners(template, template)
    assert {k: v for k, v in got.items() if k != zoe} == want
    plain = loads("# T\n\n## S\n\nOwner: @alice\n\n- [ ] x\n- [ ] y\n")
    assert run_owners(loads("# T\n\n## S\n\n- [ ] x\n"), plain) is run_owners(plain, plain), (
        "once per template"
    )
