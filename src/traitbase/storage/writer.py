"""Group-commit writer: one thread owns the writes to a database and commits many requests at once.

Each submitted operation runs inside its own SAVEPOINT, so one failing request never takes the
others down with it; the batch is committed once (one fsync) and only then is every caller told
its result. A caller that got a result therefore knows its rows are durable.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from traitbase.errors import Unavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

_STOP = object()


class _Op(Generic[T]):
    __slots__ = ("fn", "future")

    def __init__(self, fn: Callable[[Connection], T]) -> None:
        self.fn = fn
        self.future: Future[T] = Future()


class GroupCommitWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int,
        lock: threading.Lock | None = None,
        name: str = "writer",
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._lock = lock
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        if self._closed:
            raise Unavailable("the server is shutting down", retry_after=1)
        op: _Op[T] = _Op(fn)
        self._queue.put(op)
        return op.future

    def close(self, timeout: float = 30.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_Op[Any]] = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Op[Any]]) -> None:
        results: list[tuple[_Op[Any], Any, BaseException | None]] = []
        if self._lock is not None:
            self._lock.acquire()
        try:
            with self._engine.connect() as conn, conn.begin():
                for op in batch:
                    try:
                        with conn.begin_nested():
                            results.append((op, op.fn(conn), None))
                    except Exception as op_exc:
                        results.append((op, None, op_exc))
        except Exception as exc:
            log.exception("group commit failed")
            for op in batch:
                if not op.future.done():
                    op.future.set_exception(exc)
            return
        finally:
            if self._lock is not None:
                self._lock.release()
        for op, value, failure in results:
            if failure is not None:
                op.future.set_exception(failure)
            else:
                op.future.set_result(value)
