"""A runbook's page (``runbook.html``): its stages and checklist, how to start a run, and
statistics over its runs."""

from __future__ import annotations

from runbookgen.web.charts import outcome_chart
from runbookgen.web.checklist import anchor_id, render_checklist
from runbookgen.web.formats import fmt_estimate
from runbookgen.web.links import Links
from runbookgen.web.site import Site
from runbookgen.web.views.common import runbook_stats


def page(site: Site, name: str, links: Links | None = None) -> str:
    rb = site.runbooks[name]
    links = links or site.links(rb.src_uri)
    model = rb.model
    meta = {k: v for k, v in model.metadata.items() if isinstance(v, (str, int, float))}
    stages = []
    for stage in model.stages:
        lo = sum(s.estimate.min for s in stage.walk() if s.estimate)
        hi = sum(s.estimate.max for s in stage.walk() if s.estimate)
        stages.append(
            {
                "stage": stage,
                "anchor": anchor_id(stage.id),
                "kinds": sorted({s.kind for s in stage.walk()}),
                "count": sum(1 for _ in stage.all_items()),
                "estimate": fmt_estimate(lo, hi) if hi else "",
            }
        )
    return site.templates.render(
        "runbook.html",
        site=site,
        links=links,
        runbook=rb,
        model=model,
        badge=site.runbook_badge(rb),
        badge_src=site.badge_src(links, rb.name),
        meta=meta,
        stats=runbook_stats(site, rb, links),
        chart=outcome_chart(rb.runs),
        recent=rb.runs[: site.options.recent],
        durations=site.durations(),
        history_url=links.page(site.options.history_page),
        stages=stages,
        checklist=render_checklist(model, run=False),
    )
