"""sluice from Python: fetch many URLs with the C++ engine, one record dict per URL.

    for record in sluice.fetch(urls, concurrency=10, rate="20/s"):
        print(record["url"], record["status"], record["error"])

The run goes on a C++ thread without the GIL; records arrive as they finish. docs/python.md
has every option and the Ctrl-C rules.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import threading
import weakref
from typing import Any, AsyncIterator, Iterable, Iterator

from ._sluice import Run, UsageError

__all__ = ["fetch", "afetch", "Fetch", "AsyncFetch", "UsageError"]


def fetch(urls: Iterable[str], *, expand: bool = False, body: bool = False, **options: Any) -> "Fetch":
    """Fetches every URL of `urls`, yielding one record dict each in completion order.

    `urls` is read whole before the run starts. Each string is one URL as given; with
    expand=True each is a source as on sluice's command line (ranges, "@FILE", "-").
    body=True adds record["body"] (bytes, or None when nothing was saved). The other
    keywords are sluice::Options fields (docs/python.md); a bad value raises ValueError.
    """
    return Fetch(urls, expand=expand, body=body, **options)


def afetch(urls: Iterable[str], *, expand: bool = False, body: bool = False, **options: Any) -> "AsyncFetch":
    """fetch() for asyncio: `async for record in sluice.afetch(urls, ...)`."""
    return AsyncFetch(urls, expand=expand, body=body, **options)


class _Bodies:
    """Reads each saved body back into record["body"]; a temporary directory unless the
    caller gave output_dir, whose files are then kept."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._temporary = None
        if options.get("output_dir") is None:
            self._temporary = tempfile.mkdtemp(prefix="sluice-bodies-")
            options["output_dir"] = self._temporary

    def add_body(self, record: dict[str, Any]) -> dict[str, Any]:
        path = record["saved_to"]
        record["body"] = None
        if path is not None:
            try:
                with open(path, "rb") as saved:
                    record["body"] = saved.read()
                if self._temporary is not None:
                    os.unlink(path)
                    record["saved_to"] = None
            except FileNotFoundError:
                pass  # the same URL twice in one run: the first record took the file
        return record

    def close(self) -> None:
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None


class _RunBase:
    def __init__(self, urls: Iterable[str], *, expand: bool, body: bool, **options: Any) -> None:
        if isinstance(urls, (str, bytes)):
            raise TypeError("urls must be an iterable of str, not a single " + type(urls).__name__)
        sources = list(urls)
        for url in sources:
            if not isinstance(url, str):
                raise TypeError("urls must hold str, not " + type(url).__name__)
        self._bodies = _Bodies(options) if body else None
        try:
            self._run = Run(sources, options, not expand)
        except BaseException:
            if self._bodies is not None:
                self._bodies.close()
            raise
        self._done = False

    @property
    def urls_read(self) -> int:
        """URLs taken from `urls` so far; each gets exactly one record."""
        return self._run.urls_read

    @property
    def report(self) -> dict[str, Any] | None:
        """The run's summary (urls, wall_ms, stopped, bound_by, ...) once it has ended."""
        return self._run.report

    def stop(self) -> None:
        """Starts no new URL; transfers in flight get `grace` seconds, then are aborted. The
        URLs not started still get their records (error kind "cancelled")."""
        self._run.stop()

    def abort(self) -> None:
        """Ends the transfers in flight now; they and the URLs not started get cancelled records."""
        self._run.abort()

    def close(self) -> None:
        """Abandons the run: records not yet taken are dropped. Safe to call twice."""
        self._done = True
        self._run.close()
        if self._bodies is not None:
            self._bodies.close()

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        return self._bodies.add_body(record) if self._bodies is not None else record

    def __del__(self) -> None:
        run = getattr(self, "_run", None)
        if run is not None:
            self.close()


