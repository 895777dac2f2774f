"""Reading run files in forked worker processes while git history loads in the parent.

Parsing run files is most of a large site build and reading git history the next largest
cost; both are CPU work, and neither needs the other until a run page is rendered. So the
workers parse (and keep the parsed records) while the parent reads history; the parent
then sends each worker the history of *its* runs, packed as plain data (a small part of
the cost of pickling the objects), and the workers render the pages. Files are dealt to
the workers in fixed chunks, so a worker still holds the records whose history arrives.

Only ``fork`` is used: the workers inherit the loaded templates and options instead of
pickling them. The parent forks before it starts any thread of its own.

With ``later``, a worker renders only each page's summary (and fills in the entry) while
the files are read, and keeps the rest of the page — checklist, timeline, tables, most of
the rendering and all of what history adds — to render after its share is read, at low
priority: the parent then writes pages on one core (MkDocs' page phase), so the other
core renders the rest of each run page before the parent needs it (:class:`LaterDetails`).
At most :data:`MAX_PENDING` pages wait so in a worker (each holds its parsed run); the
worker renders the pages after those in full as before.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from runbookgen.errors import RunbookgenError
from runbookgen.history import History
from runbookgen.records.record import RunRecord
from runbookgen.web.entries import RunEntry, SharedTocs

#: run files per message between a worker and the parent
CHUNK = 8
#: parsed records a worker keeps while it waits for history (~155 KB each, so ~60 MB);
#: past this it stops parsing until history arrives. Unbounded, 10,000 runs held ~1.5 GB.
MAX_PENDING = 400

#: how much lower a worker's priority is while it renders pages' rest (the parent, writing
#: pages, must not wait for the CPU)
LATER_NICENESS = 19

Read = Callable[[Path], tuple[RunEntry, RunRecord | None]]
# an entry with its summary, and the rest of its page as it is read (None: all done)
Render = Callable[[RunEntry, RunRecord | None, History | None], tuple[RunEntry, Iterator[str] | None]]
Job = tuple[int, RunEntry, RunRecord | None]


def available() -> bool:
    """Whether this platform can fork (Linux and macOS; not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def load(
    files: Sequence[Path],
    workers: int,
    read: Read,
    render: Render,
    rel: Callable[[Path], str],
    history: History | None = None,
    load_history: Callable[[], History] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    later: bool = False,
) -> tuple[list[RunEntry], History | None]:
    """Every run file's entry, in file order, read by ``workers`` forked processes.

    Each worker calls ``read`` on its files and ``render`` on each result, with the history
    of its runs: ``history`` (the workers inherit it), or the result of ``load_history``,
    which is called in a thread of this process while the workers parse, sent to them
    (``rel`` gives the paths it is keyed by) and returned beside the entries.
    ``on_progress`` gets (files parsed, total). With ``later``, entries may leave the rest
    of their page to their :class:`LaterDetails` (``entry.take_details()``), whose
    ``close()`` stops the workers: call it when the pages are written.
    """
    from runbookgen.history import pack_bytes

    ctx = multiprocessing.get_context("fork")
    chunks = [range(i, min(i + CHUNK, len(files))) for i in range(0, len(files), CHUNK)]
    shares = [[i for c in chunks[k::workers] for i in c] for k in range(workers)]
    shares = [s for s in shares if s]
    # Everything loaded so far (templates; the caller's objects) stays put for the
    # collector: not walked again, and not copied into the workers page by page.
    gc.freeze()
    procs: list[BaseProcess] = []
    ups: list[Connection] = []
    downs: list[Connection] = []
    loaded: list[History] = []
    try:
        for share in shares:
            up_r, up_w = ctx.Pipe(duplex=False)
            down_r, down_w = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_work,
                name="runbookgen-runs",
                daemon=True,
                args=(
                    read,
                    render,
                    [(i, files[i]) for i in share],
                    up_w,
                    down_r,
                    history,
                    load_history is not None,
                    MAX_PENDING if later else 0,
                ),
            )
            proc.start()
            up_w.close()
            down_r.close()
            procs.append(proc)
            ups.append(up_r)
            downs.append(down_w)
        failure: list[BaseException] = []
        loader = None
        if load_history is not None:
            source = load_history

            def send_history() -> None:
                hist: History | None = None
                try:
                    hist = source()
                    loaded.append(hist)
                    # kept for the whole build (statistics): out of the cyclic collector's
                    # way, as everything loaded before the fork
                    gc.freeze()
                except BaseException as exc:  # re-raised by the parent's thread below
                    failure.append(exc)
                for down, share in zip(downs, shares, strict=True):
                    # one payload at a time (each is the history of a worker's share: ~60 MB
                    # for 5,000 runs ticked in 20 commits each)
                    payload = b""
                    if hist is not None and not failure:
                        try:
                            payload = pack_bytes(hist, [rel(files[i]) for i in share])
                        except BaseException as exc:
                            failure.append(exc)
                            payload = b""
                    # blocks until the worker reads it (between two of its chunks); a worker
                    # that died is reported by the parent's loop
                    with contextlib.suppress(OSError):
                        down.send_bytes(payload)
                    del payload

            loader = threading.Thread(target=send_history, name="runbookgen-history", daemon=True)
            loader.start()
        results: list[RunEntry | None] = [None] * len(files)
        owner = {i: k for k, share in enumerate(shares) for i in share}
        later_source = LaterDetails(procs, ups, downs, owner)
        tocs = SharedTocs()
        parsed = 0
        busy = dict(zip(ups, procs, strict=True))
        while busy:
            for conn in wait(list(busy)):
                assert isinstance(conn, Connection)
                try:
                    kind, count, entries = conn.recv()
                except EOFError:
                    raise RunbookgenError(_stopped(busy.pop(conn))) from None
                if kind == "refused":  # the user's mistake (a page template): one error line
                    raise RunbookgenError(*count)
                if kind == "error":
                    raise RuntimeError(f"a worker process reading run files failed:\n{count}")
                for i, entry in entries:
                    if entry.details_key >= 0:
                        entry.details_source = later_source
                    results[i] = tocs.share(entry)
                if count and on_progress is not None:
                    parsed += count
                    on_progress(parsed, len(files))
                if kind == "done":
                    del busy[conn]
        if loader is not None:
            loader.join()
        if failure:
            raise failure[0]
        done = [r for r in results if r is not None]
        assert len(done) == len(files)
        if any(r.details_source is not None for r in done):
            procs, ups, downs = [], [], []  # the source has them now, and stops them
        return done, (loaded[0] if loaded else history)
    finally:
        _stop(procs, ups + downs)


