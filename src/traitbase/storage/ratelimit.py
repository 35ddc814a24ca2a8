"""Per-key sliding-window rate limits on the `limits` library: process memory or Redis.

The sliding-window-counter strategy keeps two counters per window (not one entry per hit), so
a generous limit costs the same as a small one, in memory and in Redis alike.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from traitbase.errors import RateLimited, Unavailable


@dataclass(frozen=True)
class WindowState:
    limit: int
    remaining: int
    reset_in: int
    period: str


@lru_cache(maxsize=256)
def parse_limits(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def _period(item: RateLimitItem) -> str:
    return str(item.GRANULARITY.name)


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self.backend = "redis" if redis_url else "memory"
        self._storage: Storage = MemoryStorage()
        if redis_url:
            store = storage_from_string(redis_url)
            assert isinstance(store, Storage)
            self._storage = store
        self._strategy = SlidingWindowCounterRateLimiter(self._storage)

    def check(self, bucket: str, spec: str) -> list[WindowState]:
        """Count one hit against every window of ``spec``; raise RateLimited if any is exhausted.

        A refused hit is not counted, so a client that waits ``Retry-After`` gets through.
        """
        items = parse_limits(spec)
        try:
            for item in items:
                if not self._strategy.test(item, bucket):
                    stats = self._strategy.get_window_stats(item, bucket)
                    retry = max(1, math.ceil(stats.reset_time - time.time()))
                    raise RateLimited(
                        f"rate limit of {item.amount} per {_period(item)} exceeded",
                        retry_after=retry,
                        window=_period(item),
                    )
            states = []
            for item in items:
                self._strategy.hit(item, bucket)
                stats = self._strategy.get_window_stats(item, bucket)
                states.append(
                    WindowState(
                        limit=item.amount,
                        remaining=max(0, stats.remaining),
                        reset_in=max(0, math.ceil(stats.reset_time - time.time())),
                        period=_period(item),
                    )
                )
            return states
        except RateLimited:
            raise
        except Exception as exc:  # the counter store is unreachable
            raise Unavailable(f"rate-limit store unavailable: {type(exc).__name__}", retry_after=1) from exc

    def reset(self) -> None:
        self._storage.reset()

    def ping(self) -> bool:
        return bool(self._storage.check())
