"""The history page (``history.html``): every run in a sortable table, outcomes per month,
and statistics per runbook."""

from __future__ import annotations

from runbookgen.web.charts import outcome_chart
from runbookgen.web.links import Links
from runbookgen.web.site import Site
from runbookgen.web.views.common import runbook_stats


def page(site: Site, links: Links) -> str:
    return site.templates.render(
        "history.html",
        site=site,
        links=links,
        runs=site.runs,
        runbooks=list(site.runbooks.values()),
        chart=outcome_chart(site.runs) if site.runs else "",
        stats=[runbook_stats(site, rb, links) for rb in site.runbooks.values()],
        durations=site.durations(),
    )
