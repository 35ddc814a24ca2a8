"""Producing the next items of an iterator in a background thread while the caller uses the current one.

For an import, the next chunk is read, decompressed and decoded while the current one is being
applied and committed: SQLite releases the GIL while it executes and commits, so on two cores
the two overlap. At most ``depth`` items exist at once (handed out or being produced), so memory
stays bounded. The caller must close the prefetcher (``with``) before closing what the iterator
reads from; closing stops the thread at its next item.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class Prefetcher(Generic[T]):
    def __init__(
        self,
        source: Iterator[T],
        *,
        depth: int = 2,
        around: Callable[[], AbstractContextManager[object]] = nullcontext,
        name: str = "prefetch",
    ) -> None:
        self._source = source
        self._around = around
        self._slots = threading.Semaphore(depth)  # items in existence: produced and not yet released
        self._ready: queue.Queue[object] = queue.Queue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while True:
                self._slots.acquire()
                if self._closed.is_set():
                    return
                with self._around():
                    item = next(self._source, _END)
                self._ready.put(item)
                if item is _END:
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._ready.put(_Failure(exc))

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
            del item  # done with: its slot may be reused
            self._slots.release()

    def close(self) -> None:
        self._closed.set()
        self._slots.release()  # wake the producer if it waits for a slot; it then sees ``closed``
        self._thread.join()

    def __enter__(self) -> Prefetcher[T]:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
