"""What the pages need to know about the site, filled by an engine adapter from its config."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteOptions:
    """The site's settings (``vars()`` of it is part of the ``serve`` cache key)."""

    runs_url: str = "runs"  # run pages live under <site>/<runs_url>/<runbook>/<run>/
    history_page: str = "history.md"
    badges_dir: str = "badges"
    edit_base: str | None = None  # URL that repository-relative paths are appended to
    directory_urls: bool = True
    recent: int = 10  # runs listed under "recent outcomes" on the home page
    # Runs per history page (newest on the history page, older ones on numbered pages
    # after it), so no page grows with the number of runs; 0: every run on one page.
    history_page_size: int = 500
    site_name: str = "Runbooks"
    repo_url: str | None = None  # a GitHub URL turns pull request numbers into links
    # Directories searched for page templates before the packaged ones (a theme's
    # ``custom_dir``/runbookgen): a user's file of the same name replaces ours.
    template_dirs: tuple[str, ...] = ()
