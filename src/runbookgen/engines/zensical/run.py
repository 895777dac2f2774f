"""``runbookgen build --engine zensical`` and ``serve``: the runbookgen site, built by Zensical.

Zensical reads ``mkdocs.yml`` but runs no MkDocs plugins, so the work the plugin does
on MkDocs is done around one call of Zensical's documented ``build``/``serve``:
``pages.py`` renders the pages and stages them, Zensical runs in this process (with
``extension.py`` placing each page's HTML as it renders the stubs), and ``finish.py``
completes the written pages and writes the badges.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from runbookgen.engines.progress import ProgressHook
from runbookgen.engines.zensical import extension, stage
from runbookgen.engines.zensical.finish import finish
from runbookgen.engines.zensical.log import info, warn
from runbookgen.engines.zensical.pages import Prepared, ZensicalSite
from runbookgen.errors import RunbookgenError


def _zensical() -> Any:
    try:
        import zensical
    except ImportError:
        raise RunbookgenError(
            "the zensical engine is not installed: pip install 'runbookgen[zensical]'"
        ) from None
    return zensical


@contextlib.contextmanager
def _generated(prepared: Prepared, on_page: Callable[[], None] | None) -> Iterator[None]:
    extension.activate(prepared.placements, on_page)
    try:
        yield
    finally:
        extension.deactivate()
        with contextlib.suppress(OSError):
            prepared.config_file.unlink()


def _run_zensical(call: Callable[[], None]) -> None:
    """Zensical's errors (click exceptions, or anything from Python-Markdown) as one line."""
    try:
        call()
    except extension.PlainBuildError as exc:
        raise RunbookgenError(str(exc)) from None
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise RunbookgenError(f"zensical: {message}".splitlines()[0]) from None


def build(
    config_file: Path,
    *,
    site_dir: Path | None = None,
    strict: bool = False,
    clean: bool = True,
    quiet: bool = False,
    progress: ProgressHook | None = None,
) -> Path:
    """Build the site with Zensical; returns the site directory.

    ``clean`` is MkDocs' meaning (no stale files): Zensical removes stale files itself
    and keeps its content-addressed cache, which stays valid because a stub changes
    whenever its page does.
    """
    zensical = _zensical()
    root = config_file.resolve().parent
    outside = site_dir is not None and not site_dir.resolve().is_relative_to(root)
    target = site_dir.resolve() if site_dir is not None else None
    zsite = ZensicalSite(
        config_file, site_dir=root / stage.STAGE_DIR / "site" if outside else target, serve=False, quiet=quiet
    )
    if zsite.plain():  # runbookgen is off: Zensical's own build (the guard, if listed, satisfied)
        extension.activate({})
        try:
            _run_zensical(
                lambda: zensical.build(str(config_file.resolve()), {"clean": False, "strict": strict})
            )
        finally:
            extension.deactivate()
        return target or root / "site"
    zsite.progress = progress
    started = time.monotonic()
    prepared = zsite.prepare()
    rendered = time.monotonic()
    import gc

    # ~200,000 long-lived objects from reading the runs: keep the collector from walking
    # them again and again while Zensical renders (as the MkDocs plugin does).
    gc.freeze()
    if strict and prepared.warnings:
        with contextlib.suppress(OSError):
            prepared.config_file.unlink()
        raise RunbookgenError(f"aborted with {prepared.warnings} warning(s) in strict mode")
    pages = [0]

    def on_page() -> None:
        pages[0] += 1
        if progress is not None:
            progress("pages", pages[0], 0)

    with _generated(prepared, on_page):
        _run_zensical(lambda: zensical.build(str(prepared.config_file), {"clean": False, "strict": strict}))
    built = time.monotonic()
    finish(prepared)
    info(
        f"runbookgen: {len(prepared.rests)} run pages; rendered and staged in {rendered - started:.1f} s, "
        f"Zensical {built - rendered:.1f} s, pages completed in {time.monotonic() - built:.1f} s",
        quiet,
    )
    if outside and target is not None:
        _move(prepared.site_dir, target)
        return target
    return prepared.site_dir


def _move(built: Path, target: Path) -> None:
    """Put a site built inside the project (Zensical's rule) where ``--site-dir`` asked."""
    if target.exists():
        if not (target / "index.html").is_file() and any(target.iterdir()):
            raise RunbookgenError(
                "not emptying it: it is not empty and holds no site (no index.html)", target
            )
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(built), str(target))


def serve(config_file: Path, *, dev_addr: str, open_in_browser: bool = False) -> None:
    """Serve with Zensical in a child process (``python -m runbookgen.engines.zensical``).

    Zensical ends its process itself on Ctrl-C, so no ``finally`` of the process that
    runs it would remove the generated configuration: this parent does, whatever way
    the child ends.
    """
    import signal
    import subprocess

    _zensical()
    cmd = [sys.executable, "-m", "runbookgen.engines.zensical", str(config_file), dev_addr]
    proc = subprocess.Popen([*cmd, "--open"] if open_in_browser else cmd)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: proc.send_signal(signum))
    try:
        while True:
            try:
                code = proc.wait()
                break
            except KeyboardInterrupt:  # Ctrl-C reached the child too; a lone SIGINT did not
                with contextlib.suppress(OSError):
                    proc.send_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)
        with contextlib.suppress(OSError):
            (config_file.resolve().parent / stage.GENERATED_CONFIG).unlink()
    if code not in (0, 1, 130, -signal.SIGINT, -signal.SIGTERM):
        raise RunbookgenError(f"zensical serve stopped with status {code}")
    if code == 1:
        raise SystemExit(1)  # the child printed its one-line error


def serve_here(config_file: Path, *, dev_addr: str, open_in_browser: bool = False) -> None:
    """Serve with Zensical in this process; a watcher re-renders and re-stages when content,
    runs or the configuration change (Zensical then rebuilds the stubs that changed)."""
    zensical = _zensical()
    zsite = ZensicalSite(config_file, site_dir=None, serve=True, quiet=False)
    options = {"dev_addr": dev_addr, "open": open_in_browser, "strict": False}
    if zsite.plain():
        extension.activate({})
        _run_zensical(lambda: zensical.serve(str(config_file.resolve()), options))
        return
    prepared = zsite.prepare()
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(zsite, prepared, stop), daemon=True)
    with _generated(prepared, None):
        watcher.start()
        try:
            _run_zensical(lambda: zensical.serve(str(prepared.config_file), options))
        finally:
            stop.set()


def _snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for top in paths:
        if top.is_file():
            st = top.stat()
            out[str(top)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                path = Path(dirpath, name)
                with contextlib.suppress(OSError):
                    st = path.stat()
                    out[str(path)] = (st.st_mtime_ns, st.st_size)
    return out


def _watch(zsite: ZensicalSite, prepared: Prepared, stop: threading.Event, interval: float = 0.5) -> None:
    """Poll content, runs and configuration; on a change, prepare again (placements are
    added, never removed mid-serve: Zensical may still be rendering an older stub)."""
    seen = _snapshot(prepared.watch)
    while not stop.wait(interval):
        now = _snapshot(prepared.watch)
        if now == seen:
            continue
        seen = now
        started = time.monotonic()
        try:
            fresh = zsite.prepare()
        except RunbookgenError as exc:
            warn(str(exc))
            continue
        merged = {**prepared.placements, **fresh.placements}
        prepared.placements = merged
        extension.activate(merged, None)
        finish(fresh)  # badges (the checklists are inline under serve)
        info(f"runbookgen: pages prepared again in {time.monotonic() - started:.1f} s", False)
