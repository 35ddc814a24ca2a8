"""Goals counted by users, by a property's sum and by its average, through ``/collect`` (hand-counted).

Experience "Checkout bar" (STICKY_BAR): v1 (baseline) and v2; goals g1 "Signup" (users), g2 "Revenue"
(sum of ``price``), g3 "Basket" (average of ``items``). All on 2024-12-01 (times as in ``fixture``).

| visitor | version | goal actions (fields) |
|---|---|---|
| P | v1 | g1; g2 {price 30}; g2 {price 12.5}; g3 {items 2} |
| Q | v1 | g2 {price "abc"} (not a number: left out of the sum, Q still reached g2) |
| R | v2 | g2 {price 20}; g3 {items 4} |
| S | v2 | — |

Runs on every warehouse engine (the module's ``counted`` data set). Every visitor views once.
Experience-wide: 4 viewers; g1 reached by P (1), g2 by P, Q, R (3), g3 by P, R (2); any goal by
P, Q, R (3 distinct users, not 1 + 3 + 2). Values: g2 sum 30 + 12.5 + 20 = 62.5; g3 average per
viewer (2 + 4) / 4 = 1.5. Per version: v1 g2 sum 42.5, g3 2 / 2 = 1.0; v2 g2 sum 20, g3 4 / 2 = 2.0.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.collect.conftest import site_key
from tests.faces.query.conftest import Ask
from tests.faces.query.exp_fixture import SEC, _x, ok
from tests.faces.query.fixture import END, LP, MIN, START, UA, T, _pv, _send

BAR: dict[str, Any] = {
    "name": "Checkout bar", "type": "STICKY_BAR", "status": "RUNNING",
    "versions": [{"name": "Original", "weight": 50, "baseline": True}, {"name": "Free shipping", "weight": 50}],
    "goals": [{"name": "Signup", "type": "event", "match": "signup"},
              {"name": "Revenue", "type": "event", "match": "purchase", "countBy": "sum", "property": "price"},
              {"name": "Basket", "type": "event", "match": "basket", "countBy": "average", "property": "items"}],
}  # fmt: skip


@pytest.fixture
def ask(counted_ask: Ask) -> Ask:
    return counted_ask


@pytest.fixture(scope="module")
def bar(counted: Env) -> str:
    """The experience and its visitors, sent once per module on each warehouse engine."""
    data = counted
    pid = data.boot.project_id
    r = data.client.post(f"/admin/v1/projects/{pid}/experiences", headers=data.admin, json=BAR)
    assert r.status_code == 201, r.text
    eid: str = r.json()["data"]["id"]
    assert [g["id"] for g in r.json()["data"]["goals"]] == ["g3", "g4", "g5"]  # ids follow the versions'
    g_signup, g_revenue, g_basket = "g3", "g4", "g5"
    key = site_key(data)
    visits: dict[str, tuple[str, list[tuple[str, dict[str, str]]]]] = {
        "p": ("v1", [(g_signup, {}), (g_revenue, {"price": "30"}), (g_revenue, {"price": "12.5"}),
                     (g_basket, {"items": "2"})]),
        "q": ("v1", [(g_revenue, {"price": "abc"})]),
        "r": ("v2", [(g_revenue, {"price": "20"}), (g_basket, {"items": "4"})]),
        "s": ("v2", []),
    }  # fmt: skip
    for i, (who, (version, goals)) in enumerate(visits.items()):
        ts = T + i * 10 * MIN
        events = [_pv(f"{who}1", ts, LP, (1280, 800), 4000),
                  _x(f"{who}0", ts + SEC, f"{who}1", LP, version, "view", exp=eid)]  # fmt: skip
        for j, (goal, fields) in enumerate(goals):
            events.append(_x(f"{who}{j + 1}", ts + (j + 2) * SEC, f"{who}1", LP, version, "goal", exp=eid,
                             goal=goal, fields=fields))  # fmt: skip
        _send(data, key, f"goal-visitor-{who}", UA["pc"], events)
    return eid


GOALS = [
    {"id": "g3", "name": "Signup", "reachedUsers": 1, "reachRate": "25.00%", "value": None},
    {"id": "g4", "name": "Revenue", "reachedUsers": 3, "reachRate": "75.00%", "value": 62.5},
    {"id": "g5", "name": "Basket", "reachedUsers": 2, "reachRate": "50.00%", "value": 1.5},
]


def test_key_metrics_goal_values_are_numbers(ask: Ask, bar: str) -> None:
    assert ok(ask, "report/metrics", id=bar)["goals"] == GOALS


def test_overview_goal_status_and_distinct_goal_reachers(ask: Ask, bar: str) -> None:
    picked = ["goalReachedUsers", "goalReachRate", "goalStatus"]
    [row] = ok(ask, "report/overview", experiences=[{"id": bar, "name": "Checkout bar"}], metrics=picked)
    assert row["goalReachedUsers"]["value"] == 3
    assert row["goalReachRate"]["value"] == "75.00%"
    assert row["goalStatus"]["value"] == GOALS


def test_abtest_on_a_valued_goal_adds_each_versions_value(ask: Ask, bar: str) -> None:
    rows = ok(ask, "report/abtest/metrics", id=bar, compareBy="goalReached", goalId="g4")
    assert [(r["versionId"], r["goalReached"]["value"], r["goalValue"]) for r in rows] == [
        ("v1", 2, 42.5), ("v2", 1, 20.0)]  # fmt: skip
    basket = ok(ask, "report/abtest/metrics", id=bar, compareBy="goalReached", goalId="g5")
    assert [(r["versionId"], r["goalReached"]["value"], r["goalValue"]) for r in basket] == [
        ("v1", 1, 1.0), ("v2", 1, 2.0)]  # fmt: skip
    users = ok(ask, "report/abtest/metrics", id=bar, compareBy="goalReached", goalId="g3")
    assert all("goalValue" not in r for r in users)
    grouped = ok(ask, "report/abtest/insight", id=bar, compareBy="goalReached", goalId="g4", dimension="terminalType")
    assert [(g["terminalType"], [(r["versionId"], r["goalValue"]) for r in g["versions"]]) for g in grouped] == [
        ("PC", [("v1", 42.5), ("v2", 20.0)])]  # fmt: skip


def test_abtest_insight_refuses_a_goal_of_another_experience(ask: Ask, bar: str) -> None:
    r = ask("/open-api/v1/experience/report/abtest/insight", startDate=START, endDate=END, id=bar,
            compareBy="goalReached", goalId="g99", dimension="terminalType")  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == 4013, r.text