class _InterruptHandler:
    """SIGINT while a Fetch runs: the first stops the run, the second aborts it, a third
    raises KeyboardInterrupt at once. Holds the Fetch weakly, so a Fetch dropped mid-run is
    still closed."""

    def __init__(self, owner: "Fetch") -> None:
        self._owner = weakref.ref(owner)
        self.count = 0
        self.previous = signal.getsignal(signal.SIGINT)

    def __call__(self, signum: int, frame: Any) -> None:
        owner = self._owner()
        self.count += 1
        if owner is None or self.count >= 3:
            signal.signal(signal.SIGINT, self.previous)
            raise KeyboardInterrupt
        if self.count == 1:
            owner.stop()
        else:
            owner.abort()


class Fetch(_RunBase):
    """The iterator fetch() returns: one record dict per URL, as each finishes.

    Ctrl-C (SIGINT) on the main thread stops the run: iteration goes on through the records
    of every URL read so far (cancelled ones included), then raises KeyboardInterrupt. A
    second Ctrl-C aborts the transfers in flight; a third raises at once. Leaving the loop
    early (break, an exception) abandons the run: close() aborts it and drops its records.
    """

    def __init__(self, urls: Iterable[str], *, expand: bool = False, body: bool = False, **options: Any) -> None:
        super().__init__(urls, expand=expand, body=body, **options)
        self._handler: _InterruptHandler | None = None
        self._interrupts = 0  # KeyboardInterrupts that reached __next__ (no handler of ours)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __enter__(self) -> "Fetch":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __next__(self) -> dict[str, Any]:
        if self._done:
            raise StopIteration
        self._install_handler()
        while True:
            try:
                record = self._run.next_record()
            except KeyboardInterrupt:
                # Without our handler (a loop on another thread, or a SIGINT handler of the
                # caller's) the same rules hold: stop, abort, then give up.
                self._interrupts += 1
                if self._interrupts >= 3 or (self._handler is not None and self._handler.count >= 3):
                    self.close()
                    raise
                if self._interrupts == 1:
                    self._run.stop()
                else:
                    self._run.abort()
                continue
            except BaseException:
                self._finish()
                raise
            if record is not None:
                return self._record(record)
            interrupted = self._interrupts > 0 or (self._handler is not None and self._handler.count > 0)
            self._finish()
            if interrupted:
                raise KeyboardInterrupt
            raise StopIteration

    def close(self) -> None:
        self._restore_handler()
        super().close()

    def _install_handler(self) -> None:
        if self._handler is not None or threading.current_thread() is not threading.main_thread():
            return
        # A handler of the caller's own is left alone; only Python's default is replaced.
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        self._handler = _InterruptHandler(self)
        signal.signal(signal.SIGINT, self._handler)

    def _restore_handler(self) -> None:
        handler = self._handler
        if handler is None:
            return
        if signal.getsignal(signal.SIGINT) is handler and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, handler.previous)
        self._handler = None

    def _finish(self) -> None:
        self._restore_handler()
        self._done = True
        if self._bodies is not None:
            self._bodies.close()


class AsyncFetch(_RunBase):
    """The async iterator afetch() returns. The event loop waits on the run's eventfd, so no
    thread is spent per record. Cancelling the task that iterates (asyncio.run's answer to
    Ctrl-C) aborts the run and drops the records not yet taken."""

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._done:
            raise StopAsyncIteration
        try:
            while True:
                try:
                    record = self._run.poll_record()
                except StopIteration:
                    self._done = True
                    if self._bodies is not None:
                        self._bodies.close()
                    raise StopAsyncIteration from None
                if record is not None:
                    return self._record(record)
                await self._readable()
        except (asyncio.CancelledError, GeneratorExit):
            self.close()
            raise

    async def aclose(self) -> None:
        self.close()

    async def _readable(self) -> None:
        loop = asyncio.get_running_loop()
        woken = loop.create_future()
        fd = self._run.wake_fd

        def on_readable() -> None:
            self._run.clear_wake()
            if not woken.done():
                woken.set_result(None)

        loop.add_reader(fd, on_readable)
        try:
            await woken
        finally:
            loop.remove_reader(fd)
