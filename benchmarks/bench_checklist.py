"""Benchmark: the run page's checklist in Python (``web/checklist.py``) against the same
markup from a Jinja2 template loop, per page.

Why the checklist is not a template (content/docs/templates.md): a run page has about
200 items and a large site 1,000 run pages, so this loop runs 200,000 times per build.
The template below produces the same HTML for the seed runbook's items (sections,
nested items, states, tags, notes) with the same ``safehtml`` filters; both render the
seed run with a third of its boxes ticked, warm (templates compiled, Markdown cached).

Usage::

    .venv/bin/python benchmarks/bench_checklist.py [--pages 200] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "content" / "production-deployment.md"

TEMPLATE = """\
{%- macro items(list, kind) -%}
<ul class="task-list rbg-tasks">
{%- for item in list -%}
{%- set state = item_state(item, kind) -%}
<li class="task-list-item rbg-item" data-state="{{ state }}" id="{{ item.id | item_anchor }}">\
<label class="task-list-control"><input type="checkbox" disabled{{ ' checked' if item.checked }}>\
<span class="task-list-indicator"></span> <span class="rbg-text">{{ item.text | inline }}</span></label>
{%- if item.optional and not item.skipped %} <span class="rbg-tag">optional</span>{% endif -%}
{%- if item.skipped %} <span class="rbg-tag rbg-tag-skipped">n/a\
{%- if item.skip_reason %}: {{ item.skip_reason | inline }}{% endif %}</span>{% endif -%}
{%- if state == "triggered" %} <span class="rbg-tag rbg-tag-triggered">happened</span>{% endif -%}
{%- for note in item.notes %}<div class="rbg-note">{{ note.text | block }}</div>{% endfor -%}
{%- if item.children %}{{ items(item.children, kind) }}{% endif -%}
</li>
{%- endfor -%}
</ul>
{%- endmacro -%}
{%- macro section(sec) -%}
<section class="rbg-section" data-kind="{{ sec.kind }}">
{%- if not sec.step %}<h{{ [sec.level, 6] | min }} id="{{ sec.id | anchor }}">{{ sec.title | inline }}\
</h{{ [sec.level, 6] | min }}>{% endif -%}
{%- for p in sec.prose %}<div class="rbg-prose">{{ p.text | block }}</div>{% endfor -%}
{%- if sec.items %}{{ items(sec.items, sec.kind) }}{% endif -%}
{%- for sub in sec.sections %}{{ section(sub) }}{% endfor -%}
</section>
{%- endmacro -%}
{%- for stage in model.stages %}{{ section(stage) }}{% endfor -%}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    from runbookgen.markdown import loads
    from runbookgen.web.checklist import render_checklist
    from runbookgen.web.templates import Templates

    text = SEED.read_text(encoding="utf-8")
    boxes = text.count("- [ ]")
    model = loads(text.replace("- [ ]", "- [x]", boxes // 3))
    env = Templates().env

    def state(item: object, kind: str) -> str:
        if getattr(item, "skipped", False):
            return "skipped"
        checked = getattr(item, "checked", False)
        if kind == "triggers":
            return "triggered" if checked else "criterion"
        return "done" if checked else "open"

    env.globals["item_state"] = state
    template = env.from_string(TEMPLATE)

    def python() -> None:
        render_checklist(model, run=True)

    def jinja() -> None:
        template.render(model=model)

    items = sum(1 for _ in model.items())
    results: dict[str, list[float]] = {"python": [], "jinja": []}
    for warm in (python, jinja):
        warm()  # compiled, Markdown cached
    for _ in range(args.rounds):
        for name, fn in (("python", python), ("jinja", jinja)):
            t0 = time.perf_counter()
            for _ in range(args.pages):
                fn()
            results[name].append((time.perf_counter() - t0) / args.pages * 1000)
    py, jj = statistics.median(results["python"]), statistics.median(results["jinja"])
    print(f"checklist of {items} items, {args.pages} pages x {args.rounds} rounds (median ms per page)")
    print("| renderer | ms per page |\n|---|---:|")
    print(f"| Python (web/checklist.py) | {py:.2f} |\n| Jinja2 loop | {jj:.2f} |")
    print(f"Jinja / Python: {jj / py:.1f}x; at 1,000 run pages: {(jj - py):.2f} s more per build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
