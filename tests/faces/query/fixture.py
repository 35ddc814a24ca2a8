# ruff: noqa: E501  (tables of hand-counted values read best one row per line)
"""A small hand-countable data set built through the real ``POST /collect`` endpoint.

Times: T = 2024-12-01 08:00 UTC (a Sunday). Page: https://shop.example/lp (merged form).

| visit | visitor | device | source | page views of /lp (url) | leave: active, max_scroll/viewport | blocks (s, seen) | clicks | conversion |
|---|---|---|---|---|---|---|---|---|
| V1 T | A (new) | PC Chrome/Windows | Search (google) | p1 /lp, then p2 /cart | 30 s, 2000/800 | Hero 10 y, Plans 4 y, Footer 0 n | #buy (Buy button) | "Purchase complete" on p2 |
| V2 T+10m | B (new) | Mobile iPhone | Campaign (utm newsletter/email/spring) | p3 /lp?utm_… | 5 s, 700/700 | Hero 5 y | — | — ; dimension plan=pro; custom signup_started {method: email} |
| V3 T+2h | A (returning) | PC | Direct | p4 /lp | 60 s, 3000/800 | Hero 20 y, Plans 8 y, Footer 3 y | #menu (Menu), #buy ×2 | "Newsletter signup" |
| V4 T+3h | bot (HeadlessChrome) | PC | Direct | p5 /lp | 10 s | — | #buy | — (bots are left out) |
| V5 T+1d | C (new) | Tablet iPad | AISearch (ChatGPT) | p6 /lp?ref=x | 90 s, 1024/1024 | — | — | — |

Element views: Buy button on p1 and p4; Menu on p4.
Page configuration (merged /lp): PC blocks Hero, Plans, Footer and elements Buy button (CTA), Menu;
MOBILE blocks Hero. Goals: "Purchase complete" and "Newsletter signup" (event goals).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Env
from tests.faces.collect.conftest import freeze, site_key

T = 1_733_040_000_000
MIN = 60_000
HOUR = 60 * MIN
DAY = 24 * HOUR
LP = "https://shop.example/lp"
CAMPAIGN_URL = LP + "?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
REF_URL = LP + "?ref=x"
CART = "https://shop.example/cart"
START, END = "2024-12-01", "2024-12-02"

UA = {
    "pc": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "ipad": "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
    "Mobile/15E148 Safari/604.1",
    "bot": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
}


def _pv(
    page: str, ts: int, url: str, viewport: tuple[int, int], height: int, referrer: str = "", **kw: Any
) -> dict[str, Any]:
    return {"kind": "pageview", "id": f"pv-{page}", "ts": ts, "page": page, "url": url, "referrer": referrer,
            "viewport": list(viewport), "page_height": height, "screen": f"{viewport[0]}x{viewport[1]}", **kw}  # fmt: skip


def _leave(
    page: str, ts: int, url: str, active: int, scroll: int, height: int, blocks: list[tuple[str, float, bool]]
) -> dict[str, Any]:
    return {"kind": "pageleave", "id": f"l-{page}", "ts": ts, "page": page, "url": url, "active_ms": active,
            "max_scroll": scroll, "page_height": height,
            "blocks": [{"name": n, "seconds": s, "seen": y} for n, s, y in blocks]}  # fmt: skip


def _click(page: str, n: int, ts: int, url: str, x: float, y: int, selector: str, element: str) -> dict[str, Any]:
    return {"kind": "click", "id": f"c-{page}-{n}", "ts": ts, "page": page, "url": url, "x": x, "y": y,
            "selector": selector, "text": element, "element": element}  # fmt: skip


def _ev(kind: str, ident: str, ts: int, page: str | None, url: str | None, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"kind": kind, "id": ident, "ts": ts, **kw}
    if page:
        e.update(page=page, url=url)
    return e


def _send(env: Env, key: str, visitor: str, ua: str, events: list[dict[str, Any]]) -> None:
    last = max(e["ts"] for e in events)
    freeze(env, last)
    body = json.dumps({"visitor": visitor, "sent_at": last, "events": events}).encode()
    r = env.client.post(f"/collect?site={key}", content=body,
                        headers={"content-type": "text/plain;charset=UTF-8", "user-agent": ua})  # fmt: skip
    assert r.status_code == 204, r.text


def configure(env: Env) -> None:
    pid = env.boot.project_id
    pages = [
        ("PC", [{"name": "Hero", "selector": "#hero"}, {"name": "Plans", "selector": "#plans"},
                {"name": "Footer", "selector": "footer"}],
         [{"name": "Buy button", "selector": "#buy", "cta": True}, {"name": "Menu", "selector": "#menu"}]),
        ("MOBILE", [{"name": "Hero", "selector": "#hero"}], []),
    ]  # fmt: skip
    for device, blocks, elements in pages:
        r = env.client.put(f"/admin/v1/projects/{pid}/pages", headers=env.admin, json={
            "url": LP, "match": "merged", "device": device, "environment": "production",
            "blocks": blocks, "elements": elements})  # fmt: skip
        assert r.status_code in (200, 201), r.text
    for name, match in (("Purchase complete", "purchase"), ("Newsletter signup", "newsletter")):
        r = env.client.put(f"/admin/v1/projects/{pid}/goals", headers=env.admin,
                           json={"name": name, "type": "event", "match": match, "environment": "production"})  # fmt: skip
        assert r.status_code in (200, 201), r.text


def build(env: Env) -> None:
    """Configure the page and goals, then send the five visits (see the module's table)."""
    configure(env)
    key = site_key(env)
    t1, t2, t3, t4, t5 = T, T + 10 * MIN, T + 2 * HOUR, T + 3 * HOUR, T + DAY
    _send(env, key, "visitor-a", UA["pc"], [
        _pv("p1", t1, LP, (1280, 800), 4000, referrer="https://www.google.com/search?q=shop"),
        _ev("element_view", "ev-p1", t1 + 1000, "p1", LP, element="Buy button"),
        _click("p1", 1, t1 + 5000, LP, 0.52, 930, "#buy", "Buy button"),
        _leave("p1", t1 + 30_000, LP, 30_000, 2000, 4000, [("Hero", 10, True), ("Plans", 4, True), ("Footer", 0, False)]),
        _pv("p2", t1 + MIN, CART, (1280, 800), 1500, referrer=LP),
        _ev("conversion", "cv-p2", t1 + MIN + 5000, "p2", CART, goal="Purchase complete"),
        _leave("p2", t1 + MIN + 10_000, CART, 10_000, 800, 1500, []),
    ])  # fmt: skip
    _send(env, key, "visitor-b", UA["iphone"], [
        _pv("p3", t2, CAMPAIGN_URL, (390, 700), 6000),
        _ev("dimension", "d-b", t2 + 100, None, None, name="plan", value="pro"),
        _ev("custom", "cu-b", t2 + 200, "p3", CAMPAIGN_URL, name="signup_started", properties={"method": "email"}),
        _leave("p3", t2 + 5000, CAMPAIGN_URL, 5000, 700, 6000, [("Hero", 5, True)]),
    ])  # fmt: skip
    _send(env, key, "visitor-a", UA["pc"], [
        _pv("p4", t3, LP, (1280, 800), 4000),
        _ev("element_view", "ev-p4a", t3 + 500, "p4", LP, element="Buy button"),
        _ev("element_view", "ev-p4b", t3 + 600, "p4", LP, element="Menu"),
        _click("p4", 1, t3 + 2000, LP, 0.05, 20, "#menu", "Menu"),
        _click("p4", 2, t3 + 3000, LP, 0.55, 950, "#buy", "Buy button"),
        _click("p4", 3, t3 + 4000, LP, 0.56, 960, "#buy", "Buy button"),
        _ev("conversion", "cv-p4", t3 + 5000, "p4", LP, goal="Newsletter signup"),
        _leave("p4", t3 + 60_000, LP, 60_000, 3000, 4000, [("Hero", 20, True), ("Plans", 8, True), ("Footer", 3, True)]),
    ])  # fmt: skip
    _send(env, key, "visitor-bot", UA["bot"], [
        _pv("p5", t4, LP, (1280, 800), 4000),
        _click("p5", 1, t4 + 1000, LP, 0.5, 900, "#buy", "Buy button"),
        _leave("p5", t4 + 10_000, LP, 10_000, 800, 4000, []),
    ])  # fmt: skip
    _send(env, key, "visitor-c", UA["ipad"], [
        _pv("p6", t5, REF_URL, (1024, 1024), 3000, referrer="https://chatgpt.com/"),
        _leave("p6", t5 + 90_000, REF_URL, 90_000, 1024, 3000, []),
    ])  # fmt: skip


def query_body(env: Env, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"profileId": env.boot.project_id, "url": LP, "startDate": START, "endDate": END,
                            "deviceType": "ALL", "queryType": "page_metrics"}  # fmt: skip
    body.update(kw)
    return body
