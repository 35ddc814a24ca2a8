# ruff: noqa: E501  (tables of hand-counted values read best one row per line)
"""Every metric of every query type against values counted by hand from fixture.py's table.

Engines: every test runs on each warehouse engine on main, the embedded DuckDB warehouse and
ClickHouse (scale mode, the ``clickhouse`` marker), against the same expected values: the data set
goes through ``/collect`` into each engine's tracker tables and the same builders are rendered per
engine (storage/sql). tests/domain/analytics/test_units.py renders every builder for both engines.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.faces.query.conftest import Ask
from tests.faces.query.fixture import LP


# Every test here only reads: the data set is built once per module on each warehouse engine
# (conftest.counted), and each test runs on every engine with the same expected values.
@pytest.fixture
def ask(counted_ask: Ask) -> Ask:
    return counted_ask


def data(r: Any) -> Any:
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "message", "msg", "data"} and body["code"] == 200
    return body["data"]


# /lp merged, ALL devices, bots out: p1 (V1), p3 (V2), p4 (V3), p6 (V5).
# pv 4; visits 4; uv 3 (A twice); new visits V1 V2 V5 = 3/4; all four entered on /lp; bounces V2 V3 V5 = 3/4;
# avgPageViews (2+1+1+1)/4; timeOnPage mean(30, 5, 60, 90) = 46.25 s; clicks 1 + 3 = 4 (bot's excluded);
# CTA (Buy button) 1 + 2 = 3; fv: p3 (700 <= 700, exit, no conversion) and p6 (1024 <= 1024) = 2/4 (p1 has a
# next page view, p4 scrolled); completions: V1 (Purchase complete), V3 (Newsletter signup) = 2/4.
ALL_PAGE = {
    "visits": 4, "pv": 4, "uv": 3, "newVisitsRate": 0.75, "entrances": 4, "fvRate": 0.5, "timeOnPage": "46s",
    "clicks": 4, "clickRate": 1.0, "ctaClicks": 3, "ctaClickRate": 0.75, "bounceRate": 0.75, "avgPageViews": 1.25,
    "completions": 2, "conversionRate": 0.5,
}  # fmt: skip


def test_page_metrics_every_metric(ask: Ask) -> None:
    assert data(ask()) == ALL_PAGE


def test_page_metrics_exact_url_leaves_out_query_string_variants(ask: Ask) -> None:
    # URL: only p1 and p4 (p3 has utm parameters, p6 ?ref=x): V1, V3 of visitor A.
    assert data(ask(rangeType="URL")) == {
        "visits": 2, "pv": 2, "uv": 1, "newVisitsRate": 0.5, "entrances": 2, "fvRate": 0.0, "timeOnPage": "45s",
        "clicks": 4, "clickRate": 2.0, "ctaClicks": 3, "ctaClickRate": 1.5, "bounceRate": 0.5, "avgPageViews": 1.5,
        "completions": 2, "conversionRate": 1.0,
    }  # fmt: skip


def test_metrics_selection_and_conversions(ask: Ask) -> None:
    got = data(ask(metrics=["pv", "conversionRate"], conversionNames=["PURCHASE", "signup"]))
    assert got == {
        "pv": 4,
        "conversionRate": 0.5,
        "conversions": [
            {"conversionName": "Newsletter signup", "conversionRate": 0.25},
            {"conversionName": "Purchase complete", "conversionRate": 0.25},
        ],
    }


def test_device_rules(ask: Ask) -> None:
    assert data(ask(deviceType="PC", metrics=["pv"])) == {"pv": 2}
    assert data(ask(deviceType="MOBILE", metrics=["pv"])) == {"pv": 1}
    assert data(ask(deviceType="TABLET", metrics=["pv"])) == {"pv": 1}


def test_a_url_never_tracked_is_zeros(ask: Ask) -> None:
    got = data(ask(url="https://shop.example/never"))
    assert got == {k: (v if isinstance(v, str) and False else (0.0 if isinstance(v, float) else 0)) for k, v in
                   ALL_PAGE.items() if k != "timeOnPage"} | {"timeOnPage": "0s"}  # fmt: skip


M = ["pv", "visits", "uv", "newVisitsRate", "timeOnPage", "bounceRate"]
INSIGHTS: dict[str, list[dict[str, Any]]] = {
    "terminalType": [
        {"dimension": "PC", "key": "PC", "pv": 2, "visits": 2, "uv": 1, "newVisitsRate": 0.5, "timeOnPage": "45s", "bounceRate": 0.5},
        {"dimension": "Smart phone", "key": "Mobile", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "5s", "bounceRate": 1.0},
        {"dimension": "Tablet", "key": "Tablet", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "1m 30s", "bounceRate": 1.0},
    ],
    "sourceType": [
        {"dimension": "AI Search", "key": "AISearch", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "1m 30s", "bounceRate": 1.0},
        {"dimension": "Campaign", "key": "Campaign", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "5s", "bounceRate": 1.0},
        {"dimension": "Direct", "key": "Direct", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 0.0, "timeOnPage": "1m 0s", "bounceRate": 1.0},
        {"dimension": "Search", "key": "Search", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "30s", "bounceRate": 0.0},
    ],
    "visitType": [
        {"dimension": "New visits", "key": "new", "pv": 3, "visits": 3, "uv": 3, "newVisitsRate": 1.0, "timeOnPage": "42s", "bounceRate": 0.6667},
        {"dimension": "Returning visits", "key": "returning", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 0.0, "timeOnPage": "1m 0s", "bounceRate": 1.0},
    ],
    "aiName": [
        {"dimension": "(not set)", "key": "", "pv": 3, "visits": 3, "uv": 2, "newVisitsRate": 0.6667, "timeOnPage": "32s", "bounceRate": 0.6667},
        {"dimension": "ChatGPT", "key": "ChatGPT", "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "1m 30s", "bounceRate": 1.0},
    ],
    "day": [
        {"dimension": "2024-12-01", "key": 1733011200000, "pv": 3, "visits": 3, "uv": 2, "newVisitsRate": 0.6667, "timeOnPage": "32s", "bounceRate": 0.6667},
        {"dimension": "2024-12-02", "key": 1733097600000, "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "1m 30s", "bounceRate": 1.0},
    ],
    # 2024-12-01 is a Sunday: its ISO week starts on Monday 2024-11-25; 2024-12-02 starts the next week.
    "week": [
        {"dimension": "2024-11-25", "key": 1732492800000, "pv": 3, "visits": 3, "uv": 2, "newVisitsRate": 0.6667, "timeOnPage": "32s", "bounceRate": 0.6667},
        {"dimension": "2024-12-02", "key": 1733097600000, "pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "1m 30s", "bounceRate": 1.0},
    ],
}  # fmt: skip
# The five UTM funNames: only p3 carries utm_* (newsletter / email / spring; no term or content);
# not set: p1, p4, p6 -> mean(30, 60, 90) = 60 s, new V1 V5 of 3, bounces V3 V5 of 3.
_UTM = {"utmSource": "newsletter", "utmMedium": "email", "utmCampaign": "spring", "utmTerm": None, "utmContent": None}
_UNSET = {"dimension": "(not set)", "key": "", "pv": 3, "visits": 3, "uv": 2, "newVisitsRate": 0.6667,
          "timeOnPage": "1m 0s", "bounceRate": 0.6667}  # fmt: skip
_P3 = {"pv": 1, "visits": 1, "uv": 1, "newVisitsRate": 1.0, "timeOnPage": "5s", "bounceRate": 1.0}
for _fun, _val in _UTM.items():
    INSIGHTS[_fun] = (
        [_UNSET, {"dimension": _val, "key": _val, **_P3}]
        if _val
        else [{**_UNSET, "pv": 4, "visits": 4, "uv": 3, "newVisitsRate": 0.75, "timeOnPage": "46s", "bounceRate": 0.75}]
    )


@pytest.mark.parametrize("fun", sorted(INSIGHTS))
def test_page_insight_every_fun_name(ask: Ask, fun: str) -> None:
    assert data(ask(queryType="page_insight", funName=fun, metrics=M)) == INSIGHTS[fun]


def test_page_insight_all_metrics_and_labels_in_japanese(ask: Ask) -> None:
    rows = data(ask(queryType="page_insight", funName="terminalType", lang="JP", metrics=["pv"]))
    assert [r["dimension"] for r in rows] == ["PC", "スマートフォン", "タブレット"]
    rows = data(ask(queryType="page_insight", funName="visitType", lang="ZH", metrics=["pv"]))
    assert [r["dimension"] for r in rows] == ["新访问", "回访"]


# PC: p1 (V1) and p4 (V3), pv 2. Hero seen on both (10 s, 20 s); Plans on both (4 s, 8 s); Footer on p4 (3 s).
# Dropoff: p1 did not end its visit; p4 ended V3 with Footer the deepest seen -> Footer 1.
# Stayed >= 5 s: Hero V1, V3 (both converted) -> 2/2; Plans V3 -> 1/1; Footer none -> 0.
PC_BLOCKS = [
    {"blockName": "Hero", "screenshotUrl": "", "impression": 2, "impressionRate": 1.0, "avgDuration": "15s",
     "dropoff": 0, "dropoffRate": 0.0, "completions": 2, "conversionRate": 1.0},
    {"blockName": "Plans", "screenshotUrl": "", "impression": 2, "impressionRate": 1.0, "avgDuration": "6s",
     "dropoff": 0, "dropoffRate": 0.0, "completions": 1, "conversionRate": 1.0},
    {"blockName": "Footer", "screenshotUrl": "", "impression": 1, "impressionRate": 0.5, "avgDuration": "3s",
     "dropoff": 1, "dropoffRate": 1.0, "completions": 0, "conversionRate": 0.0},
]  # fmt: skip


def test_block_metrics_pc(ask: Ask) -> None:
    assert data(ask(queryType="block_metrics", deviceType="PC")) == PC_BLOCKS


def test_block_metrics_stay_time_filter_and_conversions(ask: Ask) -> None:
    # stayTimeFilter 15: Hero only V3 (20 s) stayed, converted (Newsletter) -> 1/1; Plans, Footer: nobody.
    rows = data(ask(queryType="block_metrics", deviceType="PC", stayTimeFilter=15, metrics=["completions"],
                    conversionNames=["newsletter"]))  # fmt: skip
    assert rows == [
        {"blockName": "Hero", "screenshotUrl": "", "completions": 1,
         "conversions": [{"conversionName": "Newsletter signup", "completions": 1}]},
        {"blockName": "Plans", "screenshotUrl": "", "completions": 0,
         "conversions": [{"conversionName": "Newsletter signup", "completions": 0}]},
        {"blockName": "Footer", "screenshotUrl": "", "completions": 0,
         "conversions": [{"conversionName": "Newsletter signup", "completions": 0}]},
    ]  # fmt: skip


def test_block_metrics_mobile(ask: Ask) -> None:
    # p3: Hero seen 5 s, the visit ended there; V2 stayed 5 s (>= default 5) and did not convert.
    assert data(ask(queryType="block_metrics", deviceType="MOBILE")) == [
        {"blockName": "Hero", "screenshotUrl": "", "impression": 1, "impressionRate": 1.0, "avgDuration": "5s",
         "dropoff": 1, "dropoffRate": 1.0, "completions": 0, "conversionRate": 0.0},
    ]  # fmt: skip


def test_element_metrics_pc(ask: Ask) -> None:
    # Buy button seen on p1, p4 (2/2), clicked 1 + 2 = 3 (3/2), by V1 and V3, both converted.
    # Menu seen on p4 (1/2), clicked once (1/1) by V3, converted.
    assert data(ask(queryType="element_metrics", deviceType="PC")) == [
        {"elementName": "Buy button", "impression": 2, "impressionRate": 1.0, "click": 3, "clickRate": 1.5,
         "completions": 2, "conversionRate": 1.0},
        {"elementName": "Menu", "impression": 1, "impressionRate": 0.5, "click": 1, "clickRate": 1.0,
         "completions": 1, "conversionRate": 1.0},
    ]  # fmt: skip


def test_click_map(ask: Ask) -> None:
    # 20 columns x 100 px: #buy at (0.52, 930) -> (10, 9); (0.55, 950), (0.56, 960) -> (11, 9); #menu (0.05, 20) -> (1, 0).
    assert data(ask(queryType="click_map", deviceType="PC")) == [
        {"deviceType": "PC", "gridColumns": 20, "rowPx": 100, "clicks": 4, "cells": [
            {"col": 11, "row": 9, "clicks": 2, "selector": "#buy", "share": 0.5},
            {"col": 1, "row": 0, "clicks": 1, "selector": "#menu", "share": 0.25},
            {"col": 10, "row": 9, "clicks": 1, "selector": "#buy", "share": 0.25},
        ]},
    ]  # fmt: skip


def test_scroll_map(ask: Ask) -> None:
    # PC: p1 reached 2000/4000 = 50 %, p4 3000/4000 = 75 %; fold 800 px = 20 % of 4000.
    (pc,) = data(ask(queryType="scroll_map", deviceType="PC"))
    rates = [d["rate"] for d in pc["depths"]]
    assert rates == [1.0] * 11 + [0.5] * 5 + [0.0] * 5
    assert (pc["deviceType"], pc["views"], pc["foldPx"], pc["foldRate"]) == ("PC", 2, 800, 0.2)


def test_lp_constant() -> None:
    assert LP.endswith("/lp")
