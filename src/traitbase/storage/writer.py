"""The user store's writer: one thread owns the writes to the database and commits many requests at once.

Each submitted operation runs inside its own SAVEPOINT, so one failing request never takes the
others down with it; the batch is committed once (one fsync) and only then is every caller told
its result. A caller that got a result therefore knows its rows are durable. The queue, the
close rule and the retry of a failed group are ``storage.batching``'s; this module supplies only
how to apply a batch.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from traitbase.storage.batching import Failed, GroupCommitQueue

T = TypeVar("T")

Op = Callable[[Connection], Any]


class GroupCommitWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int,
        linger: float = 0.0,
        lock: threading.Lock | None = None,
        name: str = "writer",
    ) -> None:
        self._engine = engine
        self._lock = lock
        self._queue: GroupCommitQueue[Op] = GroupCommitQueue(self._apply, name=name, max_items=max_batch, linger=linger)

    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        return self._queue.submit(fn)

    def submit_async(self, fn: Callable[[Connection], T]) -> asyncio.Future[T]:
        """``submit`` from a coroutine: settled on the caller's event loop with the rest of its group."""
        return self._queue.submit_async(fn)

    def close(self, timeout: float = 30.0) -> None:
        self._queue.close(timeout)

    def _apply(self, batch: list[Op]) -> list[Any]:
        results: list[Any] = []
        if self._lock is not None:
            self._lock.acquire()
        try:
            with self._engine.connect() as conn, conn.begin():
                for fn in batch:
                    try:
                        with conn.begin_nested():
                            results.append(fn(conn))
                    except Exception as op_exc:
                        results.append(Failed(op_exc))
        finally:
            if self._lock is not None:
                self._lock.release()
        return results
