"""Per-key rate limits on the `limits` library: process memory or Redis.

A limit of N per period means what it says: no rolling window of that length lets more than N
through. That is the moving-window strategy, which keeps one timestamp per counted hit (a list in
memory or in Redis). Its cost grows with N (``bench/ratelimit.py`` measures it), so a limit
above ``exact_max`` (the ``rate_limit_exact_max`` setting) uses the sliding-window counter
instead: two counters per window whatever N, but an approximation that can let up to about
twice N through a window that straddles two fixed periods. Such large limits (the 60,000 per
minute of the ingestion faces) are a protection against floods, not a plan figure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.strategies import RateLimiter as Strategy

from traitbase.errors import RateLimited, Unavailable

DEFAULT_EXACT_MAX = 10_000


@dataclass(frozen=True)
class WindowState:
    limit: int
    remaining: int
    reset_in: int
    period: str


@lru_cache(maxsize=256)
def parse_limits(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


class InlineSweptMemoryStorage(MemoryStorage):
    """The library's memory storage, with its expiry sweep run inline at most once a second.

    ``MemoryStorage`` starts a new ``threading.Timer`` thread for its sweep whenever the previous
    one has finished, i.e. up to a hundred thread starts a second on a busy server, each one
    waiting for the new thread to run: that was about a tenth of the event loop's time on the
    tracker and attribute routes. The sweep only frees memory — every read already compares the
    entries' timestamps — so running it from the hit path, once a second, changes no answer.
    """

    SWEEP_EVERY_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = time.monotonic() + self.SWEEP_EVERY_S

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _period(item: RateLimitItem) -> str:
    return str(item.GRANULARITY.name)


class RateLimiter:
    def __init__(
        self,
        redis_url: str | None,
        *,
        exact_max: int = DEFAULT_EXACT_MAX,
        key_prefix: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = "redis" if redis_url else "memory"
        self._storage: Storage = InlineSweptMemoryStorage()
        if redis_url:
            options = {} if key_prefix is None else {"key_prefix": key_prefix}
            store = storage_from_string(redis_url, **options)
            assert isinstance(store, Storage)
            self._storage = store
        self._exact = MovingWindowRateLimiter(self._storage)
        self._approximate = SlidingWindowCounterRateLimiter(self._storage)
        self.exact_max = exact_max
        self._clock = clock

    def strategy(self, item: RateLimitItem) -> Strategy:
        """Exact (moving window) up to ``exact_max`` hits per window; the cheap approximation above."""
        return self._exact if item.amount <= self.exact_max else self._approximate

    def is_exact(self, spec: str) -> bool:
        return all(self.strategy(item) is self._exact for item in parse_limits(spec))

    def check(self, bucket: str, spec: str) -> list[WindowState]:
        """Count one hit against every window of ``spec``; raise RateLimited if any is exhausted.

        A refused hit is not counted, so a client that waits ``Retry-After`` gets through.
        """
        items = parse_limits(spec)
        try:
            for item in items:
                if not self.strategy(item).test(item, bucket):
                    raise self._refused(item, bucket)
            states = []
            for item in items:
                strategy = self.strategy(item)
                # The hit itself is atomic (one Lua script in Redis): two processes racing for the
                # last slot cannot both pass, so the window never lets more than N through.
                if not strategy.hit(item, bucket):
                    raise self._refused(item, bucket)
                stats = strategy.get_window_stats(item, bucket)
                states.append(
                    WindowState(
                        limit=item.amount,
                        remaining=max(0, stats.remaining),
                        reset_in=max(0, math.ceil(stats.reset_time - self._clock())),
                        period=_period(item),
                    )
                )
            return states
        except RateLimited:
            raise
        except Exception as exc:  # the counter store is unreachable
            raise Unavailable(f"rate-limit store unavailable: {type(exc).__name__}", retry_after=1) from exc

    def hit(self, bucket: str, spec: str) -> None:
        """``check`` for callers that show no window state (e.g. the tracker's beacons): one hit, no stats.

        A single window needs no test first: its hit is refused without being counted. Several
        windows are tested all first (a refusal by one must not count in the others), as ``check`` does.
        """
        items = parse_limits(spec)
        if len(items) != 1:
            self.check(bucket, spec)
            return
        item = items[0]
        try:
            passed = self.strategy(item).hit(item, bucket)
        except Exception as exc:  # the counter store is unreachable
            raise Unavailable(f"rate-limit store unavailable: {type(exc).__name__}", retry_after=1) from exc
        if not passed:
            raise self._refused(item, bucket)

    def _refused(self, item: RateLimitItem, bucket: str) -> RateLimited:
        stats = self.strategy(item).get_window_stats(item, bucket)
        retry = max(1, math.ceil(stats.reset_time - self._clock()))
        period = _period(item)
        return RateLimited(f"rate limit of {item.amount} per {period} exceeded", retry_after=retry, window=period)

    def reset(self) -> None:
        self._storage.reset()

    def ping(self) -> bool:
        return bool(self._storage.check())
