"""Pausing Python's cyclic garbage collector around bulk work that allocates many objects.

A bulk import chunk allocates hundreds of thousands of small containers (decoded lines, attribute
dicts, sets) that all live until the chunk ends. Each allocation counts towards the collector's
thresholds, so the collector runs again and again over objects that are not garbage: measured,
that was more than half of an import's time. Those objects hold no reference cycles and are
freed by reference counting when the chunk ends, so the collector is paused for the chunk and
resumes between chunks, where it catches up on anything else the process produced meanwhile.

Pauses nest and may overlap across threads: the collector resumes when the last pause ends,
and only if it was enabled when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
