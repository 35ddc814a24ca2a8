"""Visits through /collect: batches out of order, merging, new vs returning, entrance and exit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.collect.conftest import MIN, T, batch, freeze, pageview, post, rows, site_key

# Client and server clocks agree, an hour after the first event.
NOW = T + 60 * MIN

VISITS = (
    "SELECT visit_number, pageviews, entry_url, exit_url, page_urls, source_type, start_time, end_time "
    "FROM tracker_visits ORDER BY start_time"
)


def visits(env: Env) -> list[dict[str, Any]]:
    """The stored visits with their start and end as epoch milliseconds (computed here: portable SQL)."""
    out = []
    for v in rows(env, VISITS):
        start, end = v.pop("start_time"), v.pop("end_time")
        out.append({**v, "start_ms": _ms(start), "end_ms": _ms(end)})
    return out


def _ms(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def env(env: Env) -> Env:
    freeze(env, NOW)
    return env


def page(n: int, minute: int, **extra: Any) -> dict[str, Any]:
    return pageview(f"p{n}", T + minute * MIN, url=f"https://shop.example/page{n}", **extra)


def test_one_visit_in_three_batches_out_of_order(env: Env) -> None:
    key = site_key(env)
    first = page(1, 0, referrer="https://www.google.com/")
    second = page(2, 10, referrer="https://shop.example/page1")
    third = page(3, 20, referrer="https://shop.example/page2")
    click = {
        "kind": "click",
        "id": "c",
        "ts": T + 21 * MIN,
        "page": "p3",
        "url": "https://shop.example/page3",
        "x": 0.2,
    }
    for events in ([third, click], [first], [second]):  # last, first, middle
        assert post(env, batch(*events, sent_at=NOW), site=key).status_code == 204
    assert visits(env) == [
        {
            "visit_number": 1,
            "pageviews": 3,
            "entry_url": "https://shop.example/page1",
            "exit_url": "https://shop.example/page3",
            "page_urls": ["https://shop.example/page1", "https://shop.example/page2", "https://shop.example/page3"],
            "source_type": "Search",
            "start_ms": T,
            "end_ms": T + 21 * MIN,
        }
    ]
    # Every stored row points at that one visit.
    (visit,) = rows(env, "SELECT visit_key FROM tracker_visits")
    keys = rows(env, "SELECT DISTINCT visit_key FROM (SELECT visit_key FROM tracker_pageviews UNION ALL "
                     "SELECT visit_key FROM tracker_clicks)")  # fmt: skip
    assert keys == [visit]
    assert rows(env, "SELECT visit_count FROM tracker_visitors") == [{"visit_count": 1}]


def test_an_idle_gap_makes_a_returning_visit(env: Env) -> None:
    key = site_key(env)
    assert post(env, batch(page(1, 0), page(2, 5), sent_at=NOW), site=key).status_code == 204
    assert post(env, batch(page(3, 45), sent_at=NOW), site=key).status_code == 204
    got = [(v["visit_number"], v["pageviews"], v["entry_url"], v["exit_url"]) for v in visits(env)]
    assert got == [
        (1, 2, "https://shop.example/page1", "https://shop.example/page2"),
        (2, 1, "https://shop.example/page3", "https://shop.example/page3"),
    ]


def test_a_late_batch_that_bridges_two_visits_merges_them(env: Env) -> None:
    key = site_key(env)
    assert post(env, batch(page(1, 0), sent_at=NOW), site=key).status_code == 204
    assert post(env, batch(page(3, 50), sent_at=NOW), site=key).status_code == 204
    assert [v["visit_number"] for v in visits(env)] == [1, 2]
    assert post(env, batch(page(2, 25), sent_at=NOW), site=key).status_code == 204
    (visit,) = visits(env)
    assert (visit["visit_number"], visit["pageviews"], visit["start_ms"], visit["end_ms"]) == (1, 3, T, T + 50 * MIN)
    assert rows(env, "SELECT count(DISTINCT visit_key) AS n FROM tracker_pageviews") == [{"n": 1}]
    assert rows(env, "SELECT visit_count FROM tracker_visitors") == [{"visit_count": 1}]


def test_visitors_have_their_own_visits(env: Env) -> None:
    key = site_key(env)
    assert post(env, batch(page(1, 0), visitor="a", sent_at=NOW), site=key).status_code == 204
    assert post(env, batch(page(1, 1), visitor="b", sent_at=NOW), site=key).status_code == 204
    assert [v["visit_number"] for v in visits(env)] == [1, 1]
