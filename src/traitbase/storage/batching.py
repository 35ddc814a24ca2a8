"""One group-commit queue under every embedded writer (the SQLite user store, the DuckDB warehouse).

A writer thread takes whatever requests are queued (up to a count and a weight, e.g. rows),
hands them to the writer's one method, ``apply(batch)``, which commits them together and returns
one result per request, and only then resolves each request's future. So a request is answered
only once its work is durable, and many concurrent requests share one commit (one fsync).

The rules every writer gets from here, once:
- ``submit`` and ``close`` share a lock, so no request lands behind the stop marker: a request
  submitted while the writer closes is either run before it stops or refused at once with 503
  (never left waiting).
- ``apply`` may report a failure per request (``Failed``) or raise for the whole group; a group
  that raises is retried one request at a time, so one bad request never fails the others.
- ``on_idle`` (e.g. expiring old idempotency records) runs on the writer thread between groups.
- ``submit_async`` is ``submit`` for a caller on an event loop: its asyncio future is settled
  with the rest of the group's, in one call into that loop per group commit, instead of one
  cross-thread wake-up (and one ``concurrent.futures.Future`` with its lock) per request.
- ``linger`` (seconds, default 0): once a group has its first request, wait up to this long for
  more before committing, while the group is below ``max_items``. A commit's cost is mostly
  per commit (the pages it rewrites, one fsync), so when requests arrive a little apart a short
  wait lets many of them share one commit instead of each paying for its own.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from traitbase.errors import Unavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

_STOP = object()


@dataclass(frozen=True)
class Failed:
    """``apply``'s result for one request that failed on its own (the others still commit)."""

    error: BaseException


class _Pending(Generic[T]):
    __slots__ = ("future", "item")

    def __init__(self, item: T, future: Future[Any] | asyncio.Future[Any]) -> None:
        self.item = item
        self.future = future  # an asyncio future is settled on its own loop (``get_loop``)


def _settle(future: Future[Any] | asyncio.Future[Any], result: Any) -> None:
    if isinstance(result, Failed):
        future.set_exception(result.error)
    else:
        future.set_result(result)


def _settle_all(settled: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """On the event loop: one group's results to their waiting requests (a cancelled one is skipped)."""
    for future, result in settled:
        if not future.cancelled():
            _settle(future, result)


class GroupCommitQueue(Generic[T]):
    def __init__(
        self,
        apply: Callable[[list[T]], Sequence[Any]],
        *,
        name: str,
        max_items: int,
        max_weight: int | None = None,
        weight: Callable[[T], int] | None = None,
        on_idle: Callable[[], None] | None = None,
        idle_every: float = 60.0,
        linger: float = 0.0,
    ) -> None:
        self._apply = apply
        self._max_items = max(1, max_items)
        self._max_weight = max_weight
        self._weight = weight or (lambda _item: 1)
        self._on_idle = on_idle
        self._idle_every = idle_every
        self._linger = max(0.0, linger)
        self._next_idle = time.monotonic() + idle_every
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[Any]:
        future: Future[Any] = Future()
        self._put(_Pending(item, future))
        return future

    def submit_async(self, item: T) -> asyncio.Future[Any]:
        """``submit`` from a coroutine: an awaitable settled on the caller's loop with the rest of its group."""
        future = asyncio.get_running_loop().create_future()
        self._put(_Pending(item, future))
        return future

    def _put(self, pending: _Pending[T]) -> None:
        with self._lock:
            if self._closed:
                raise Unavailable("the server is shutting down", retry_after=1)
            self._queue.put(pending)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, timeout: float = 60.0) -> None:
        """Stop taking requests, finish every one already queued, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    # --- the writer thread ------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle_every if self._on_idle else None)
            except queue.Empty:
                self._idle()
                continue
            if first is _STOP:
                return
            batch: list[_Pending[T]] = [first]
            weight = self._weight(first.item)
            stop = False
            until = time.monotonic() + self._linger
            while len(batch) < self._max_items and (self._max_weight is None or weight < self._max_weight):
                try:
                    wait = until - time.monotonic()
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
                weight += self._weight(nxt.item)
            self._commit(batch)
            self._idle()
            if stop:
                return

    def _commit(self, batch: list[_Pending[T]]) -> None:
        settled: list[tuple[_Pending[T], Any]] = []
        self._run_group(batch, settled)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for pending, result in settled:
            if isinstance(pending.future, asyncio.Future):
                by_loop.setdefault(pending.future.get_loop(), []).append((pending.future, result))
            else:
                _settle(pending.future, result)
        for loop, results in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, results)
            except RuntimeError:  # the loop has closed: nobody is left waiting on it
                log.warning("%d results arrived after their event loop closed", len(results))

    def _run_group(self, batch: list[_Pending[T]], settled: list[tuple[_Pending[T], Any]]) -> None:
        """Apply a group, adding (request, result or Failed) to ``settled``; a group that raises is retried singly."""
        try:
            results = self._apply([p.item for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                log.warning("write failed: %s", exc)
                settled.append((batch[0], Failed(exc)))
                return
            log.warning("group commit of %d requests failed (%s); retrying them one by one", len(batch), exc)
            for pending in batch:
                self._run_group([pending], settled)
            return
        settled.extend(zip(batch, results, strict=True))

    def _idle(self) -> None:
        if self._on_idle is None or time.monotonic() < self._next_idle:
            return
        self._next_idle = time.monotonic() + self._idle_every
        try:
            self._on_idle()
        except Exception:
            log.exception("writer housekeeping failed")
