"""``runbookgen parse``: the structured model of a runbook or run record."""

from __future__ import annotations

import click


@click.command("parse")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json",
              show_default=True, help="Output format.")
def parse_cmd(file: str, fmt: str) -> None:
    """Print the structured model of a Markdown checklist.

    FILE is any Markdown file: a runbook template under content/, a run record
    under runs/, or any GitHub checklist. Tasks, nesting and checked states follow
    GitHub's rendering; the JSON follows the schema shipped in the package
    (runbookgen/schemas/runbook.schema.json).

    \b
    Examples:
      runbookgen parse content/production-deployment.md
      runbookgen parse content/production-deployment.md --format yaml
      runbookgen parse runs/production-deployment/2026-12-01-v2.4.0.md | jq '.stages[].title'
    """
    import json
    import sys

    from runbookgen.parse import load

    data = load(file).to_dict()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        from ruamel.yaml import YAML

        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.allow_unicode = True
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
        yaml.dump(data, sys.stdout)
