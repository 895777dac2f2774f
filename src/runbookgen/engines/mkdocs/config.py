"""The ``runbookgen`` plugin's options (mirrored by ``schemas/plugin.schema.json``)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class RunbookgenConfig(Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off, e.g. ``enabled: !ENV [RUNBOOKGEN, true]``."""
    runs_dir = c.Type(str, default="runs")
    """Run records, relative to the directory of ``mkdocs.yml`` (outside ``docs_dir``)."""
    runs_url = c.Type(str, default="runs")
    """Where run pages appear in the site: ``<runs_url>/<runbook>/<run>/``."""
    history_page = c.Type(str, default="history.md")
    """Path of the generated history page (every run), listed in the navigation."""
    history_page_size = c.Type(int, default=500)
    """Runs per history page: the newest on the history page, older ones on numbered pages
    linked from it (``history/page-2/``, …), so no page grows with the number of runs;
    0 lists every run on one page."""
    home_page = c.Type(bool, default=True)
    """Generate the home page when ``docs_dir`` has no ``index.md`` (otherwise put
    ``<!-- runbookgen:home -->`` in your own ``index.md``)."""
    badges_dir = c.Type(str, default="badges")
    """Where badge SVGs and shields.io endpoint JSON are written in the site."""
    edit_base = c.Optional(c.Type(str))
    """URL prefix for "edit" links to run files; default: derived from ``repo_url``/``edit_uri``."""
    recent_runs = c.Type(int, default=10)
    """How many runs the home and runbook pages list before linking to the history page."""
    workers = c.Type(int, default=0)
    """Processes that read run files in ``mkdocs build``: 0 = one per CPU (at most 4), 1 = none."""
    max_file_mb = c.Type((int, float), default=10)
    """Markdown files (runbooks, run records) above this many megabytes are refused."""
    history = c.Type(bool, default=True)
    """Show who ticked what and when, and durations, from git history (off: no git is read)."""
    signers = c.Type(dict, default={})
    """Sign-off labels (or the names written in them) → the people allowed to sign, as full
    emails and/or GitHub logins, e.g. ``Engineering Manager: [jane@example.com, jdoe]``."""
    signoffs = c.Type(dict, default={})
    """Sign-off policy and trust store: ``require`` (``any``, ``matching-author``,
    ``verified``), ``allowed_signers`` (SSH, git's format), ``gpg_keys``, ``verify_ticks``."""
    run_branches = c.Type((str, list, bool), default="run/**")
    """Unmerged branches whose runs the site shows while they are in progress (local and
    ``origin/…``): a pattern such as ``run/**`` or a list of them; ``false`` turns it off."""
    pull_requests = c.Optional(c.Type(str))
    """A ``gh pr list --json number,title,headRefName,url,state`` file that links run branches
    to their pull requests (``$RUNBOOKGEN_PULL_REQUESTS`` wins); none: no links."""
