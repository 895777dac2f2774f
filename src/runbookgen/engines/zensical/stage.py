"""The docs directory and configuration Zensical builds from.

Zensical reads pages only from files in ``docs_dir``, so runbookgen lays out a staging
copy of it (under ``.cache/runbookgen/zensical/docs``): the user's files as symlinks
(copies under ``serve``, whose watcher does not see through symlinks), and each page the
core renders as a small *stub* — front matter plus one marker line that
``extension.py`` replaces with the rendered HTML. A stub names its page by the digest of
that HTML, so Zensical's cache re-renders a page exactly when its content changed.

The configuration is the user's ``mkdocs.yml``, round-tripped (tags such as ``!ENV``
kept) with ``docs_dir`` pointed at the staging directory, runbookgen's CSS/JS and
Markdown extension added and the run pages kept out of the navigation. It is written
beside the original (``.runbookgen-zensical.yml``) so every relative path in it means
what it meant, and removed after the build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from runbookgen.errors import RunbookgenError

STAGE_DIR = Path(".cache") / "runbookgen" / "zensical"
GENERATED_CONFIG = ".runbookgen-zensical.yml"
EXTENSION = "runbookgen.engines.zensical"
ASSET_DIR = "assets/runbookgen"

#: relative path in the staging docs directory → text to write, or a file to link to
Plan = dict[str, "str | Path"]


def digest(*parts: str) -> str:
    """32 hex digits naming a page's content (the stub's marker)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def stub(key: str, meta: Mapping[str, Any]) -> str:
    """A page whose body is the marker for ``key``; front matter as JSON (which is YAML)."""
    lines = [f"{name}: {json.dumps(value, ensure_ascii=False, default=str)}" for name, value in meta.items()]
    front = "---\n" + "\n".join(lines) + "\n---\n\n" if lines else ""
    return f"{front}<!-- runbookgen:place {key} -->\n"


def user_files(docs: Path, skip: tuple[Path, ...]) -> Iterator[tuple[str, Path]]:
    """Every file under ``docs`` as (relative POSIX path, path), ``skip`` directories left out."""
    skip_resolved = {p.resolve() for p in skip}
    for top, dirs, names in os.walk(docs):
        here = Path(top)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip_resolved)
        for name in sorted(names):
            path = here / name
            yield path.relative_to(docs).as_posix(), path


def sync(stage: Path, plan: Plan, *, copy: bool = False) -> int:
    """Make ``stage`` hold exactly ``plan``; entries already right are left alone (their
    mtimes too, so a watcher sees only what changed). Returns how many were written."""
    stage.mkdir(parents=True, exist_ok=True)
    written = 0
    wanted = set(plan)
    for top, dirs, names in os.walk(stage, topdown=False):
        here = Path(top)
        for name in names:
            path = here / name
            if path.relative_to(stage).as_posix() not in wanted:
                path.unlink()
        for name in dirs:
            d = here / name
            if d.is_symlink():
                d.unlink()
            elif not any(d.iterdir()):
                d.rmdir()
    for rel, what in plan.items():
        dest = stage / rel
        if isinstance(what, Path):
            if _same_link(dest, what, copy):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_symlink() or dest.exists():
                dest.unlink()
            if copy:
                shutil.copy2(what, dest)
            else:
                dest.symlink_to(what.resolve())
        else:
            if not dest.is_symlink() and dest.is_file() and dest.read_text(encoding="utf-8") == what:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_symlink():
                dest.unlink()
            dest.write_text(what, encoding="utf-8")
        written += 1
    return written


def _same_link(dest: Path, target: Path, copy: bool) -> bool:
    if copy:
        try:
            a, b = dest.lstat(), target.stat()
        except OSError:
            return False
        return not dest.is_symlink() and a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns
    return dest.is_symlink() and str(dest.readlink()) == str(target.resolve())


def yaml_round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: keeps !ENV, !!python/name and comments
    yaml.width = 4096
    return yaml


def extension_names(config: Mapping[str, Any]) -> list[str]:
    """Names in ``markdown_extensions`` (strings or one-key mappings)."""
    out = []
    for entry in config.get("markdown_extensions") or []:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict):
            out.extend(str(k) for k in entry)
    return out


def write_config(
    root: Path,
    config: Any,
    *,
    docs_dir: Path,
    site_dir: Path | None,
    runs_url: str,
    edit_uri: str | None,
    not_in_nav: Sequence[str] = (),
) -> Path:
    """Write the configuration Zensical builds from (see the module docstring)."""
    config["docs_dir"] = os.path.relpath(docs_dir, root)
    if site_dir is not None:
        config["site_dir"] = str(site_dir)
    extra_css = list(config.get("extra_css") or [])
    config["extra_css"] = [f"{ASSET_DIR}/runbookgen.css", *extra_css]
    config["extra_javascript"] = [*list(config.get("extra_javascript") or []), f"{ASSET_DIR}/runbookgen.js"]
    if EXTENSION not in extension_names(config):
        config["markdown_extensions"] = [*list(config.get("markdown_extensions") or []), EXTENSION]
    hidden = "".join(f"/{page}\n" for page in (f"{runs_url}/", *not_in_nav))
    given = str(config.get("not_in_nav") or "")
    config["not_in_nav"] = (given.rstrip("\n") + "\n" if given else "") + hidden
    if edit_uri is not None and not config.get("edit_uri"):
        config["edit_uri"] = edit_uri
    path = root / GENERATED_CONFIG
    try:
        with path.open("w", encoding="utf-8") as f:
            f.write(
                "# Written by runbookgen for Zensical from the site's configuration; removed after use.\n"
            )
            yaml_round_trip().dump(config, f)
    except OSError as exc:
        raise RunbookgenError(f"cannot write {exc.strerror or exc}", path) from None
    return path
