"""Fixed-window call counters shared by every API process: process memory or Redis.

The query API's plan budgets (calls per clock minute and per UTC day) need windows aligned to the
clock and a check of several windows at once that either counts the call in all of them or in
none. The ``limits`` library behind ``storage/ratelimit.py`` starts a fixed window at its first hit
and checks one window at a time, so these counters are kept here: a window is a key (the caller
puts the window's number in it) with a count and an expiry. In Redis one Lua script reads every
window and increments them only if none is full, so two processes racing for the last call of a
minute cannot both get it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from traitbase.errors import Unavailable


@dataclass(frozen=True)
class Window:
    key: str  # unique per window: the caller includes the window's number (minute, day)
    limit: int
    ttl_seconds: int  # how long the store keeps the count (at least the window's remaining length)


@dataclass(frozen=True)
class Taken:
    refused: int | None  # index of the first full window (nothing counted), or None (counted everywhere)
    counts: tuple[int, ...]  # each window's count after the call


class WindowCounters(Protocol):
    def take(self, windows: Sequence[Window]) -> Taken:
        """Count one call in every window if none is full; otherwise count nothing."""
        ...

    def counts(self, keys: Sequence[str]) -> tuple[int, ...]:
        """Current counts (0 for windows never hit or expired)."""
        ...


class MemoryWindowCounters:
    """One process's counters (embedded mode: one API process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, monotonic expiry)
        self._next_sweep = 0.0

    def _current(self, key: str, now: float) -> int:
        count, expires = self._counts.get(key, (0, now))
        return count if expires > now else 0

    def _sweep(self, now: float) -> None:
        # Expired windows are dropped once a minute, so memory stays bounded by the live windows.
        if now >= self._next_sweep:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            self._next_sweep = now + 60

    def take(self, windows: Sequence[Window]) -> Taken:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            counts = [self._current(w.key, now) for w in windows]
            for i, (w, c) in enumerate(zip(windows, counts, strict=True)):
                if c >= w.limit:
                    return Taken(i, tuple(counts))
            for w, c in zip(windows, counts, strict=True):
                _, expires = self._counts.get(w.key, (0, 0.0))
                self._counts[w.key] = (c + 1, expires if c else now + w.ttl_seconds)
            return Taken(None, tuple(c + 1 for c in counts))

    def counts(self, keys: Sequence[str]) -> tuple[int, ...]:
        now = time.monotonic()
        with self._lock:
            return tuple(self._current(k, now) for k in keys)


# KEYS: the windows; ARGV: their limits, then their TTLs. Returns {refused index (0 = none, else
# 1-based), count...}. Checks every window before touching any, so a refusal counts nothing.
_TAKE = """
local n = #KEYS
local counts = {}
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
for i = 1, n do
  if counts[i] >= tonumber(ARGV[i]) then
    local out = {i}
    for j = 1, n do out[j + 1] = counts[j] end
    return out
  end
end
local out = {0}
for i = 1, n do
  out[i + 1] = redis.call('INCR', KEYS[i])
  if out[i + 1] == 1 then redis.call('EXPIRE', KEYS[i], tonumber(ARGV[n + i])) end
end
return out
"""


class RedisWindowCounters:
    """Counters every API process shares (scale mode)."""

    def __init__(self, url: str, *, prefix: str = "tb:windows:") -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._take = self._redis.register_script(_TAKE)

    def take(self, windows: Sequence[Window]) -> Taken:
        keys = [self._prefix + w.key for w in windows]
        args = [w.limit for w in windows] + [max(1, w.ttl_seconds) for w in windows]
        try:
            out = [int(x) for x in self._take(keys=keys, args=args)]
        except Exception as exc:  # Redis unreachable: the caller answers 503, nothing is counted
            raise Unavailable(f"call-counter store unavailable: {type(exc).__name__}", retry_after=1) from exc
        return Taken(out[0] - 1 if out[0] else None, tuple(out[1:]))

    def counts(self, keys: Sequence[str]) -> tuple[int, ...]:
        try:
            values = self._redis.mget([self._prefix + k for k in keys])
        except Exception as exc:
            raise Unavailable(f"call-counter store unavailable: {type(exc).__name__}", retry_after=1) from exc
        return tuple(int(v) if v is not None else 0 for v in values)


def open_window_counters(redis_url: str | None) -> WindowCounters:
    return RedisWindowCounters(redis_url) if redis_url else MemoryWindowCounters()
