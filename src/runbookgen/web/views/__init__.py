"""The pages: each module gathers one page's data and renders its template.

``run`` renders a run page (or a broken run file's page) while runs are loaded, in worker
processes; ``home``, ``runbook`` and ``history`` render from the loaded
:class:`runbookgen.web.site.Site`.
"""
