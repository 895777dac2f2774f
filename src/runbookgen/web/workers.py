"""Reading run files in forked worker processes while git history loads in the parent.

Parsing run files is most of a large site build and reading git history the next largest
cost; both are CPU work, and neither needs the other until a run page is rendered. So the
workers parse (and keep the parsed records) while the parent reads history; the parent
then sends each worker the history of *its* runs, packed as plain data (a small part of
the cost of pickling the objects), and the workers render the pages. Files are dealt to
the workers in fixed chunks, so a worker still holds the records whose history arrives.

Only ``fork`` is used: the workers inherit the loaded templates and options instead of
pickling them. The parent forks before it starts any thread of its own.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookgen.errors import RunbookgenError

if TYPE_CHECKING:
    from runbookgen.web.site import HistoryFor, RunEntry, Site

#: run files per message between a worker and the parent
CHUNK = 8


def available() -> bool:
    """Whether this platform can fork (Linux and macOS; not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def load(
    site: Site,
    files: Sequence[Path],
    workers: int,
    history_for: HistoryFor | None = None,
    history: Callable[[], Any] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[RunEntry]:
    """Every run file's entry, in file order, read by ``workers`` forked processes.

    ``history`` (optional) loads the git history; it is called in a thread of this process
    while the workers parse, and its result becomes ``site.git_history``. ``on_progress``
    gets (files parsed, total).
    """
    from runbookgen.history import pack

    ctx = multiprocessing.get_context("fork")
    chunks = [range(i, min(i + CHUNK, len(files))) for i in range(0, len(files), CHUNK)]
    shares = [[i for c in chunks[k::workers] for i in c] for k in range(workers)]
    shares = [s for s in shares if s]
    # Everything loaded so far (templates; the caller's objects) stays put for the
    # collector: not walked again, and not copied into the workers page by page.
    gc.freeze()
    procs: list[Any] = []
    ups: list[Connection] = []
    downs: list[Connection] = []
    try:
        for share in shares:
            up_r, up_w = ctx.Pipe(duplex=False)
            down_r, down_w = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_work,
                name="runbookgen-runs",
                daemon=True,
                args=(site, history_for, [(i, files[i]) for i in share], up_w, down_r, history is not None),
            )
            proc.start()
            up_w.close()
            down_r.close()
            procs.append(proc)
            ups.append(up_r)
            downs.append(down_w)
        failure: list[BaseException] = []
        loader = None
        if history is not None:

            def load_history() -> None:
                payloads: list[bytes] = [b""] * len(shares)
                try:
                    hist = history()
                    site.git_history = hist
                    payloads = [
                        marshal.dumps(pack(hist, [site.project.rel(files[i]) for i in share]))
                        for share in shares
                    ]
                except BaseException as exc:  # re-raised by the parent's thread below
                    failure.append(exc)
                for down, payload in zip(downs, payloads, strict=True):
                    # blocks until the worker reads it (between two of its chunks); a worker
                    # that died is reported by the parent's loop
                    with contextlib.suppress(OSError):
                        down.send_bytes(payload)

            loader = threading.Thread(target=load_history, name="runbookgen-history", daemon=True)
            loader.start()
        results: list[RunEntry | None] = [None] * len(files)
        parsed = 0
        busy = dict(zip(ups, procs, strict=True))
        while busy:
            for conn in wait(list(busy)):
                assert isinstance(conn, Connection)
                try:
                    kind, count, entries = conn.recv()
                except EOFError:
                    proc = busy.pop(conn)
                    proc.join()
                    raise RunbookgenError(
                        "a worker process reading run files stopped unexpectedly "
                        f"(exit code {proc.exitcode}); try the plugin option "
                        "'workers: 1'"
                    ) from None
                if kind == "error":
                    raise RuntimeError(f"a worker process reading run files failed:\n{count}")
                for i, entry in entries:
                    results[i] = entry
                if count and on_progress is not None:
                    parsed += count
                    on_progress(parsed, len(files))
                if kind == "done":
                    del busy[conn]
        if loader is not None:
            loader.join()
        if failure:
            raise failure[0]
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
        for conn in ups + downs:
            conn.close()


def _work(
    site: Site,
    history_for: HistoryFor | None,
    jobs: list[tuple[int, Path]],
    up: Connection,
    down: Connection,
    deferred: bool,
) -> None:
    """A worker: parse each file; render it once its history is here; send entries up."""
    # Ctrl-C is the parent's to handle (it stops the workers): no second traceback from here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ready = not deferred
        pending: list[tuple[int, RunEntry, Any]] = []
        for start in range(0, len(jobs), CHUNK):
            part = [(i, *site._read_run(path)) for i, path in jobs[start : start + CHUNK]]
            parsed = len(part)
            if not ready and down.poll():
                _receive(site, down)
                ready, part, pending = True, pending + part, []
            if ready:
                _send(up, site, history_for, part, parsed)
            else:
                pending += part
                up.send(("parsed", parsed, []))
        if not ready:
            _receive(site, down)
            _send(up, site, history_for, pending, 0)
        up.send(("done", 0, []))
    except BaseException:
        up.send(("error", traceback.format_exc(), []))
    finally:
        up.close()


def _receive(site: Site, down: Connection) -> None:
    """Take the parent's history payload (empty when history failed to load)."""
    from runbookgen.history import unpack

    data = down.recv_bytes()
    site.git_history = unpack(marshal.loads(data)) if data else None


def _send(
    up: Connection,
    site: Site,
    history_for: HistoryFor | None,
    items: list[tuple[int, RunEntry, Any]],
    parsed: int,
) -> None:
    """Render ``items`` and send them up a chunk at a time (bounded messages); the
    ``parsed`` newly read files are counted once, for progress."""
    for start in range(0, max(len(items), 1), CHUNK):
        up.send(
            ("parsed", parsed if start == 0 else 0, _finish(site, history_for, items[start : start + CHUNK]))
        )


def _finish(
    site: Site, history_for: HistoryFor | None, part: list[tuple[int, RunEntry, Any]]
) -> list[tuple[int, RunEntry]]:
    for _, entry, record in part:
        site._render_run(entry, record, history_for)
    return [(i, entry) for i, entry, _ in part]
