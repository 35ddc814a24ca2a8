"""POST /collect end to end: what is stored, CORS, dedupe, identify, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.domain.collect.mmdb import write_city_db
from tests.faces.collect.conftest import MIN, T, batch, pageview, post, rows, site_key

URL = "https://shop.example/lp?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale#top"


def test_a_batch_is_stored_with_every_derived_field(env: Env) -> None:
    key = site_key(env)
    body = batch(
        pageview(
            "p1",
            T,
            url=URL,
            referrer="https://www.google.com/search?q=x",
            title="Landing",
            screen="1920x1080",
            viewport=[1280, 720],
            language="ja-jp",
            page_height=4000,
        ),
        {
            "kind": "click",
            "id": "c1",
            "ts": T + 1000,
            "page": "p1",
            "url": URL,
            "x": 0.5,
            "y": 900,
            "selector": "#buy",
            "text": "Buy now",
            "element": "Buy button",
        },
        {"kind": "element_view", "id": "ev1", "ts": T + 500, "page": "p1", "url": URL, "element": "Buy button"},
        {"kind": "conversion", "id": "cv1", "ts": T + 2000, "page": "p1", "url": URL, "goal": "Signup"},
        {
            "kind": "custom",
            "id": "cu1",
            "ts": T + 2000,
            "page": "p1",
            "url": URL,
            "name": "video_play",
            "properties": {"seconds": 3, "hd": True},
        },
        {"kind": "dimension", "id": "d1", "ts": T + 2000, "name": "plan", "value": "pro"},
        {
            "kind": "experience",
            "id": "x1",
            "ts": T + 2000,
            "page": "p1",
            "url": URL,
            "experience": "exp1",
            "version": "v2",
            "action": "form_submit",
            "fields": {"email": "a@b.c"},
        },
        {
            "kind": "pageleave",
            "id": "l1",
            "ts": T + 9000,
            "page": "p1",
            "url": URL,
            "active_ms": 8000,
            "max_scroll": 3000,
            "page_height": 4000,
            "blocks": [
                {"name": "Hero", "seconds": 3.5, "seen": True},
                {"name": "Plans", "seconds": 0.5, "seen": False},
            ],
        },
    )
    r = post(env, body, site=key, headers={"origin": "https://shop.example"})  # sent_at T + 9 s: "now" is T
    assert (r.status_code, r.content, r.headers["access-control-allow-origin"]) == (204, b"", "*")
    pid = env.boot.project_id
    expected = {
        "project": pid, "environment": "production", "event_time": datetime(2024, 12, 1, 7, 59, 51),
        "url": "https://shop.example/lp?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale",
        "url_base": "https://shop.example/lp", "device_type": "PC", "is_bot": False, "title": "Landing",
        "referrer": "https://www.google.com/search?q=x", "source_type": "Campaign", "search_engine": "",
        "social_network": "", "social_url": "", "ai_name": "", "referral_source": "", "referral_url": "",
        "campaign_url": "https://www.google.com/search", "utm_source": "google", "utm_medium": "cpc",
        "utm_campaign": "summer_sale", "utm_term": "", "utm_content": "", "os": "Windows", "os_version": "Windows 10",
        "browser": "Chrome", "browser_version": "Chrome 124.0.0", "device_brand": "", "screen_resolution": "1920x1080",
        "viewport_width": 1280, "viewport_height": 720, "language": "ja-JP", "country": "", "region": "",
        "page_height": 4000,
    }  # fmt: skip
    # Every column but the server's receive time and the keys (portable SQL: no ``* EXCLUDE``).
    (pv,) = rows(env, f"SELECT {', '.join(expected)} FROM tracker_pageviews")
    assert pv == expected
    assert set(rows(env, "SELECT * FROM tracker_pageviews")[0]) == {
        *expected,
        "received_at",
        "visitor_key",
        "visit_key",
        "page_key",
    }
    (leave,) = rows(env, "SELECT active_ms, max_scroll, page_height, scroll_fraction, block_names, block_seconds, "
                         "block_seen FROM tracker_pageleaves")  # fmt: skip
    assert leave == {
        "active_ms": 8000, "max_scroll": 3000, "page_height": 4000, "scroll_fraction": 0.75,
        "block_names": ["Hero", "Plans"], "block_seconds": [3.5, 0.5], "block_seen": [True, False],
    }  # fmt: skip
    assert rows(env, "SELECT x, y, selector, text, element FROM tracker_clicks") == [
        {"x": 0.5, "y": 900, "selector": "#buy", "text": "Buy now", "element": "Buy button"}
    ]
    sparse = "kind, element, goal, name, value, properties, experience, version, action, fields, user_id"
    assert rows(env, f"SELECT {sparse} FROM tracker_events ORDER BY kind") == [
        {"kind": "conversion", "element": None, "goal": "Signup", "name": None, "value": None, "properties": None,
         "experience": None, "version": None, "action": None, "fields": None, "user_id": None},
        {"kind": "custom", "element": None, "goal": None, "name": "video_play", "value": None,
         "properties": '{"seconds":3,"hd":true}', "experience": None, "version": None, "action": None, "fields": None,
         "user_id": None},
        {"kind": "dimension", "element": None, "goal": None, "name": "plan", "value": "pro", "properties": None,
         "experience": None, "version": None, "action": None, "fields": None, "user_id": None},
        {"kind": "element_view", "element": "Buy button", "goal": None, "name": None, "value": None,
         "properties": None, "experience": None, "version": None, "action": None, "fields": None, "user_id": None},
        {"kind": "experience", "element": None, "goal": None, "name": None, "value": None, "properties": None,
         "experience": "exp1", "version": "v2", "action": "form_submit", "fields": '{"email":"a@b.c"}',
         "user_id": None},
    ]  # fmt: skip
    # Every row of the batch belongs to the one page view and the one visit.
    keys = rows(env, "SELECT count(DISTINCT page_key) AS pages, count(DISTINCT visit_key) AS visits FROM ("
                     "SELECT page_key, visit_key FROM tracker_clicks UNION ALL SELECT page_key, visit_key FROM "
                     "tracker_pageleaves UNION ALL SELECT page_key, visit_key FROM tracker_pageviews)")  # fmt: skip
    assert keys == [{"pages": 1, "visits": 1}]
    (visit,) = rows(env, "SELECT visit_number, pageviews, events, entry_url, exit_url, source_type FROM tracker_visits")
    assert visit == {"visit_number": 1, "pageviews": 1, "events": 8, "entry_url": "https://shop.example/lp",
                     "exit_url": "https://shop.example/lp", "source_type": "Campaign"}  # fmt: skip


def test_client_clock_skew_is_corrected(env: Env) -> None:
    # The client's clock is an hour behind the server's: its times are moved forward by that hour.
    behind = T - 60 * MIN
    r = post(env, batch(pageview("p1", behind - 2000), sent_at=behind), site=site_key(env))
    assert r.status_code == 204
    assert rows(env, "SELECT event_time, received_at FROM tracker_pageviews") == [
        {"event_time": datetime(2024, 12, 1, 7, 59, 58), "received_at": datetime(2024, 12, 1, 8, 0)}
    ]


def test_a_retried_batch_is_stored_once(env: Env) -> None:
    key = site_key(env)
    body = batch(pageview("p1", T), {"kind": "click", "id": "c1", "ts": T, "page": "p1", "url": "https://s/", "x": 0.1})
    assert [post(env, body, site=key).status_code for _ in range(3)] == [204, 204, 204]
    assert rows(env, "SELECT count(*) AS n FROM tracker_pageviews") == [{"n": 1}]
    assert rows(env, "SELECT count(*) AS n FROM tracker_clicks") == [{"n": 1}]


def test_two_page_leaves_keep_the_one_with_most_active_time(env: Env) -> None:
    key = site_key(env)
    leave = {"kind": "pageleave", "ts": T + 5000, "page": "p1", "url": "https://s/", "max_scroll": 100}
    assert post(env, batch(pageview("p1", T)), site=key).status_code == 204
    assert post(env, batch({**leave, "id": "a", "active_ms": 4000}), site=key).status_code == 204
    assert post(env, batch({**leave, "id": "b", "active_ms": 3000}), site=key).status_code == 204
    assert post(env, batch({**leave, "id": "c", "active_ms": 4500, "ts": T + 6000}), site=key).status_code == 204
    assert rows(env, "SELECT active_ms FROM tracker_pageleaves") == [{"active_ms": 4500}]


def test_identify_updates_the_user_store_of_the_sites_project(env: Env) -> None:
    event = {"kind": "identify", "id": "i1", "ts": T, "user_id": "u-42", "attributes": {"plan": "pro"}}
    assert post(env, batch(event), site=site_key(env)).status_code == 204
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/u-42", headers=env.admin)
    assert r.status_code == 200
    assert r.json()["data"]["attributes"] == {"plan": "pro"}
    assert rows(env, "SELECT kind, user_id FROM tracker_events") == [{"kind": "identify", "user_id": "u-42"}]


def test_identify_attributes_obey_the_attribute_face_limits(env: Env) -> None:
    event = {"kind": "identify", "id": "i1", "ts": T, "user_id": "u-42", "attributes": {"plan": "x" * 129}}
    r = post(env, batch(event), site=site_key(env))
    assert (r.status_code, r.json()) == (
        400,
        {"error": "attribute values are at most 128 characters - at `$.events[0].attributes`"},
    )
    assert env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/u-42", headers=env.admin).status_code == 404


def test_bots_are_stored_flagged(env: Env) -> None:
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    assert post(env, batch(pageview("p1", T)), site=site_key(env), headers={"user-agent": bot}).status_code == 204
    assert rows(env, "SELECT is_bot, browser FROM tracker_pageviews") == [{"is_bot": True, "browser": "Googlebot"}]
    assert rows(env, "SELECT is_bot FROM tracker_visits") == [{"is_bot": True}]


def test_the_site_key_may_come_in_the_body(env: Env) -> None:
    assert post(env, batch(pageview("p1", T), site=site_key(env)), site=None).status_code == 204
    assert rows(env, "SELECT count(*) AS n FROM tracker_pageviews") == [{"n": 1}]


def test_country_and_region_come_from_the_configured_database(
    tmp_path: Path, warehouse_overrides: dict[str, Any]
) -> None:
    db = write_city_db(tmp_path / "city.mmdb")
    settings = make_settings(
        tmp_path / "data", geoip_database=db, collect_client_ip_header="X-Forwarded-For", **warehouse_overrides
    )
    for env in build_env(settings):
        headers = {"x-forwarded-for": "203.0.113.77, 10.0.0.1"}
        assert post(env, batch(pageview("p1", T)), site=site_key(env), headers=headers).status_code == 204
        assert rows(env, "SELECT country, region FROM tracker_pageviews") == [{"country": "JP", "region": "Tokyo"}]


def test_cors_is_open_on_collect_only(env: Env) -> None:
    pre = {"origin": "https://shop.example", "access-control-request-method": "POST"}
    r = env.client.options("/collect", headers=pre)
    assert (r.status_code, r.headers["access-control-allow-origin"]) == (204, "*")
    r = env.client.get(f"/collect/config?site={site_key(env)}&url=https://shop.example/", headers={"origin": "x"})
    assert r.headers["access-control-allow-origin"] == "*"
    # /tb.js (served by the tracker's route) is covered by the same rule.
    r = env.client.options("/tb.js?site=x", headers=pre)
    assert (r.status_code, r.headers["access-control-allow-origin"]) == (204, "*")
    for path in ("/v1/actions", "/admin/v1/whoami", "/v1/user/profiles", "/collectx", "/tb.json"):
        r = env.client.options(path, headers=pre)
        assert "access-control-allow-origin" not in r.headers, path
        r = env.client.post(path, content=b"{}", headers={"origin": "https://shop.example"})
        assert "access-control-allow-origin" not in r.headers, path


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, collect_rate_limit="2/minute"))


def test_the_rate_limit_is_per_site_key(limited: Env) -> None:
    env = limited
    key = site_key(env)
    codes = [post(env, batch(pageview(f"p{i}", T + i)), site=key).status_code for i in range(3)]
    assert codes == [204, 204, 429]
    r = post(env, batch(pageview("p9", T)), site=key)
    assert r.json() == {"error": "rate limit of 2 per minute exceeded"}
    assert int(r.headers["retry-after"]) >= 1
    # Another project's site key has its own allowance.
    other = site_key(env, env.project("shop two"))
    assert post(env, batch(pageview("q1", T)), site=other).status_code == 204


def test_config_answers_empty_for_an_unknown_key(env: Env) -> None:
    r = env.client.get("/collect/config?site=tbs_nope&url=https://x/&device=PC")
    assert r.status_code == 200
    assert json.loads(r.content) == {"blocks": [], "elements": [], "goals": [], "respect_dnt": True}
    assert r.headers["cache-control"] == "public, max-age=300"
