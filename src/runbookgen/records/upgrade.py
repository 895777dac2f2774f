"""``runbookgen upgrade``: move an in-flight run to the current template, keeping every tick.

Items are matched by id (section path + text), so a reworded section or a moved item
keeps its state; items the new template dropped are kept as notes, never lost. The
rewrite is atomic (see ``files.py``).
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from runbookgen.errors import RunbookgenError
from runbookgen.files import write_replace
from runbookgen.markdown.fields import fill_blank, select_choice
from runbookgen.markdown.frontmatter import has_key, split_front_matter
from runbookgen.project import Project
from runbookgen.records.newrun import render_body, template_text, template_version
from runbookgen.records.record import require_run
from runbookgen.text import quoted

# ---------------------------------------------------------------------------- upgrade
UPGRADE_NOTES = "Upgrade notes"


class Upgrade:
    """The outcome of ``upgrade``: the new text and what was carried over or dropped."""

    def __init__(
        self,
        changed: bool,
        text: str = "",
        diff: str = "",
        old_version: str = "",
        new_version: str = "",
        kept: int = 0,
        dropped: list[Any] | None = None,
    ) -> None:
        self.changed = changed
        self.text = text
        self.diff = diff
        self.old_version = old_version
        self.new_version = new_version
        self.kept = kept
        self.dropped = dropped or []


def _update_front_matter(fm_text: str, updates: dict[str, Any], remove: tuple[str, ...] = ()) -> str:
    """Change some keys of YAML front matter, keeping comments, order and quoting (round trip)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(fm_text) or {}
    for key, value in updates.items():
        data[key] = value
    for key in remove:
        data.pop(key, None)
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _match_items(old: Any, new: Any) -> dict[str, Any]:
    """new item id → old item: same id, else the one old item with the same section and text key."""
    old_items = {i.id: i for i in old.items()}
    out: dict[str, Any] = {}
    used: set[str] = set()
    for item in new.items():
        if item.id in old_items:
            out[item.id] = old_items[item.id]
            used.add(item.id)
    by_key: dict[str, list[Any]] = {}
    for i in old.items():
        if i.id not in used:
            by_key.setdefault(i.key, []).append(i)
    for item in new.items():
        if item.id not in out and len(by_key.get(item.key, ())) == 1:
            cand = by_key.pop(item.key)[0]
            out[item.id] = cand
            used.add(cand.id)
    return out


