"""Fixed-window counters (the query API's plan budgets), in process memory and on the real Redis."""

from __future__ import annotations

import threading
import uuid

import pytest

from traitbase.domain.analytics.limits import LimitExceeded, QueryLimiter
from traitbase.storage.windows import MemoryWindowCounters, RedisWindowCounters, Window, WindowCounters


@pytest.fixture(params=["memory", "redis"])
def make_counters(request: pytest.FixtureRequest) -> object:
    """A factory: each call is one API process's counters (Redis: all of them share one store)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return lambda: RedisWindowCounters(url)
    shared = MemoryWindowCounters()
    return lambda: shared


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"  # Redis is shared with other runs and never flushed


def test_counts_in_every_window_or_in_none(make_counters: object) -> None:
    c: WindowCounters = make_counters()  # type: ignore[operator]
    day, minute = _key(), _key()
    windows = [Window(day, 5, 100), Window(minute, 2, 100)]
    assert [c.take(windows).counts for _ in range(2)] == [(1, 1), (2, 2)]
    refused = c.take(windows)
    assert (refused.refused, refused.counts) == (1, (2, 2))
    assert c.counts([day, minute]) == (2, 2)  # the refused call counted nowhere
    assert c.counts([_key()]) == (0,)


def test_first_full_window_is_reported(make_counters: object) -> None:
    c: WindowCounters = make_counters()  # type: ignore[operator]
    day = _key()
    c.take([Window(day, 1, 100)])
    taken = c.take([Window(day, 1, 100), Window(_key(), 0, 100)])
    assert taken.refused == 0  # both are full: the first one is named


def test_racing_callers_never_exceed_the_limit(make_counters: object) -> None:
    """Eight threads, each with its own counters object (its own Redis connection), race for 25 calls."""
    key = _key()
    granted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        c: WindowCounters = make_counters()  # type: ignore[operator]
        for _ in range(10):
            if c.take([Window(key, 25, 100)]).refused is None:
                with lock:
                    granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 25


def test_two_processes_draw_on_one_query_budget(make_counters: object) -> None:
    """Two API processes' limiters (same store) share a key's minute: the 4th call anywhere is refused."""
    now = [1_733_227_200.0]
    a = QueryLimiter(lambda _p: (3, 100), make_counters(), clock=lambda: now[0])  # type: ignore[operator]
    b = QueryLimiter(lambda _p: (3, 100), make_counters(), clock=lambda: now[0])  # type: ignore[operator]
    key = _key()
    assert [a.hit(key, "free").left_minute, b.hit(key, "free").left_minute, a.hit(key, "free").left_minute] == [
        2,
        1,
        0,
    ]
    with pytest.raises(LimitExceeded) as e:
        b.hit(key, "free")
    assert (e.value.number, e.value.retry_after) == (4290, 60)
    assert b.peek(key, "free").left_day == 97
    now[0] += 60  # the next minute
    assert b.hit(key, "free").left_minute == 2


def test_unreachable_redis_is_unavailable_not_a_crash() -> None:
    from traitbase.errors import Unavailable

    c = RedisWindowCounters("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(Unavailable):
        c.take([Window(_key(), 3, 60)])
    with pytest.raises(Unavailable):
        c.counts([_key()])
