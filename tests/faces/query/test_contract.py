"""Seed 2.6's five complete examples, sent as the seed describes them; plus a fuzzed body (no 5xx)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Env
from tests.faces.query import fixture
from tests.faces.query.conftest import Ask
from traitbase.domain.analytics.errors import STATUS

PAGE_FIELDS = {"visits", "pv", "uv", "newVisitsRate", "entrances", "fvRate", "timeOnPage", "clicks", "clickRate",
               "ctaClicks", "ctaClickRate", "bounceRate", "avgPageViews", "completions", "conversionRate"}  # fmt: skip
TYPES = {"timeOnPage": str, "avgDuration": str, "blockName": str, "screenshotUrl": str, "elementName": str,
         "dimension": str, "conversionName": str}  # fmt: skip
RATES = {"newVisitsRate", "fvRate", "clickRate", "ctaClickRate", "bounceRate", "avgPageViews", "conversionRate",
         "impressionRate", "dropoffRate"}  # fmt: skip


def _typed(row: dict[str, Any]) -> None:
    for k, v in row.items():
        if k == "conversions":
            for c in v:
                _typed(c)
        elif k in TYPES:
            assert isinstance(v, TYPES[k]), (k, v)
        elif k in RATES:
            assert isinstance(v, float), (k, v)
        elif k != "key":
            assert isinstance(v, int) and not isinstance(v, bool), (k, v)


def _ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "message", "msg", "data"} and body["code"] == 200
    return body["data"]


def test_example_1_page_traffic_overview(ask: Ask) -> None:
    data = _ok(
        ask(queryType="page_metrics", deviceType="ALL", metrics=["visits", "pv", "uv", "timeOnPage", "bounceRate"])
    )
    assert set(data) == {"visits", "pv", "uv", "timeOnPage", "bounceRate"}
    _typed(data)


def test_example_2_insights_by_device_type(ask: Ask) -> None:
    rows = _ok(ask(queryType="page_insight", funName="terminalType", deviceType="ALL"))
    assert rows and all(set(r) == PAGE_FIELDS | {"dimension", "key"} for r in rows)
    for r in rows:
        _typed(r)


def test_example_3_mobile_block_analysis(ask: Ask) -> None:
    rows = _ok(ask(queryType="block_metrics", deviceType="MOBILE", stayTimeFilter=5))
    assert rows and all(
        set(r) >= {"blockName", "screenshotUrl", "impression", "avgDuration", "dropoffRate"} for r in rows
    )
    for r in rows:
        _typed(r)


def test_example_4_conversion_data_for_specific_goals(ask: Ask) -> None:
    data = _ok(ask(queryType="page_metrics", deviceType="ALL", metrics=["completions", "conversionRate"],
                   conversionNames=["Purchase", "Newsletter"]))  # fmt: skip
    assert [c["conversionName"] for c in data["conversions"]] == ["Newsletter signup", "Purchase complete"]
    assert all(set(c) == {"conversionName", "completions", "conversionRate"} for c in data["conversions"])
    _typed(data)


def test_example_5_pc_element_click_analysis(ask: Ask) -> None:
    rows = _ok(ask(queryType="element_metrics", deviceType="PC", metrics=["click", "clickRate"]))
    assert rows == [{"elementName": "Buy button", "click": 3, "clickRate": 1.5},
                    {"elementName": "Menu", "click": 1, "clickRate": 1.0}]  # fmt: skip


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=20),
                    st.lists(st.text(max_size=10), max_size=3))  # fmt: skip
_filter = st.fixed_dictionaries({"name": st.sampled_from(["os", "deviceType", "sourceType", "visitType", "bogus",
                                                         "customDimension", "eventVariable"]),
                                 "op": st.sampled_from(["include", "exclude", "x"]),
                                 "value": st.lists(st.text(max_size=8), max_size=3)})  # fmt: skip
_body = st.fixed_dictionaries(
    {},
    optional={
        "queryType": st.sampled_from(["page_metrics", "page_insight", "block_metrics", "element_metrics",
                                      "click_map", "scroll_map", "nope"]),
        "url": st.sampled_from([fixture.LP, "", "x" * 3000]),
        "startDate": st.sampled_from(["2024-12-01", "2024/12/01", "2024-13-01", "yesterday"]),
        "endDate": st.sampled_from(["2024-12-02", "2024-11-01", "2024/12/03"]),
        "deviceType": st.sampled_from(["ALL", "PC", "MOBILE", "TABLET", "pc", ""]),
        "rangeType": st.sampled_from(["MERGE_URL", "URL", "X"]),
        "metrics": st.one_of(_values, st.lists(st.sampled_from([*sorted(PAGE_FIELDS), "click", "bad"]), max_size=4)),
        "funName": st.one_of(_values, st.sampled_from(["day", "week", "terminalType", "utmTerm"])),
        "conversionNames": st.one_of(_values, st.lists(st.sampled_from(["purchase", "zzz"]), max_size=2)),
        "filters": st.one_of(_values, st.lists(_filter, max_size=2)),
        "stayTimeFilter": _values,
        "lang": st.sampled_from(["EN", "ZH", "JP", "fr", 3]),
        "gridColumns": _values,
    },
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_body)
def test_fuzzed_bodies_never_5xx(data: Env, qkey: str, growth: None, body: dict[str, Any]) -> None:
    r = data.client.post("/open-api/v1/heatmap/query", json={"profileId": data.boot.project_id, **body},
                         headers={"x-api-key": qkey})  # fmt: skip
    assert r.status_code < 500, r.text
    out = r.json()
    assert set(out) == {"code", "message", "msg", "data"}
    assert out["code"] == 200 or r.status_code == STATUS[out["code"]]
