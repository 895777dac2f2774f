"""``runbookgen parse``: the structured model of a runbook or run record."""

from __future__ import annotations

import click

# Deeply nested checklists recurse in markdown-it and in the JSON/YAML writers; a CLI
# process can afford a deeper stack than Python's default 1000 frames.
_RECURSION_LIMIT = 10_000


@click.command("parse")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml"]),
    default="json",
    show_default=True,
    help="Output format (the same data either way).",
)
def parse_cmd(file: str, fmt: str) -> None:
    """Print the structured model of a Markdown checklist.

    FILE is any Markdown file: a runbook template under content/, a run record
    under runs/, or any GitHub checklist. An item is a task exactly when GitHub
    draws a checkbox for it, nested the way GitHub nests it, and every task has a
    stable id, its text, `checked`, its 1-based source line, `children`,
    `optional` and fill-in `fields`. Stages (H2), sections (H3/H4) and ordered
    steps with a bold title carry their `kind` (tasks, triggers, conditional,
    sign-off, reference) and `estimate` in minutes.

    The JSON follows the schema shipped in the package
    (runbookgen/schemas/runbook.schema.json); only task items have a `checked`
    key. Section kinds can be set in the file's front matter:

    \b
      ---
      kinds:
        Rollback Criteria: triggers
        Emergency Contacts: reference
      ---

    \b
    Examples:
      runbookgen parse content/production-deployment.md
      runbookgen parse content/production-deployment.md --format yaml
      runbookgen parse runs/production-deployment/2026-12-01-v2.4.0.md | jq '.stages[].title'
      # every open task, with its line:
      runbookgen parse FILE | jq -r '.. | objects | select(.checked == false) | "\\(.line) \\(.text)"'
    """
    import json
    import sys

    from runbookgen.markdown import load

    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    from runbookgen.cli.common import echo, to_json
    from runbookgen.text import json_safe

    data = load(file).to_dict()
    if fmt == "json":
        echo(to_json(data))
    else:
        from ruamel.yaml import YAML

        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        # Untrusted text: with C1 controls or bidi characters in it, YAML escapes all of
        # non-ASCII (it leaves those raw otherwise); and no line is wrapped, so none can
        # start with text from the file (a CI workflow command).
        compact = json.dumps(data, ensure_ascii=False)
        yaml.allow_unicode = json_safe(compact) == compact
        yaml.width = 1 << 30
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
        yaml.dump(data, sys.stdout)
