"""After Zensical has written the site: the run checklists, edit buttons and badges."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from runbookgen.engines.zensical.pages import REST_MARKER, Prepared


def finish(prepared: Prepared) -> None:
    """Splice each run page's checklist into its written page, point the theme's edit
    links of generated pages at the right file, and write the badges."""
    for path in prepared.rests.keys() | prepared.edits.keys():
        try:
            html = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue  # excluded by the user's exclude_docs / draft_docs
        new = html
        rest = prepared.rests.get(path)
        if rest is not None and REST_MARKER in new:
            new = new.replace(REST_MARKER, rest, 1)
        if path in prepared.edits:
            new = fix_edit_links(new, *prepared.edits[path])
        if new != html:
            path.write_text(new, encoding="utf-8")
    for rel, content in prepared.badges.items():
        out = prepared.site_dir / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(content, encoding="utf-8")


def fix_edit_links(html: str, staged: str, target: str | None) -> str:
    """The theme's "edit"/"view source" buttons of a generated page.

    Zensical derives them from the stub's path in the staging directory, which is not a
    file of the repository: a run page's button should open the run record (``target``,
    relative to ``docs_dir``, as the MkDocs plugin sets it), a history or home page has
    none (as under MkDocs). Only the theme's buttons (``md-content__button``) whose link
    ends in the stub's path are touched, never links in the page's content.
    """
    suffix = "/" + staged
    if suffix + '"' not in html:
        return html
    button = re.compile(
        r'<a href="([^"<>]*' + re.escape(suffix) + r')"([^<>]*class="md-content__button[^<>]*)>(.*?)</a>',
        re.S,
    )

    def fix(m: re.Match[str]) -> str:
        if target is None:
            return ""
        return f'<a href="{urljoin(m[1][: -len(staged)], target)}"{m[2]}>{m[3]}</a>'

    return button.sub(fix, html)
