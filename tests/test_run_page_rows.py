"""The run page's phase table and commit list rows are built in Python (web/views/run.py
``phase_rows``, ``commit_rows``, ``took``) for speed; the Jinja loops they replaced are the
oracle: the same rows, byte for byte, for every kind of row. A user's ``took.html`` is
still used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from runbookgen.history import Commit, SectionTiming
from runbookgen.model import Estimate
from runbookgen.web.runhistory import COMMIT_ID
from runbookgen.web.templates import Templates
from runbookgen.web.views.run import commit_rows, phase_rows, took

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

# the loops as the packaged templates had them before the rows moved to Python
PHASE_LOOP = """\
{% for sec in history.sections() if sec.depth <= 1 and (sec.first is not none or sec.estimate is not none) %}
<tr data-section="{{ sec.id }}" class="rbg-depth-{{ sec.depth }}"{% if sec.over %} data-over{% endif %}><td><a href="#{{ sec.id | anchor }}">{{ sec.title | inline }}</a></td> <td>{% if sec.first %}{{ sec.first | time }}{% endif %}</td> <td>{% if sec.last %}{{ sec.last | time }}{% endif %}</td> <td>{% include "partials/took.html" %}</td> <td class="rbg-nowrap">{% if sec.estimate %}{{ sec.estimate.min | estimate(sec.estimate.max) }}{% endif %}</td></tr>
{% endfor %}"""  # noqa: E501
COMMIT_LOOP = """\
{% for c in history.commits() %}
<tr id="{{ commit_id }}{{ loop.index }}"><td>{% if history.github %}<a href="{{ history.github }}/commit/{{ c.sha }}"><code>{{ c.short }}</code></a>{% else %}<code>{{ c.short }}</code>{% endif %}</td> <td>{{ c.author }} &lt;{{ c.email }}&gt;{% if c.committer != c.author %} (committed by {{ c.committer }}){% endif %}</td> <td>{{ c.time | time }}</td> <td>{{ c.subject }}</td> <td>{% if c.pr is not none %}{% if history.github %}<a href="{{ history.github }}/pull/{{ c.pr }}">#{{ c.pr }}</a>{% else %}#{{ c.pr }}{% endif %}{% endif %}</td></tr>
{% endfor %}"""  # noqa: E501


def _sections() -> list[SectionTiming]:
    est = Estimate(10, 15)
    m = timedelta(minutes=1)
    return [
        SectionTiming("pre", "Pre-deployment", 0, T0, T0 + 20 * m, est, "ticks"),  # measured
        SectionTiming("pre/a", "Checks <b>&</b> `code`", 1, T0, T0 + 40 * m, Estimate(5, 5), "ticks"),  # over
        SectionTiming("pre/a/deep", "Too deep", 2, T0, T0 + m, est, "ticks"),  # not a row
        SectionTiming(
            "pre/b", "*Backups*", 1, T0 + 50 * m, T0 + 50 * m, None, "previous", T0 + 40 * m, "Checks **x**"
        ),
        SectionTiming("pre/c", "Together", 1, T0 + 60 * m, T0 + 60 * m, est),  # ticked in one commit
        SectionTiming("later", "Later", 0, None, None, Estimate(60, 90)),  # estimate only
        SectionTiming("none", "No ticks, no estimate", 0, None, None, None),  # not a row
        SectionTiming(
            "zone",
            "Other zone",
            0,
            T0.astimezone(timezone(timedelta(hours=2))),
            T0 + 120 * m,
            Estimate(0, 0),
            "ticks",
        ),
    ]


def _commits() -> list[Commit]:
    def c(n: int, author: str, committer: str, subject: str, pr: int | None) -> Commit:
        t = T0 + timedelta(minutes=n)
        return Commit(
            f"{n:040x}", author, f"{author.lower()}@x.test", t, committer, "c@x.test", t, subject, pr
        )

    return [
        c(1, "Ana", "Ana", "Tick pre (#12)", 12),
        c(2, "Bo <script>", "GitHub", "Merge & tick \"x\" 'y'", None),
        c(3, "Cy", "Cy", "<img src=x onerror=alert(1)>", 7),
    ]


class _History:
    """The parts of a page history that the rows read."""

    def __init__(self, github: str | None) -> None:
        self.github = github

    def sections(self) -> list[SectionTiming]:
        return _sections()

    def commits(self) -> list[Commit]:
        return _commits()


def _jinja(templates: Templates, source: str, **context: Any) -> str:
    return str(templates.env.from_string(source).render(context))


def test_took_is_the_packaged_template() -> None:
    templates = Templates()
    assert templates.packaged("partials/took.html")
    for sec in _sections():
        assert took(sec) == templates.render("partials/took.html", sec=sec), sec.id


@pytest.mark.parametrize("github", [None, "https://github.com/o/r"])
def test_phase_and_commit_rows_equal_the_jinja_loops(github: str | None) -> None:
    templates = Templates()
    history: Any = _History(github)
    rows = str(phase_rows(history, templates))
    assert rows == _jinja(templates, PHASE_LOOP, history=history)
    assert rows.count("<tr ") == 6  # the depth-2 section and the one without ticks or estimate are left out
    assert "data-over" in rows and "(since Checks <strong>x</strong> ended)" in rows
    commits = str(commit_rows(history))
    assert commits == _jinja(templates, COMMIT_LOOP, history=history, commit_id=COMMIT_ID)
    assert "<script>" not in commits and "<img" not in commits
    assert ("/pull/12" in commits) == (github is not None)


def test_a_users_took_template_is_still_used(tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "took.html").write_text("[{{ sec.id }}]", encoding="utf-8")
    templates = Templates([tmp_path])
    assert not templates.packaged("partials/took.html")
    history: Any = _History(None)
    rows = str(phase_rows(history, templates))
    assert "<td>[pre/b]</td>" in rows and 'rbg-nowrap">20 min' not in rows
