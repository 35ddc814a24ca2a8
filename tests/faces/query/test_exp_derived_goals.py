# ruff: noqa: E501  (a table of hand-counted values reads best one row per line)
"""Goals reached by what visitors did (custom events, page URLs, element clicks), through ``/collect``.

Experience "Derived goals" (POPUP): v1 (baseline) and v2; goals g3 "Signup" (event ``signup``), g4
"Thanks" (url ``/thanks``), g5 "Buy" (click ``Buy button``), g6 "Revenue" (event ``purchase``, sum of
``price``), g7 "Basket" (event ``purchase``, average of ``items``). All on 2024-12-01 (times as in
``fixture``), on top of ``fixture``'s data set (its visitors never view this experience: their
``Buy button`` clicks count for no goal here). Before / after: relative to the visitor's first view.

| visitor | device | version | before the view | after the view |
|---|---|---|---|---|
| P | PC | v1 | signup | signup; click Buy button; purchase {price 30, items 2}; page /thanks |
| Q | PC | v1 | page /thanks?from=mail; click Buy button; purchase {price 100} | explicit goal g3; signup; purchase {price "12.5", items "4"}; explicit goal g6 {price 5} |
| R | Mobile | v2 | — | page /thanks?order=1; purchase {price 20} (no items); on 2024-12-03: purchase {price 1000} |
| S | PC | v2 | — | signup_started (not ``signup``); page /Thanks (the match is case-sensitive) |
| U | PC | none | page /thanks; signup; click Buy button (never views: in no version) | |

Reached: g3 P, Q (Q by its explicit action and by its event: once) = 2; g4 P, R = 2; g5 P = 1;
g6 P, Q, R = 3; g7 P, Q, R = 3 (R's purchase has no ``items``: reached, no value); any goal P, Q, R = 3
of 4 viewers. Values: g6 sum 30 + 12.5 + 5 + 20 = 67.5 (Q's purchase before the view is left out), v1
47.5, v2 20; g7 average per viewer (2 + 4) / 4 = 1.5, v1 6 / 2 = 3.0, v2 0 / 2 = 0.0. Over
2024-12-01 to 2024-12-03, R's later purchase adds 1000 (v2 1020); on 2024-12-03 alone nobody views,
so nobody is assigned and R's purchase reaches nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.collect.conftest import site_key
from tests.faces.query.conftest import Ask
from tests.faces.query.exp_fixture import SEC, _x, ok
from tests.faces.query.fixture import DAY, HOUR, LP, UA, T, _click, _ev, _pv, _send

THANKS = "https://shop.example/thanks"
EXPERIENCE: dict[str, Any] = {
    "name": "Derived goals", "type": "POPUP", "status": "RUNNING",
    "versions": [{"name": "Original", "weight": 50, "baseline": True}, {"name": "Bold", "weight": 50}],
    "goals": [{"name": "Signup", "type": "event", "match": "signup"},
              {"name": "Thanks", "type": "url", "match": "/thanks"},
              {"name": "Buy", "type": "click", "match": "Buy button"},
              {"name": "Revenue", "type": "event", "match": "purchase", "countBy": "sum", "property": "price"},
              {"name": "Basket", "type": "event", "match": "purchase", "countBy": "average", "property": "items"}],
}  # fmt: skip


@pytest.fixture
def ask(counted_ask: Ask) -> Ask:
    return counted_ask


def _custom(n: str, ts: int, page: str, url: str, name: str, **props: Any) -> dict[str, Any]:
    return _ev("custom", f"dg-cu-{n}", ts, page, url, name=name, properties=props)


def _buy(page: str, ts: int, url: str) -> dict[str, Any]:
    return _click(page, 1, ts, url, 0.5, 900, "#buy", "Buy button")


@pytest.fixture(scope="module")
def derived(counted: Env) -> str:
    pid = counted.boot.project_id
    r = counted.client.post(f"/admin/v1/projects/{pid}/experiences", headers=counted.admin, json=EXPERIENCE)
    assert r.status_code == 201, r.text
    eid: str = r.json()["data"]["id"]
    assert [g["id"] for g in r.json()["data"]["goals"]] == ["g3", "g4", "g5", "g6", "g7"]
    key = site_key(counted)
    tp, tq, tr, ts, tu = T + 5 * HOUR, T + 6 * HOUR, T + 7 * HOUR, T + 8 * HOUR, T + 9 * HOUR
    _send(counted, key, "derived-visitor-p", UA["pc"], [
        _pv("dg-p1", tp, LP, (1280, 800), 4000),
        _custom("p1", tp + SEC, "dg-p1", LP, "signup"),
        _x("dg-p1", tp + 2 * SEC, "dg-p1", LP, "v1", "view", exp=eid),
        _custom("p2", tp + 3 * SEC, "dg-p1", LP, "signup"),
        _buy("dg-p1", tp + 4 * SEC, LP),
        _custom("p3", tp + 5 * SEC, "dg-p1", LP, "purchase", price=30, items=2),
        _pv("dg-p2", tp + 10 * SEC, THANKS, (1280, 800), 2000, referrer=LP),
    ])  # fmt: skip
    _send(counted, key, "derived-visitor-q", UA["pc"], [
        _pv("dg-q1", tq, THANKS + "?from=mail", (1280, 800), 2000),
        _buy("dg-q1", tq + SEC, THANKS + "?from=mail"),
        _custom("q1", tq + SEC + 500, "dg-q1", THANKS + "?from=mail", "purchase", price=100),
        _x("dg-q1", tq + 2 * SEC, "dg-q1", THANKS + "?from=mail", "v1", "view", exp=eid),
        _x("dg-q2", tq + 3 * SEC, "dg-q1", THANKS + "?from=mail", "v1", "goal", exp=eid, goal="g3"),
        _custom("q2", tq + 4 * SEC, "dg-q1", THANKS + "?from=mail", "signup"),
        _custom("q3", tq + 5 * SEC, "dg-q1", THANKS + "?from=mail", "purchase", price="12.5", items="4"),
        _x("dg-q3", tq + 6 * SEC, "dg-q1", THANKS + "?from=mail", "v1", "goal", exp=eid, goal="g6",
           fields={"price": "5"}),
    ])  # fmt: skip
    _send(counted, key, "derived-visitor-r", UA["iphone"], [
        _pv("dg-r1", tr, LP, (390, 700), 6000),
        _x("dg-r1", tr + SEC, "dg-r1", LP, "v2", "view", exp=eid),
        _pv("dg-r2", tr + 10 * SEC, THANKS + "?order=1", (390, 700), 2000, referrer=LP),
        _custom("r1", tr + 11 * SEC, "dg-r2", THANKS + "?order=1", "purchase", price=20),
    ])  # fmt: skip
    _send(counted, key, "derived-visitor-r", UA["iphone"], [  # two days later: outside the default range
        _pv("dg-r3", tr + 2 * DAY, LP, (390, 700), 6000),
        _custom("r2", tr + 2 * DAY + SEC, "dg-r3", LP, "purchase", price=1000),
    ])  # fmt: skip
    _send(counted, key, "derived-visitor-s", UA["pc"], [
        _pv("dg-s1", ts, LP, (1280, 800), 4000),
        _x("dg-s1", ts + SEC, "dg-s1", LP, "v2", "view", exp=eid),
        _custom("s1", ts + 2 * SEC, "dg-s1", LP, "signup_started"),
        _pv("dg-s2", ts + 10 * SEC, "https://shop.example/Thanks", (1280, 800), 2000, referrer=LP),
    ])  # fmt: skip
    _send(counted, key, "derived-visitor-u", UA["pc"], [
        _pv("dg-u1", tu, THANKS, (1280, 800), 2000),
        _custom("u1", tu + SEC, "dg-u1", THANKS, "signup"),
        _buy("dg-u1", tu + 2 * SEC, THANKS),
    ])  # fmt: skip
    return eid


GOALS = [
    {"id": "g3", "name": "Signup", "reachedUsers": 2, "reachRate": "50.00%", "value": None},
    {"id": "g4", "name": "Thanks", "reachedUsers": 2, "reachRate": "50.00%", "value": None},
    {"id": "g5", "name": "Buy", "reachedUsers": 1, "reachRate": "25.00%", "value": None},
    {"id": "g6", "name": "Revenue", "reachedUsers": 3, "reachRate": "75.00%", "value": 67.5},
    {"id": "g7", "name": "Basket", "reachedUsers": 3, "reachRate": "75.00%", "value": 1.5},
]


def test_key_metrics_count_derived_goals(ask: Ask, derived: str) -> None:
    data = ok(ask, "report/metrics", id=derived)
    assert data["viewedUsers"]["value"] == 4
    assert data["goals"] == GOALS


def test_overview_distinct_reachers_over_explicit_and_derived(ask: Ask, derived: str) -> None:
    picked = ["viewedUsers", "goalReachedUsers", "goalReachRate", "goalStatus"]
    [row] = ok(ask, "report/overview", experiences=[{"id": derived, "name": "Derived goals"}], metrics=picked)
    assert {k: row[k]["value"] for k in picked} == {
        "viewedUsers": 4, "goalReachedUsers": 3, "goalReachRate": "75.00%", "goalStatus": GOALS}  # fmt: skip


def _ab(ask: Ask, eid: str, goal: str, **body: Any) -> list[tuple[str, int, Any]]:
    rows = ok(ask, "report/abtest/metrics", id=eid, compareBy="goalReached", goalId=goal, **body)
    return [(r["versionId"], r["goalReached"]["value"], r.get("goalValue")) for r in rows]


def test_abtest_per_version(ask: Ask, derived: str) -> None:
    assert _ab(ask, derived, "g3") == [("v1", 2, None), ("v2", 0, None)]
    assert _ab(ask, derived, "g4") == [("v1", 1, None), ("v2", 1, None)]
    assert _ab(ask, derived, "g5") == [("v1", 1, None), ("v2", 0, None)]
    assert _ab(ask, derived, "g6") == [("v1", 2, 47.5), ("v2", 1, 20.0)]
    assert _ab(ask, derived, "g7") == [("v1", 2, 3.0), ("v2", 1, 0.0)]


def test_abtest_insight_groups_derived_goals_by_the_activity(ask: Ask, derived: str) -> None:
    grouped = ok(ask, "report/abtest/insight", id=derived, compareBy="goalReached", goalId="g6",
                 dimension="terminalType")  # fmt: skip
    assert [(g["terminalType"], [(r["versionId"], r["goalReached"]["value"], r["goalValue"]) for r in g["versions"]])
            for g in grouped] == [
        ("Mobile", [("v1", 0, 0.0), ("v2", 1, 20.0)]),
        ("PC", [("v1", 2, 47.5), ("v2", 0, 0.0)]),
    ]  # fmt: skip


def test_the_range_bounds_derived_goals_and_assignment(ask: Ask, derived: str) -> None:
    wider = ok(ask, "report/metrics", id=derived, endDate="2024-12-03")
    assert [(g["id"], g["reachedUsers"], g["value"]) for g in wider["goals"]] == [
        ("g3", 2, None), ("g4", 2, None), ("g5", 1, None), ("g6", 3, 1067.5), ("g7", 3, 1.5)]  # fmt: skip
    assert _ab(ask, derived, "g6", endDate="2024-12-03") == [("v1", 2, 47.5), ("v2", 1, 1020.0)]
    later = ok(ask, "report/metrics", id=derived, startDate="2024-12-03", endDate="2024-12-03")
    assert later["viewedUsers"]["value"] == 0
    assert [(g["id"], g["reachedUsers"], g["value"]) for g in later["goals"]] == [
        ("g3", 0, None), ("g4", 0, None), ("g5", 0, None), ("g6", 0, 0.0), ("g7", 0, 0.0)]  # fmt: skip
