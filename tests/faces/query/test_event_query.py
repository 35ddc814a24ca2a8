"""``event/query`` and ``event/fields`` over tracker custom events and events-face events (hand-countable).

On top of ``fixture`` (visitor B's ``signup_started {method: email}``: Mobile, Campaign newsletter, new,
bounce visit, 2024-12-01):

| source | who | when | events | visit |
|---|---|---|---|---|
| /collect | ev-x (PC, Direct) | 12-01 13:00 | gallery_item_impression ×3 (position home, home, footer) | new, bounce |
| /collect | ev-y (PC, Search) | 12-02 09:00 | gallery (home), conversion "Purchase complete" | new, no bounce |
| /v1/actions | u1 | 12-01 20:00 | gallery_item_impression (position home) | — |
| /v1/actions | u1 | 12-02 10:00 | level_start | — |
| /v1/playfab | P1 | 12-02 11:00 | player_logged_in | — |

Each test runs on every warehouse engine (embedded DuckDB, ClickHouse) with the same expected values.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.collect.conftest import site_key
from tests.faces.query.conftest import Ask
from tests.faces.query.fixture import CART, DAY, HOUR, LP, UA, T, _ev, _pv, _send
from traitbase.domain.analytics.errors import STATUS


# Every test here only reads: the data set is built once per module on each warehouse engine
# (conftest.counted), and each test runs on every engine with the same expected values.
@pytest.fixture
def ask(counted_ask: Ask) -> Ask:
    return counted_ask


@pytest.fixture
def data(counted: Env) -> Env:
    return counted


@pytest.fixture
def qkey(counted_key: str) -> str:
    return counted_key


GALLERY = "gallery_item_impression"
PIN = {"name": "eventName", "op": "include", "value": [GALLERY]}


@pytest.fixture(scope="module")
def events(counted: Env) -> Env:
    data = counted
    key = site_key(data)
    tx, ty = T + 5 * HOUR, T + DAY + HOUR
    _send(data, key, "ev-x", UA["pc"], [
        _pv("x1", tx, LP, (1280, 800), 4000),
        *[_ev("custom", f"cx{i}", tx + (i + 1) * 1000, "x1", LP, name=GALLERY, properties={"position": pos})
          for i, pos in enumerate(["home", "home", "footer"])],
    ])  # fmt: skip
    _send(data, key, "ev-y", UA["pc"], [
        _pv("y1", ty, LP, (1280, 800), 4000, referrer="https://www.google.com/search?q=x"),
        _ev("custom", "cy1", ty + 1000, "y1", LP, name=GALLERY, properties={"position": "home"}),
        _ev("conversion", "cvy", ty + 2000, "y1", LP, goal="Purchase complete"),
        _pv("y2", ty + 60_000, CART, (1280, 800), 1500, referrer=LP),
    ])  # fmt: skip
    upload = {"Authorization": f"Bearer {data.key(['upload'])}"}
    actions = {"actions": [
        {"user_id": "u1", "action_id": "a1", "action_name": GALLERY, "timestamp": "2024-12-01 20:00:00",
         "action_params": [{"key": "position", "value": "home"}]},
        {"user_id": "u1", "action_id": "a2", "action_name": "level_start", "timestamp": "2024-12-02 10:00:00"},
    ]}  # fmt: skip
    assert data.client.post("/v1/actions", json=actions, headers=upload).status_code == 201
    playfab = {"EventName": "player_logged_in", "EntityType": "player", "EntityId": "P1", "EventId": "pf1",
               "Timestamp": "2024-12-02T11:00:00Z"}  # fmt: skip
    assert data.client.post(f"/v1/playfab?api_key={data.key(['upload'])}", json=playfab).status_code == 201
    return data


def q(ask: Ask, **body: Any) -> Any:
    return ask("/open-api/v1/event/query", **{"startDate": "2024-12-01", "endDate": "2024-12-02", **body})


def rows(ask: Ask, **body: Any) -> dict[str, Any]:
    r = q(ask, **body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def test_a_minimal_count_per_name(ask: Ask, events: Env) -> None:
    assert rows(ask, dimensions=["eventName"], metrics=["eventCount", "sessions"]) == {
        "columns": ["eventName", "eventCount", "sessions"],
        "rows": [[GALLERY, 5, 3], ["level_start", 1, 1], ["player_logged_in", 1, 1], ["signup_started", 1, 1]],
    }


def test_b_time_series_per_day(ask: Ask, events: Env) -> None:
    assert rows(ask, dimensions=["eventName", "day"]) == {
        "columns": ["eventName", "day", "eventCount"],
        "rows": [[GALLERY, "2024-12-01", 4], [GALLERY, "2024-12-02", 1], ["level_start", "2024-12-02", 1],
                 ["player_logged_in", "2024-12-02", 1], ["signup_started", "2024-12-01", 1]],
    }  # fmt: skip


def test_c_conversion_name_fuzzy(ask: Ask, events: Env) -> None:
    filters = [{"name": "conversionName", "op": "include", "value": ["PURCHASE"]}]
    assert rows(ask, dimensions=["eventName"], filters=filters) == {
        "columns": ["eventName", "eventCount"],
        "rows": [[GALLERY, 1]],
    }
    r = q(ask, dimensions=["eventName"], filters=[{"name": "conversionName", "op": "include", "value": ["ptmind"]}])
    assert (r.status_code, r.json()["code"]) == (400, 4012)


def test_d_event_variable_group_and_filter(ask: Ask, events: Env) -> None:
    dims = ["eventName", {"name": "eventVariable", "eventVariant": "position"}]
    assert rows(ask, dimensions=dims, filters=[PIN]) == {
        "columns": ["eventName", "position", "eventCount"],
        "rows": [[GALLERY, "footer", 1], [GALLERY, "home", 4]],
    }
    home = {"name": "eventVariable", "eventName": GALLERY, "eventVariant": "position", "op": "include",
            "value": ["home"]}  # fmt: skip
    assert rows(ask, dimensions=dims, filters=[PIN, home], metrics=["eventCount", "sessions"]) == {
        "columns": ["eventName", "position", "eventCount", "sessions"],
        "rows": [[GALLERY, "home", 4, 3]],
    }


def test_e_source_breakdown(ask: Ask, events: Env) -> None:
    pin = {"name": "eventName", "op": "include", "value": ["signup_started"]}
    assert rows(ask, dimensions=["eventName", "utmSource", "sourceType"], filters=[pin]) == {
        "columns": ["eventName", "utmSource", "sourceType", "eventCount"],
        "rows": [["signup_started", "newsletter", "Campaign", 1]],
    }


def test_f_new_visitors_on_pc(ask: Ask, events: Env) -> None:
    filters = [{"name": "visitType", "op": "include", "value": ["New visits"]},
               {"name": "deviceType", "op": "include", "value": ["PC"]}]  # fmt: skip
    assert rows(ask, dimensions=["eventName"], filters=filters) == {
        "columns": ["eventName", "eventCount"],
        "rows": [[GALLERY, 4]],
    }
    geo = [*filters, {"name": "country", "op": "include", "value": ["Japan", "China"]}]
    assert rows(ask, dimensions=["eventName"], filters=geo) == {"columns": ["eventName", "eventCount"], "rows": []}


def test_g_exclude_bounced(ask: Ask, events: Env) -> None:
    filters = [{"name": "exitType", "op": "exclude", "value": ["Bounce visits"]}]
    assert rows(ask, dimensions=["eventName"], filters=filters) == {
        "columns": ["eventName", "eventCount"],
        "rows": [[GALLERY, 1]],
    }


# Times of the events (UTC): signup_started 12-01 08:10; gallery ×3 12-01 13:00, u1's gallery 12-01 20:00,
# ev-y's gallery 12-02 09:00; level_start 12-02 10:00; player_logged_in 12-02 11:00. 2024-12-01 is a
# Sunday (ISO week 48), 2024-12-02 a Monday (week 49).
TIMES = {
    "hour": [[GALLERY, 9, 1], [GALLERY, 13, 3], [GALLERY, 20, 1], ["level_start", 10, 1],
             ["player_logged_in", 11, 1], ["signup_started", 8, 1]],
    "week": [[GALLERY, "2024-W48", 4], [GALLERY, "2024-W49", 1], ["level_start", "2024-W49", 1],
             ["player_logged_in", "2024-W49", 1], ["signup_started", "2024-W48", 1]],
    "month": [[GALLERY, "2024-12", 5], ["level_start", "2024-12", 1], ["player_logged_in", "2024-12", 1],
              ["signup_started", "2024-12", 1]],
}  # fmt: skip


@pytest.mark.parametrize("time", sorted(TIMES))
def test_every_time_dimension(ask: Ask, events: Env, time: str) -> None:
    assert rows(ask, dimensions=["eventName", time]) == {"columns": ["eventName", time, "eventCount"],
                                                          "rows": TIMES[time]}  # fmt: skip


def test_every_dimension_splits_the_five_gallery_events(ask: Ask, events: Env) -> None:
    from traitbase.domain.analytics.event_query import DIMENSIONS

    for name in sorted(set(DIMENSIONS) - {"eventName"}):
        got = rows(ask, dimensions=["eventName", name], filters=[PIN])
        assert got["columns"] == ["eventName", name, "eventCount"], name
        assert sum(r[2] for r in got["rows"]) == 5, (name, got)
    # The entry pages of the tracker events' visits: x1 and y1 on /lp (u1's action has no visit).
    assert rows(ask, dimensions=["eventName", "combinedPages"], filters=[PIN])["rows"] == [
        [GALLERY, "", 1], [GALLERY, LP, 4]]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"dimensions": ["day"]}, 4018),
        ({"dimensions": ["eventName", "country", "region", "os"], "filters": [PIN]}, 4018),
        ({"dimensions": ["eventName", "day", "hour"]}, 4018),
        ({"dimensions": ["eventName", "bogus"]}, 4018),
        ({"dimensions": ["eventName"], "metrics": ["pv"]}, 4018),
        ({"dimensions": ["eventName", "country"]}, 4018),
        ({"dimensions": ["eventName", {"name": "eventVariable", "eventVariant": "position"}]}, 4018),
        ({"dimensions": ["eventName"], "filters": [{"name": "eventVariable", "eventName": GALLERY,
                                                    "eventVariant": "position", "op": "include", "value": ["x"]}]},
         4018),
        ({"dimensions": ["eventName"], "filters": [{"name": "customDimension", "op": "include", "value": ["x"]}]},
         4018),
        ({"dimensions": ["eventName"], "filters": [{"name": "country", "op": "equals", "value": ["x"]}]}, 4019),
        ({}, 4013),
        ({"dimensions": ["eventName"], "startDate": "12/01/2024"}, 4002),
    ],
)  # fmt: skip
def test_errors(ask: Ask, events: Env, body: dict[str, Any], code: int) -> None:
    r = q(ask, **body)
    assert (r.status_code, r.json()["code"]) == (STATUS[code], code), r.text


def test_fields_are_localized(data: Env, qkey: str) -> None:
    r = data.client.get("/open-api/v1/event/fields", params={"lang": "JP"}, headers={"x-api-key": qkey})
    assert r.status_code == 200 and r.headers["X-RateLimit-Tier"]
    body = r.json()["data"]
    assert body["metrics"] == [
        {"name": "eventCount", "label": "イベント数"},
        {"name": "sessions", "label": "セッション数"},
    ]
    assert body["operators"] == [{"name": "include", "label": "含む"}, {"name": "exclude", "label": "除外"}]
    assert {"name": "day", "label": "日付", "time": True} in body["dimensions"]
    assert body["enums"]["sourceType"] == ["Direct", "Search", "Social", "Referral", "Campaign", "AISearch"]
    assert data.client.get("/open-api/v1/event/fields").json()["code"] == 4010
