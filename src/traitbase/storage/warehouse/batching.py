"""A batching queue: one thread takes waiting items in groups and hands each group to ``apply``.

Self-contained on purpose (the engine-specific work is all in ``apply``) so another queue can
replace it. A group closes when it holds ``max_items`` items or ``max_rows`` rows, or ``linger``
seconds after its first item arrived: the bound on the latency the grouping adds. A failing
group is retried one item at a time, so one bad item never fails the others.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from traitbase.errors import Unavailable

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)
_STOP = object()


class _Entry(Generic[T, R]):
    __slots__ = ("future", "item")

    def __init__(self, item: T) -> None:
        self.item = item
        self.future: Future[R] = Future()


class BatchQueue(Generic[T, R]):
    def __init__(
        self,
        apply: Callable[[Sequence[T]], Sequence[R | BaseException]],
        *,
        rows_of: Callable[[T], int] = lambda _item: 0,
        max_items: int = 256,
        max_rows: int = 200_000,
        linger: float = 0.005,
        idle: Callable[[], None] | None = None,
        idle_every: float = 60.0,
        name: str = "batch-writer",
    ) -> None:
        self._apply = apply
        self._rows_of = rows_of
        self._max_items = max_items
        self._max_rows = max_rows
        self._linger = linger
        self._idle = idle
        self._idle_every = idle_every
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        entry: _Entry[T, R] = _Entry(item)
        with self._lock:  # the flag and the queue change together: nothing lands behind the stop marker
            if self._closed:
                raise Unavailable("the server is shutting down", retry_after=1)
            self._queue.put(entry)
        return entry.future

    def close(self, timeout: float = 60.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle_every)
            except queue.Empty:
                self._run_idle()
                continue
            if first is _STOP:
                return
            group: list[_Entry[T, R]] = [first]
            rows = self._rows_of(first.item)
            deadline = time.monotonic() + self._linger
            stop = False
            while len(group) < self._max_items and rows < self._max_rows:
                wait = deadline - time.monotonic()
                try:
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                group.append(nxt)
                rows += self._rows_of(nxt.item)
            self._commit(group)
            if stop:
                return

    def _run_idle(self) -> None:
        if self._idle is not None:
            try:
                self._idle()
            except Exception:
                log.exception("batch writer housekeeping failed")

    def _commit(self, group: list[_Entry[T, R]]) -> None:
        try:
            results = self._apply([e.item for e in group])
        except Exception as exc:
            if len(group) == 1:
                log.warning("write failed: %s", exc)
                group[0].future.set_exception(exc)
                return
            log.warning("group of %d writes failed (%s); retrying them one by one", len(group), exc)
            for entry in group:
                self._commit([entry])
            return
        for entry, result in zip(group, results, strict=True):
            # apply may answer one item with an error (e.g. a conflict) without failing the group.
            if isinstance(result, BaseException):
                entry.future.set_exception(result)
            else:
                entry.future.set_result(result)
