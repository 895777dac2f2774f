"""From an engine's configuration to the core's :class:`Project` and :class:`SiteOptions`.

Every engine adapter (the MkDocs/ProperDocs plugin, the Zensical build) starts the same
way: the project is the directory of the configuration file, the templates are its
``docs_dir``, and the plugin options plus a few site settings tell the pages where
things live. One definition here keeps the engines' sites identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runbookgen.project import Project
from runbookgen.web.links import edit_base
from runbookgen.web.options import SiteOptions

#: in the user's own ``index.md``: where the home page's runs and runbooks go
HOME_MARKER = "<!-- runbookgen:home -->"


def project_for(config_file: Path, docs_dir: Path, options: Mapping[str, Any]) -> Project:
    """The repository of ``config_file``, with ``docs_dir`` as its templates directory."""
    root = config_file.resolve().parent
    docs = docs_dir.resolve()
    try:
        content_dir = docs.relative_to(root).as_posix()
    except ValueError:
        content_dir = str(docs)
    return Project(root=root, content_dir=content_dir, runs_dir=options["runs_dir"], settings=dict(options))


def site_options(
    options: Mapping[str, Any],
    project: Project,
    *,
    site_name: str,
    repo_url: str | None,
    edit_uri: str | None,
    directory_urls: bool,
    template_dirs: tuple[str, ...] = (),
) -> SiteOptions:
    """What the pages need to know, from the plugin options and the site's settings."""
    return SiteOptions(
        runs_url=str(options["runs_url"]).strip("/") or "runs",
        history_page=options["history_page"],
        history_page_size=max(0, int(options["history_page_size"])),
        badges_dir=options["badges_dir"],
        edit_base=options["edit_base"] or edit_base(repo_url, edit_uri, project.content_dir),
        directory_urls=directory_urls,
        recent=options["recent_runs"],
        site_name=site_name,
        repo_url=repo_url,
        template_dirs=template_dirs,
    )
