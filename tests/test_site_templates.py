"""Page templates: Jinja2 with autoescaping, and a user's override from the theme's custom_dir.

Built for real with ``mkdocs build``: a file ``overrides/runbookgen/partials/run-header.html``
(``theme.custom_dir: overrides``) replaces the run page header and nothing else; values in
an override are still escaped; a broken override is one ``Error:`` line naming the file
and line, not a traceback; and ``serve`` re-renders cached run pages when an override changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runbookgen.errors import RunbookgenError
from runbookgen.project import Project
from runbookgen.web.options import SiteOptions
from runbookgen.web.site import Site
from runbookgen.web.templates import PACKAGED, Templates
from test_site_support import (
    MKDOCS_YML,
    front_matter,
    make_repo,
    mkdocs_build,
    parse_html,
    seed_body,
    write_run,
)

RUN = "runs/production-deployment/2026-12-01-v2.4.0/index.html"
PAYLOAD = "<script>alert(1)</script>"
HEADER = """\
<h1 class="my-header">Release {{ entry.release }} led by {{ entry.lead }}</h1>
<p class="my-status">{{ entry.status | status_label }}</p>
"""


def _repo(tmp_path: Path, header: str | None = HEADER) -> Path:
    yml = MKDOCS_YML.replace("  font: false\n", "  font: false\n  custom_dir: overrides\n")
    root = make_repo(tmp_path / "repo", yml)
    write_run(
        root, "2026-12-01-v2.4.0.md", front_matter("v2.4.0", "2026-12-01", lead=f"'{PAYLOAD}'"), seed_body()
    )
    if header is not None:
        partials = root / "overrides" / "runbookgen" / "partials"
        partials.mkdir(parents=True)
        (partials / "run-header.html").write_text(header, encoding="utf-8")
    return root


def _with_worker_runs(root: Path) -> None:
    """Enough runs for worker processes, and two of them."""
    for i in range(40):
        write_run(root, f"2026-11-{i % 28 + 1:02d}-v{i}.md", front_matter(f"v{i}", "2026-11-01"), seed_body())
    yml = root / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  - runbookgen\n", "  - runbookgen:\n      workers: 2\n"))


def _cli_error(root: Path) -> str:
    """``runbookgen build``'s one ``Error:`` line (not MkDocs' bare "Aborted"); exit 1."""
    import subprocess
    import sys

    cli = subprocess.run(
        [sys.executable, "-m", "runbookgen", "build"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert cli.returncode == 1 and "Traceback" not in cli.stderr
    cli_errors = [ln for ln in cli.stderr.splitlines() if ln.startswith(("ERROR", "Error:"))]
    assert len(cli_errors) == 1 and cli.stderr.rstrip().endswith(cli_errors[0]), cli.stderr
    assert cli_errors[0].startswith("Error: ") and "Error building page" not in cli.stderr
    return cli_errors[0]


def test_every_template_has_a_comment_saying_what_it_is() -> None:
    names = sorted(p.relative_to(PACKAGED).as_posix() for p in PACKAGED.rglob("*.html"))
    assert {"home.html", "runbook.html", "run.html", "history.html", "broken.html"} <= set(names)
    assert "partials/run-header.html" in names
    for name in names:
        assert (PACKAGED / name).read_text(encoding="utf-8").startswith("{#"), name


def test_the_docs_list_every_template() -> None:
    docs = (Path(__file__).resolve().parent.parent / "content" / "docs" / "templates.md").read_text()
    for p in PACKAGED.rglob("*.html"):
        assert f"`{p.name}`" in docs, p.name


def test_an_override_replaces_one_partial_and_stays_escaped(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    proc = mkdocs_build(root, "--strict")
    assert proc.returncode == 0, proc.stderr
    html = (root / "site" / RUN).read_text(encoding="utf-8")
    tree = parse_html(html)
    heads = [
        n
        for n in tree.all
        if n.tag == "h1" and n.parent is not None and "rbg" in n.parent.attrs.get("class", "")
    ]
    assert [h.attrs.get("class") for h in heads] == ["my-header"]
    assert heads[0].text == f"Release v2.4.0 led by {PAYLOAD}"  # the text, escaped in the HTML
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and PAYLOAD not in html
    assert 'class="my-status">in progress<' in html
    assert "rbg-badge" not in html.split("rbg-summary")[0].split('class="rbg"')[1]  # our header is gone
    # the rest of the page is still ours
    assert 'class="rbg-summary"' in html and 'class="rbg-stagebars"' in html and "rbg-checklist" in html
    # other pages are untouched: the home page lists the run with its status chip
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="rbg-chip"' in home and "my-header" not in home


def test_without_an_override_the_packaged_header_is_used(tmp_path: Path) -> None:
    root = _repo(tmp_path, header=None)
    (root / "overrides").mkdir()
    proc = mkdocs_build(root)
    assert proc.returncode == 0, proc.stderr
    html = (root / "site" / RUN).read_text(encoding="utf-8")
    assert "my-header" not in html and '<img class="rbg-badge"' in html


@pytest.mark.parametrize(
    ("header", "line", "what"),
    [
        ("<h1>\n{% if entry.release %}\n{{ entry.release }}\n</h1>\n", None, "syntax"),
        ("<h1>{{ entry.release }}</h1>\n<p>{{ no_such_value }}</p>\n", 2, "undefined"),
    ],
    ids=["syntax", "undefined"],
)
def test_a_broken_override_is_one_error_naming_the_file(
    tmp_path: Path, header: str, line: int | None, what: str
) -> None:
    root = _repo(tmp_path, header)
    proc = mkdocs_build(root)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
    assert len(errors) == 1, proc.stderr
    # the CLI: the same error as its one "Error:" line
    for message in (errors[0], _cli_error(root)):
        assert "overrides/runbookgen/partials/run-header.html:" in message
        if line is not None:
            assert f"run-header.html:{line}:" in message
        assert ("no_such_value" in message) == (what == "undefined")


def test_a_broken_override_in_worker_processes_is_the_same_one_error(tmp_path: Path) -> None:
    """With enough runs for worker processes, the error comes from a worker: still one line
    naming the template and its line, no traceback."""
    root = _repo(tmp_path, "<h1>{{ entry.release }}</h1>\n<p>{{ no_such_value }}</p>\n")
    _with_worker_runs(root)
    proc = mkdocs_build(root)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
    assert len(errors) == 1 and "run-header.html:2:" in errors[0] and "no_such_value" in errors[0], (
        proc.stderr
    )


def test_a_broken_override_in_the_rest_of_a_run_page_is_one_error(tmp_path: Path) -> None:
    """The rest of a run page (after its summary) is rendered by the workers while MkDocs
    writes pages: a mistake there still stops the build with one line naming the template
    and its line, and no traceback."""
    root = _repo(tmp_path, None)
    partials = root / "overrides" / "runbookgen" / "partials"
    partials.mkdir(parents=True)
    packaged = (PACKAGED / "partials" / "stage-bars.html").read_text(encoding="utf-8")
    (partials / "stage-bars.html").write_text(packaged + "{{ no_such_value }}\n", encoding="utf-8")
    line = packaged.count("\n") + 1
    _with_worker_runs(root)
    proc = mkdocs_build(root)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
    assert len(errors) == 1, proc.stderr
    for message in (errors[0], _cli_error(root)):
        assert f"stage-bars.html:{line}:" in message and "no_such_value" in message, proc.stderr


def test_serve_cache_rerenders_run_pages_when_an_override_changes(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    custom = root / "overrides" / "runbookgen"
    options = SiteOptions(template_dirs=(str(custom),))
    cache: dict = {}
    first = Site.load(Project.from_root(root), options, cache=cache)
    assert "my-header" in first.runs[0].body
    again = Site.load(Project.from_root(root), options, cache=cache)
    assert again.runs[0].body == first.runs[0].body and len(cache) == 1
    header = custom / "partials" / "run-header.html"
    header.write_text(HEADER.replace("my-header", "new-header"), encoding="utf-8")
    os.utime(header, ns=(1, 1))
    changed = Site.load(Project.from_root(root), options, cache=cache)
    assert "new-header" in changed.runs[0].body and len(cache) == 1


def test_templates_autoescape_and_a_missing_template_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.html").write_text("{{ value }}|{{ value | inline }}", encoding="utf-8")
    t = Templates([tmp_path])
    assert t.render("x.html", value="<b>*hi*</b>") == "&lt;b&gt;*hi*&lt;/b&gt;|&lt;b&gt;<em>hi</em>&lt;/b&gt;"
    with pytest.raises(RunbookgenError, match=r"template not found: nope\.html"):
        t.render("nope.html")