def upgrade(rec: Any, project: Project, dry_run: bool = False) -> Upgrade:
    """Rebuild a run from the current template, carrying every state over by item id."""
    import difflib

    from runbookgen.markdown import loads
    from runbookgen.markdown.grammar import task_line
    from runbookgen.records.schema import digest
    from runbookgen.records.tick import apply as tick_apply
    from runbookgen.records.tick import split_lines, text_end

    require_run(rec, project)
    if rec.template is None:
        raise RunbookgenError(
            f"runbook {quoted(rec.runbook)} has no template in {project.content_dir}/",
            rec.relpath,
            rec.key_line("runbook"),
        )
    tpl_text = template_text(project, rec.runbook)
    new_digest = digest(tpl_text)
    new_version = template_version(tpl_text)
    if rec.template_digest == new_digest:
        return Upgrade(changed=False, old_version=rec.template_version, new_version=new_version)
    old_text = project.read_text(rec.path, "a run record", "no such run record")
    fm_text, _ = split_front_matter(old_text)
    tpl_fm, tpl_body = split_front_matter(tpl_text)
    updates: dict[str, Any] = {"template_version": new_version, "template_digest": new_digest}
    remove: tuple[str, ...] = ()
    if tpl_fm and has_key(tpl_fm, "kinds"):
        from runbookgen.markdown import parse_front_matter

        updates["kinds"] = parse_front_matter(tpl_fm, rec.relpath)[0]["kinds"]
    else:
        remove = ("kinds",)
    new_fm = _update_front_matter(fm_text, updates, remove)
    values = {"release": rec.release, "date": rec.date, "lead": rec.lead}
    text = f"---\n{new_fm}---\n" + render_body(tpl_body.lstrip("\r\n"), values)
    labels = project.field_labels
    new = loads(text, path=rec.relpath, field_labels=labels)
    old = rec.model
    matched = _match_items(old, new)
    kept = 0
    # 1. ticks and skips: line-preserving edits
    for item in new.items():
        prev = matched.get(item.id)
        if prev is None:
            continue
        if prev.skipped:
            text, _ = tick_apply(text, [item], skip=prev.skip_reason or "")
            kept += 1
        elif prev.checked:
            text, _ = tick_apply(text, [item])
            kept += 1
    lines = split_lines(text)
    # 2. field values of items, section fields and choices
    for item in new.items():
        prev = matched.get(item.id)
        if prev is None:
            continue
        for f in prev.fields:
            if f.filled:
                for idx in range(item.line - 1, text_end(item, lines) + 1):
                    updated = fill_blank(lines[idx], f.name, f.value)
                    if updated != lines[idx]:
                        lines[idx] = updated
                        kept += 1
                        break
    old_secs = {s.id: s for s in old.sections()}
    for sec in new.sections():
        prev_sec = old_secs.get(sec.id)
        if prev_sec is None:
            continue
        values_by_name = {f.name: f.value for f in prev_sec.fields if f.filled}
        for f in sec.fields:
            if f.name in values_by_name:
                lines[f.line - 1] = fill_blank(lines[f.line - 1], f.name, values_by_name[f.name])
                kept += 1
        chosen = {c.name: set(c.selected) for c in prev_sec.choices}
        for c in sec.choices:
            for option in chosen.get(c.name, ()):
                lines[c.line - 1] = select_choice(lines[c.line - 1], option)
                kept += 1
    # 3. notes under items (inserted bottom-up so earlier line numbers stay valid)
    old_lines = split_lines(old_text)
    inserts: list[tuple[int, list[str]]] = []
    for item in new.items():
        prev = matched.get(item.id)
        if prev is None:
            continue
        # Lines written straight under an item (no blank line) continue its text in
        # GitHub's Markdown; the template's text has fewer lines, so carry the rest.
        old_text_lines = prev.text.split("\n")
        continued = old_text_lines[len(item.text.split("\n")) :] if not prev.skipped else []
        template_notes = {n.text for n in item.notes}
        extra = [n for n in prev.notes if n.text not in template_notes]
        if not extra and not continued:
            continue
        task = task_line(lines[item.line - 1])
        indent = " " * (len(task.lead) if task else 2)
        block: list[str] = [indent + ln.strip() + "\n" for ln in continued]
        for note in extra:
            if note.line >= 2 and not old_lines[note.line - 2].strip():
                block.append("\n")
            block.extend((indent + ln if ln.strip() else "") + "\n" for ln in note.text.split("\n"))
        kept += len(extra) + bool(continued)
        inserts.append((text_end(item, lines) + 1, block))
    for at, block in sorted(inserts, key=lambda x: x[0], reverse=True):
        lines[at:at] = block
    # 4. items the template dropped, and earlier upgrade notes, at the end
    dropped = [i for i in old.items() if i.id not in {p.id for p in matched.values()}]
    tail = _upgrade_notes(old, old_lines, dropped, rec.template_version, new_version)
    body = "".join(lines)
    if tail:
        body = body.rstrip("\r\n") + "\n\n" + tail
    if body == old_text:
        return Upgrade(changed=False, old_version=rec.template_version, new_version=new_version)
    diff = "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            body.splitlines(keepends=True),
            fromfile=f"a/{rec.relpath}",
            tofile=f"b/{rec.relpath}",
        )
    )
    if not dry_run:
        write_replace(rec.path, body, shown=rec.relpath, root=project.root)
    return Upgrade(
        changed=True,
        text=body,
        diff=diff,
        old_version=rec.template_version,
        new_version=new_version,
        kept=kept,
        dropped=dropped,
    )


def _upgrade_notes(old: Any, old_lines: list[str], dropped: list[Any], old_v: str, new_v: str) -> str:
    """The "Upgrade notes" stage: what earlier upgrades kept, plus the items dropped now."""
    previous = ""
    for stage in old.stages:
        if stage.title.strip().lower() == UPGRADE_NOTES.lower():
            previous = "".join(old_lines[stage.line - 1 : stage.end_line]).rstrip("\r\n") + "\n"
    if not dropped:
        return previous
    where = {}
    for sec, item in old.items_with_sections():
        where[item.id] = " › ".join(sec.path)
    out = [previous + "\n" if previous else f"## {UPGRADE_NOTES}\n\n"]
    out.append(
        f"Template {old_v or '?'} → {new_v or '?'} ({Date.today().isoformat()}): items the new "
        "template no longer has, as they were in this run:\n\n"
    )
    for item in dropped:
        state = (
            "skipped" + (f" (n/a: {item.skip_reason})" if item.skip_reason else "")
            if item.skipped
            else "done"
            if item.checked
            else "open"
        )
        text = " ".join(item.text.split())
        out.append(f"- {state} — {where.get(item.id, '')}: {text}\n")
        for note in item.notes:
            out.extend(f"  {ln}\n" if ln.strip() else "\n" for ln in note.text.split("\n"))
    return "".join(out)
