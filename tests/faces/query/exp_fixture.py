"""A hand-countable experience data set through ``POST /collect`` (times as in ``fixture``: T = 2024-12-01 08:00).

Experience "Spring popup" (POPUP): versions v1 (baseline, 50), v2 (50), v3 (deleted after E's view);
goal g4 "Signup" (event signup); form fields email, age.

| visitor | device, source | page views | experience actions (version) | visit duration | bounce |
|---|---|---|---|---|---|
| A | PC, Search | LP, then cart (+60 s) | view, click, form_submit {email, age}, goal g4 (v1) | 60 s | no |
| B | Mobile, Campaign | LP | view, close, form_submit {email b@x.example} (v2) | 30 s | yes |
| C | Tablet, AISearch | LP (T+1d) | view, close (v1) | 10 s | yes |
| D | PC, Direct | LP, then cart (+20 s) | view, click, goal g4 (v2) | 20 s | no |
| E | PC, Direct | LP | view (v3) | 5 s | yes |
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Env
from tests.faces.collect.conftest import site_key
from tests.faces.query.conftest import Ask
from tests.faces.query.fixture import (
    CAMPAIGN_URL,
    CART,
    DAY,
    END,
    HOUR,
    LP,
    MIN,
    REF_URL,
    START,
    UA,
    T,
    _ev,
    _pv,
    _send,
)

SEC = 1000
EXPERIENCE: dict[str, Any] = {
    "name": "Spring popup", "type": "POPUP", "status": "RUNNING", "member": "alice@example.com",
    "versions": [{"name": "Original", "weight": 50, "baseline": True}, {"name": "Bold", "weight": 50},
                 {"name": "Old", "weight": 0}],
    "goals": [{"name": "Signup", "type": "event", "match": "signup"}],
    "form": {"fields": [{"name": "email", "label": "Email"}, {"name": "age", "label": "Age"}]},
    "tags": ["spring"],
}  # fmt: skip


def _x(n: str, ts: int, page: str, url: str, version: str, action: str, **kw: Any) -> dict[str, Any]:
    return _ev("experience", f"x-{n}", ts, page, url, experience=kw.pop("exp"), version=version, action=action, **kw)


def build(env: Env) -> dict[str, Any]:
    """Create the experience, send the five visits, then delete v3. Returns the experience as stored."""
    pid = env.boot.project_id
    r = env.client.post(f"/admin/v1/projects/{pid}/experiences", headers=env.admin, json=EXPERIENCE)
    assert r.status_code == 201, r.text
    exp = r.json()["data"]
    eid = exp["id"]
    key = site_key(env)
    ta, tb, tc, td, te = T, T + 10 * MIN, T + DAY, T + 2 * HOUR, T + 3 * HOUR
    _send(env, key, "exp-visitor-a", UA["pc"], [
        _pv("a1", ta, LP, (1280, 800), 4000, referrer="https://www.google.com/search?q=shop"),
        _x("a1", ta + SEC, "a1", LP, "v1", "view", exp=eid),
        _x("a2", ta + 2 * SEC, "a1", LP, "v1", "click", exp=eid),
        _x("a3", ta + 3 * SEC, "a1", LP, "v1", "form_submit", exp=eid, fields={"email": "a@x.example", "age": "30"}),
        _x("a4", ta + 4 * SEC, "a1", LP, "v1", "goal", exp=eid, goal="g4"),
        _pv("a2", ta + MIN, CART, (1280, 800), 1500, referrer=LP),
    ])  # fmt: skip
    _send(env, key, "exp-visitor-b", UA["iphone"], [
        _pv("b1", tb, CAMPAIGN_URL, (390, 700), 6000),
        _x("b1", tb + SEC, "b1", CAMPAIGN_URL, "v2", "view", exp=eid),
        _x("b2", tb + 2 * SEC, "b1", CAMPAIGN_URL, "v2", "close", exp=eid),
        _x("b3", tb + 30 * SEC, "b1", CAMPAIGN_URL, "v2", "form_submit", exp=eid, fields={"email": "b@x.example"}),
    ])  # fmt: skip
    _send(env, key, "exp-visitor-c", UA["ipad"], [
        _pv("c1", tc, REF_URL, (1024, 1024), 3000, referrer="https://chatgpt.com/"),
        _x("c1", tc + SEC, "c1", REF_URL, "v1", "view", exp=eid),
        _x("c2", tc + 10 * SEC, "c1", REF_URL, "v1", "close", exp=eid),
    ])  # fmt: skip
    _send(env, key, "exp-visitor-d", UA["pc"], [
        _pv("d1", td, LP, (1280, 800), 4000),
        _x("d1", td + SEC, "d1", LP, "v2", "view", exp=eid),
        _x("d2", td + 2 * SEC, "d1", LP, "v2", "click", exp=eid),
        _x("d3", td + 5 * SEC, "d1", LP, "v2", "goal", exp=eid, goal="g4"),
        _pv("d2", td + 20 * SEC, CART, (1280, 800), 1500, referrer=LP),
    ])  # fmt: skip
    _send(env, key, "exp-visitor-e", UA["pc"], [
        _pv("e1", te, LP, (1280, 800), 4000),
        _x("e1", te + 5 * SEC, "e1", LP, "v3", "view", exp=eid),
    ])  # fmt: skip
    keep = [
        {"id": "v1", "name": "Original", "weight": 50, "baseline": True},
        {"id": "v2", "name": "Bold", "weight": 50},
    ]
    goals = [{"id": "g4", "name": "Signup", "type": "event", "match": "signup"}]
    r = env.client.put(f"/admin/v1/projects/{pid}/experiences/{eid}", headers=env.admin,
                       json={**EXPERIENCE, "versions": keep, "goals": goals})  # fmt: skip
    assert r.status_code == 200, r.text
    stored: dict[str, Any] = r.json()["data"]
    return stored


def call(ask: Ask, path: str, **body: Any) -> Any:
    """``POST /open-api/v1/experience/{path}`` over the data set's range unless the body says otherwise."""
    return ask(f"/open-api/v1/experience/{path}", **{"startDate": START, "endDate": END, **body})


def ok(ask: Ask, path: str, **body: Any) -> Any:
    """``call``'s ``data``, once the answer is a 200 with code 200."""
    r = call(ask, path, **body)
    assert r.status_code == 200, r.text
    assert r.json()["code"] == 200
    return r.json()["data"]
