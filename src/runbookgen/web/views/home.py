"""The home page (``home.html``): runbooks, runs in progress, recent outcomes, broken files."""

from __future__ import annotations

from runbookgen.web.links import Links
from runbookgen.web.site import Site

# Capped, so the home page does not grow with years of abandoned "planned" runs.
MAX_ACTIVE_ON_HOME = 25


def page(site: Site, links: Links, title: str | None = None) -> str:
    """The home page's body; ``title`` is its H1 (None: none, for a user's own page that
    holds the ``<!-- runbookgen:home -->`` marker under its own heading)."""
    active = [r for r in site.runs if not r.finished and not r.broken]
    return site.templates.render(
        "home.html",
        site=site,
        links=links,
        title=title,
        runbooks=list(site.runbooks.values()),
        active=active[:MAX_ACTIVE_ON_HOME],
        more_active=max(0, len(active) - MAX_ACTIVE_ON_HOME),
        finished=[r for r in site.runs if r.finished and not r.broken][: site.options.recent],
        broken=site.broken,
        runs=site.runs,
        history_url=links.page(site.options.history_page),
        content_dir=site.project.content_dir,
    )
