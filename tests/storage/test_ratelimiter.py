"""The RateLimiter itself, in process memory and on the real Redis: multi-window specs, per-bucket counts."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from traitbase.errors import RateLimited
from traitbase.storage.ratelimit import InlineSweptMemoryStorage, RateLimiter


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    lim = RateLimiter(url)
    assert lim.backend == request.param
    return lim


def _bucket() -> str:
    # Unique per test run: Redis is shared with other runs and is never flushed.
    return f"test:{uuid.uuid4().hex}"


def test_fourth_hit_of_three_per_minute_is_refused(limiter: RateLimiter) -> None:
    bucket = _bucket()
    remaining = [[(w.limit, w.remaining, w.period) for w in limiter.check(bucket, "3/minute;5/day")] for _ in range(3)]
    assert remaining == [
        [(3, 2, "minute"), (5, 4, "day")],
        [(3, 1, "minute"), (5, 3, "day")],
        [(3, 0, "minute"), (5, 2, "day")],
    ]
    with pytest.raises(RateLimited) as caught:
        limiter.check(bucket, "3/minute;5/day")
    assert (caught.value.message, caught.value.window) == ("rate limit of 3 per minute exceeded", "minute")
    assert 1 <= caught.value.retry_after <= 60


def test_refused_hit_is_not_counted(limiter: RateLimiter) -> None:
    bucket = _bucket()
    for _ in range(3):
        limiter.check(bucket, "3/minute;5/day")
    with pytest.raises(RateLimited):
        limiter.check(bucket, "3/minute;5/day")
    # The day window saw three hits, not four.
    assert [(w.limit, w.remaining) for w in limiter.check(bucket, "5/day")] == [(5, 1)]


def test_day_window_refuses_when_minute_window_still_has_room(limiter: RateLimiter) -> None:
    bucket = _bucket()
    for _ in range(5):
        limiter.check(bucket, "10/minute;5/day")
    with pytest.raises(RateLimited) as caught:
        limiter.check(bucket, "10/minute;5/day")
    assert caught.value.window == "day"
    assert 1 <= caught.value.retry_after <= 86_400


@pytest.mark.parametrize("spec", ["3/minute", "3/minute;5/day"])
def test_hit_counts_like_check_without_window_stats(limiter: RateLimiter, spec: str) -> None:
    bucket = _bucket()
    for _ in range(3):
        limiter.hit(bucket, spec)
    with pytest.raises(RateLimited) as caught:
        limiter.hit(bucket, spec)
    assert (caught.value.message, caught.value.window) == ("rate limit of 3 per minute exceeded", "minute")
    assert 1 <= caught.value.retry_after <= 60
    if spec.endswith("5/day"):
        # The refused hit was not counted in the window that had room: the day window saw three.
        assert [(w.limit, w.remaining) for w in limiter.check(bucket, "5/day")] == [(5, 1)]


def test_buckets_are_counted_apart(limiter: RateLimiter) -> None:
    first, second = _bucket(), _bucket()
    for _ in range(2):
        limiter.check(first, "2/hour")
    with pytest.raises(RateLimited):
        limiter.check(first, "2/hour")
    assert [(w.limit, w.remaining) for w in limiter.check(second, "2/hour")] == [(2, 1)]


def test_ping(limiter: RateLimiter) -> None:
    assert limiter.ping() is True


def test_memory_store_sweeps_inline_without_starting_timer_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    store = InlineSweptMemoryStorage()
    started: list[object] = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    assert store.acquire_entry("k", limit=5, expiry=1)
    store.incr("c", expiry=1)
    # Entries older than their expiry are dropped by the next sweep, which runs from a hit.
    store.events["k"][0].expiry = time.time() - 1
    store.expirations["c"] = time.time() - 1
    store._next_sweep = 0.0
    store.acquire_entry("other", limit=5, expiry=60)
    assert not store.events.get("k") and "c" not in store.storage
    assert store.events["other"]  # what has not expired stays
    assert started == []
