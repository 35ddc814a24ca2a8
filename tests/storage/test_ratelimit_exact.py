"""Rate limits are exact: no rolling window of the stated length lets more than N through.

The `limits` stores read the time through their module's ``time``; a controllable clock stands in
for it (memory and Redis alike: the Redis moving window compares timestamps the client sends).
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import limits.storage.memory
import limits.storage.redis
import pytest

from traitbase.errors import RateLimited
from traitbase.storage.ratelimit import RateLimiter

# Never a TRAITBASE_* variable: the test's Redis is the local one unless the runner names another.
TEST_REDIS_URL = os.environ.get("TB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(1_800_000_000.0)
    for module in (limits.storage.memory, limits.storage.redis):
        monkeypatch.setattr(module, "time", SimpleNamespace(time=fake))
    return fake


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest, clock: Clock) -> Iterator[RateLimiter]:
    url = None
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=5).ping()
        except Exception as exc:  # a missing service fails the run; it is never skipped
            pytest.fail(f"Redis is required for this test and is unreachable: {exc}")
        url = TEST_REDIS_URL
    # A unique key prefix per test: the Redis server is shared and never flushed.
    yield RateLimiter(url, key_prefix=f"tb-test-{uuid.uuid4().hex}", clock=clock)


def _passes(limiter: RateLimiter, clock: Clock, spec: str, times: list[float]) -> list[float]:
    bucket = f"b-{uuid.uuid4().hex}"
    passed = []
    for t in times:
        clock.now = t
        try:
            limiter.check(bucket, spec)
        except RateLimited:
            continue
        passed.append(t)
    return passed


def _most_in_any_window(passed: list[float], seconds: float) -> int:
    # The busiest window starts at some pass: count the passes in [t, t + seconds).
    return max((sum(1 for u in passed if t <= u < t + seconds) for t in passed), default=0)


def test_ten_per_minute_never_lets_more_than_ten_through_any_sixty_seconds(limiter: RateLimiter, clock: Clock) -> None:
    start = clock.now
    rng = random.Random(7)
    # Steady traffic, plus bursts around each fixed minute boundary (where an approximation leaks).
    times = [start + i * 1.5 for i in range(240)]
    times += [start + m * 60 + off for m in range(1, 6) for off in (-2.0, -1.0, -0.5, 0.1, 0.5, 1.0, 2.0)]
    times += [start + rng.uniform(0, 360) for _ in range(200)]
    passed = _passes(limiter, clock, "10/minute", sorted(times))
    assert _most_in_any_window(passed, 60) == 10
    assert len(passed) >= 60  # six minutes at ten a minute: the limit is not stricter than stated


def test_a_refused_client_gets_through_exactly_when_retry_after_says(limiter: RateLimiter, clock: Clock) -> None:
    start = clock.now
    bucket = f"b-{uuid.uuid4().hex}"
    for i in range(3):
        clock.now = start + i * 10
        limiter.check(bucket, "3/minute")
    clock.now = start + 30
    with pytest.raises(RateLimited) as caught:
        limiter.check(bucket, "3/minute")
    # The first hit (at +0) leaves the window at +60: 30 s from now.
    assert caught.value.retry_after == 30
    clock.now = start + 59.9
    with pytest.raises(RateLimited):
        limiter.check(bucket, "3/minute")
    clock.now = start + 60.1
    assert [(w.limit, w.remaining) for w in limiter.check(bucket, "3/minute")] == [(3, 0)]


def test_ten_per_hour_import_limit_is_exact_over_a_day(limiter: RateLimiter, clock: Clock) -> None:
    start = clock.now
    times = [start + i * 120 for i in range(720)]  # one try every two minutes for a day
    passed = _passes(limiter, clock, "10/hour", times)
    assert _most_in_any_window(passed, 3600) == 10
    # Ten an hour (a slot frees only when a hit is a full hour old): close to 240 a day, never more.
    assert 230 <= len(passed) <= 240


def test_limits_above_the_threshold_use_the_counter_approximation(clock: Clock) -> None:
    lim = RateLimiter(None, exact_max=100, clock=clock)
    assert [lim.is_exact(spec) for spec in ("100/minute", "101/minute", "10/minute;1000/day")] == [True, False, False]
    assert RateLimiter(None, clock=clock).is_exact("60000/minute") is False
    assert RateLimiter(None, clock=clock).is_exact("3000/day;30/minute") is True