def _stop(procs: list[BaseProcess], conns: list[Connection]) -> None:
    for worker in procs:
        if worker.is_alive():
            worker.terminate()
        worker.join()
    for conn in conns:
        conn.close()


class LaterDetails:
    """The rest of run pages that workers render after reading (see the module docstring).

    :meth:`start` tells the workers the order the pages will be written in (they wait for
    it); :meth:`take` returns a page's rest, reading its worker's messages until it arrives
    (pages asked for out of that order are held here meanwhile)."""

    def __init__(
        self, procs: list[BaseProcess], ups: list[Connection], downs: list[Connection], owner: dict[int, int]
    ) -> None:
        self.procs, self.ups, self.downs, self.owner = list(procs), list(ups), list(downs), owner
        self.arrived: dict[int, str] = {}

    def start(self, order: Sequence[int]) -> None:
        """Let the workers render, in ``order`` (keys of :meth:`take`; every kept page)."""
        for k, down in enumerate(self.downs):
            with contextlib.suppress(OSError):  # a worker that died is reported by take()
                down.send([key for key in order if self.owner[key] == k])

    def take(self, key: int) -> str:
        hit = self.arrived.pop(key, None)
        if hit is not None:
            return hit
        k = self.owner[key]
        conn = self.ups[k]
        while True:
            try:
                kind, got, text = conn.recv()
            except (EOFError, OSError):
                raise RunbookgenError(_stopped(self.procs[k])) from None
            if kind == "details":
                if got == key:
                    return text
                self.arrived[got] = text
            elif kind == "refused":
                raise RunbookgenError(*got)
            elif kind == "error":
                raise RuntimeError(f"a worker process rendering run pages failed:\n{got}")
            else:  # "end": every page it kept was sent, so this one was asked for twice
                raise RuntimeError(f"run page {key} was asked for twice")

    def close(self) -> None:
        """Stop the workers (the pages not asked for are not needed)."""
        _stop(self.procs, self.ups + self.downs)
        self.procs, self.ups, self.downs = [], [], []


