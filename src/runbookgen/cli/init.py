"""``runbookgen init`` and ``runbookgen new-runbook``: onboarding commands."""

from __future__ import annotations

import click


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=str))
@click.option("--site-name", metavar="NAME", help="site_name for mkdocs.yml (default: from the directory).")
def init_cmd(directory: str, site_name: str | None) -> None:
    """Create a runbook repository in DIRECTORY (default: here).

    Writes mkdocs.yml, an example runbook in content/, runs/README.md, three
    GitHub workflows (tests, run-record checks on pull requests, Pages
    publishing), .pre-commit-config.yaml, requirements.txt and .gitignore.
    Existing files are never overwritten: if any would be, nothing is written
    and the conflicting files are listed. `mkdocs build` works straight away.

    \b
    Examples:
      runbookgen init my-runbooks
      runbookgen init . --site-name "Payments Runbooks"
    """
    import os
    from pathlib import Path

    from runbookgen.cli.common import echo, term
    from runbookgen.gitutil import repo_root
    from runbookgen.starter import init_project

    made = init_project(directory, site_name)
    where = term(os.path.relpath(made.root))
    for rel in made.written:
        echo((Path(where) / rel).as_posix())
    cd = "" if where == "." else f"cd {where}\n  "
    # the workflows run on pushes to main: name the first branch so (git's default may not)
    first = "" if repo_root(made.root) is not None else "git init -b main && "
    echo(
        f"\nCreated a runbook repository in {term(made.root)}. Next:\n\n"
        f"  {cd}{first}git add . && git commit -m 'Runbook repository'\n"
        "  runbookgen new-run example-deployment --release v1.0.0\n"
        "  mkdocs serve\n",
        err=True,
    )


@click.command("new-runbook")
@click.argument("name")
@click.option("--title", help="The runbook's H1 title (default: from NAME).")
def new_runbook_cmd(name: str, title: str | None) -> None:
    """Add a runbook template content/NAME.md from the starter runbook.

    NAME is the runbook id used by `new-run` and in runs/NAME/: letters,
    digits, '-' and '_'. Edit the new file's stages (## headings), sections
    (### headings) and - [ ] items to match your process. Never overwrites.

    \b
    Examples:
      runbookgen new-runbook database-failover
      runbookgen new-runbook hotfix --title "Hotfix Release"
    """
    from runbookgen.cli.common import echo, project
    from runbookgen.starter import new_runbook

    proj = project()
    path = new_runbook(proj.content_path, name, title, repo=proj.root)
    echo(proj.rel(path))
    echo(f"Next: edit {proj.rel(path)}, then `runbookgen new-run {path.stem} --release R`.", err=True)
