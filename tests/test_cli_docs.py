"""The documentation cannot drift from the code.

- ``content/docs/cli.md`` is regenerated from the click commands and must match;
- each command's block there is byte-for-byte what ``runbookgen CMD --help`` prints;
- every command and option has help, and every argument is explained in its command's help;
- the plugin options table and the list of ``check`` finding codes follow the code;
- links between the documentation pages resolve.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

from conftest import ROOT

DOCS = ROOT / "content" / "docs"


def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _gen()
COMMANDS = gen.commands()


def test_cli_reference_is_up_to_date() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == gen.render_cli(), (
        "content/docs/cli.md is out of date: run python scripts/gen_cli_docs.py"
    )


def test_plugin_options_table_is_up_to_date() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert text == gen.spliced_configuration(text), (
        "the options table in content/docs/configuration.md is out of date: "
        "run python scripts/gen_cli_docs.py"
    )


def test_plugin_options_table_covers_the_config_class() -> None:
    """The ast reading of config.py agrees with the class MkDocs actually uses."""
    pytest.importorskip("mkdocs")
    from runbookgen.engines.mkdocs.config import RunbookgenConfig

    names = [name for name, *_ in gen.plugin_options()]
    assert names == [name for name, _ in RunbookgenConfig._schema]
    assert all(doc for *_, doc in gen.plugin_options()), "an option has no docstring"


def _doc_blocks() -> dict[str, str]:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"^## `(runbookgen(?: [\w-]+)?)`\n\n```text\n(.*?)\n```$", text, re.S | re.M)
    }


def test_reference_matches_real_help_output() -> None:
    """What a user sees in a terminal 100 columns wide, from real processes."""
    env = {**os.environ, "COLUMNS": str(gen.WIDTH), "NO_COLOR": "1"}
    blocks = _doc_blocks()
    names = [None, *(name for name, _ in COMMANDS)]
    assert set(blocks) == {"runbookgen" if n is None else f"runbookgen {n}" for n in names}
    procs = {
        n: subprocess.Popen(
            [sys.executable, "-m", "runbookgen", *([n] if n else []), "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in names
    }
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        key = "runbookgen" if name is None else f"runbookgen {name}"
        assert proc.returncode == 0, err
        assert out == blocks[key] + "\n", f"{key} --help differs from content/docs/cli.md"


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_documented(name: str, cmd: click.Command) -> None:
    assert cmd.help and len(cmd.help.strip()) > 40, f"{name} has no real help text"
    short = cmd.get_short_help_str(80)
    assert short and not short.endswith("..."), f"{name}: first help line is too long for the list"
    for param in cmd.params:
        if isinstance(param, click.Option):
            if param.name == "help":
                continue
            assert param.help, f"{name} {param.opts[0]} has no help"
        elif isinstance(param, click.Argument):
            metavar = param.make_metavar(click.Context(cmd)).rstrip(".").strip("[]").rstrip(".")
            assert metavar in cmd.help, f"{name}: argument {metavar} is not explained in the help"


def test_check_codes_are_documented() -> None:
    """Every finding code `check` can emit is explained in check.md, and no stale code is."""
    # the check package's rules, the front-matter problems of records/schema.py, and the
    # sign-off findings the history package hands to check
    pkg = ROOT / "src" / "runbookgen"
    sources = [*(pkg / "check").glob("*.py"), *(pkg / "history").glob("*.py"), pkg / "records" / "schema.py"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    emitted = set(re.findall(r'"(?:error|warning)",\s*"([a-z][a-z-]+)"', source))
    emitted |= set(re.findall(r'severity,\s*"([a-z][a-z-]+)"', source))
    assert emitted, "no finding codes found in check.py: has its shape changed?"
    documented = set(re.findall(r"^\| `([a-z][a-z-]+)` \|", (DOCS / "check.md").read_text(), re.M))
    documented |= set(re.findall(r"\(`([a-z][a-z-]+)`, a warning", (DOCS / "check.md").read_text()))
    assert emitted - documented == set(), "document these codes in content/docs/check.md"
    assert documented - emitted == set(), "check.md documents codes that check no longer emits"


def test_links_between_pages_resolve() -> None:
    broken = []
    for page in sorted(DOCS.glob("*.md")):
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", text):
            if "://" not in target and not (page.parent / target).is_file():
                broken.append(f"{page.name} → {target}")
    assert broken == []


def test_generator_check_mode_reports_stale_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text("old\n")
    config = tmp_path / "configuration.md"
    config.write_text(f"x\n{gen.START}\n{gen.END}\n")
    monkeypatch.setattr(gen, "CLI_MD", stale)
    monkeypatch.setattr(gen, "CONFIG_MD", config)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    assert stale.read_text() == gen.render_cli()


def test_every_registered_command_loads_and_is_in_the_reference() -> None:
    """A command registered in cli/__init__.py whose module is missing would vanish from --help."""
    from runbookgen.cli import COMMANDS

    assert sorted(COMMANDS) == [name for name, _ in COMMANDS_LISTED]


COMMANDS_LISTED = COMMANDS


@pytest.mark.slow
def test_docs_pages_build_strictly(tmp_path: Path) -> None:
    """The repository's own site builds with --strict (no broken links) and has every docs page."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    for page in DOCS.glob("*.md"):
        out = tmp_path / "site" / "docs" / ("" if page.stem == "index" else page.stem) / "index.html"
        assert out.is_file(), f"{page.name} was not built"
    cli_html = (tmp_path / "site" / "docs" / "cli" / "index.html").read_text(encoding="utf-8")
    for name, _ in COMMANDS:
        assert f'id="runbookgen-{name}"' in cli_html, name