def _stopped(proc: BaseProcess) -> str:
    proc.join(1)
    return (
        "a worker process reading run files stopped unexpectedly "
        f"(exit code {proc.exitcode}); try the plugin option 'workers: 1'"
    )


def _work(
    read: Read,
    render: Render,
    jobs: list[tuple[int, Path]],
    up: Connection,
    down: Connection,
    history: History | None,
    deferred: bool,
    keep: int,
) -> None:
    """A worker: parse each file; render it once its history is here; send entries up.
    The rest of up to ``keep`` pages is rendered after the last file, and sent one page at
    a time (a send waits while the parent has not read the one before)."""
    # Ctrl-C is the parent's to handle (it stops the workers): no second traceback from here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ready = not deferred
        pending: list[Job] = []
        kept: dict[int, Iterator[str]] = {}
        for start in range(0, len(jobs), CHUNK):
            part: list[Job] = [(i, *read(path)) for i, path in jobs[start : start + CHUNK]]
            parsed = len(part)
            if not ready:
                full = len(pending) + len(part) >= MAX_PENDING
                if full and not down.poll():
                    up.send(("parsed", parsed, []))  # progress before waiting for history
                    parsed = 0
                if full or down.poll():
                    history = _receive(down)
                    ready, part, pending = True, pending + part, []
            if ready:
                _send(up, render, history, part, parsed, kept, keep)
            else:
                pending += part
                # kept until the history arrives: set apart from the cyclic collector, whose
                # full collections would walk every waiting run again and again
                gc.freeze()
                up.send(("parsed", parsed, []))
        if not ready:
            history = _receive(down)
            _send(up, render, history, pending, 0, kept, keep)
        up.send(("done", 0, []))
        if kept:
            order = down.recv()  # the order the parent writes the pages in
            with contextlib.suppress(OSError):
                os.nice(LATER_NICENESS)
            for i in order:
                up.send(("details", i, "".join(kept.pop(i))))
            up.send(("end", 0, ""))
    except RunbookgenError as exc:
        up.send(("refused", (exc.message, exc.path, exc.line), []))
    except BaseException:
        up.send(("error", traceback.format_exc(), []))
    finally:
        up.close()


def _receive(down: Connection) -> History | None:
    """The parent's history payload (None when history failed to load)."""
    from runbookgen.history import unpack_bytes

    data = down.recv_bytes()
    history = unpack_bytes(data) if data else None
    # The history and the parsed runs waiting for it live until their pages are rendered:
    # set apart from the cyclic collector, which would otherwise walk them again and again
    # while the pages are rendered (they are still freed as they are dropped).
    gc.freeze()
    return history


def _send(
    up: Connection,
    render: Render,
    history: History | None,
    items: list[Job],
    parsed: int,
    kept: dict[int, Iterator[str]],
    keep: int,
) -> None:
    """Render ``items`` and send them up a chunk at a time (bounded messages); the
    ``parsed`` newly read files are counted once, for progress. The rest of a page is kept
    for later (in ``kept``) while fewer than ``keep`` are."""
    for start in range(0, max(len(items), 1), CHUNK):
        part = items[start : start + CHUNK]
        rendered = []
        for i, entry, record in part:
            entry, rest = render(entry, record, history)
            if rest is not None and len(kept) < keep:
                kept[i] = rest
                entry.details_key = i
            elif rest is not None:
                entry.set_details("".join(rest))
            rendered.append((i, entry))
            if history is not None and record is not None:
                # rendered: its events are not needed again (a worker's share of 10,000
                # runs ticked 20 times holds a million of them)
                history.runs.pop(record.relpath, None)
        up.send(("parsed", parsed if start == 0 else 0, rendered))
