"""The home page (``home.html``): runbooks, runs in progress, recent outcomes, broken files."""

from __future__ import annotations

from dataclasses import dataclass

from runbookgen.records.progress import compute
from runbookgen.web import badges
from runbookgen.web.entries import RunbookEntry
from runbookgen.web.links import Links, github_base
from runbookgen.web.site import Site

# Capped, so the home page does not grow with years of abandoned "planned" runs (or with
# a pile of broken files): every list on it is bounded, whatever the number of runs.
MAX_ACTIVE_ON_HOME = 25
MAX_BROKEN_ON_HOME = 25


@dataclass(frozen=True)
class RunbookRow:
    """A runbook on the home page; ``tasks`` is what a new run of it counts."""

    runbook: RunbookEntry
    stages: int
    tasks: int
    badge: badges.Badge


def page(site: Site, links: Links, title: str | None = None) -> str:
    """The home page's body; ``title`` is its H1 (None: none, for a user's own page that
    holds the ``<!-- runbookgen:home -->`` marker under its own heading). The runbooks get
    their own heading unless the title already says "runbooks"."""
    active = [r for r in site.runs if not r.finished and not r.broken]
    broken = site.broken
    rows = [
        RunbookRow(rb, len(rb.model.stages), compute(rb.model, "planned").total, site.runbook_badge(rb))
        for rb in site.runbooks.values()
    ]
    return site.templates.render(
        "home.html",
        site=site,
        links=links,
        title=title,
        heading=title is None or "runbook" not in title.lower(),
        runbooks=rows,
        active=active[:MAX_ACTIVE_ON_HOME],
        more_active=max(0, len(active) - MAX_ACTIVE_ON_HOME),
        finished=[r for r in site.runs if r.finished and not r.broken][: site.options.recent],
        broken=broken[:MAX_BROKEN_ON_HOME],
        more_broken=max(0, len(broken) - MAX_BROKEN_ON_HOME),
        runs=site.runs,
        history_url=links.page(site.options.history_page),
        content_dir=site.project.content_dir,
        github=github_base(site.options.repo_url),
    )
