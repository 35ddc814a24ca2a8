"""Every filter of seed 2.1, include and exclude, and the value lists that feed them.

/lp merged, all devices, bots out: p1 (V1, PC Windows Chrome, Search google), p3 (V2, iPhone, Campaign
newsletter/email/spring, dimension plan=pro, custom signup_started {method: email}), p4 (V3, PC, Direct,
returning), p6 (V5, iPad, AISearch ChatGPT, /lp?ref=x). V1 also viewed /cart and converted "Purchase
complete"; V3 converted "Newsletter signup". Bounces: V2, V3, V5. No GeoIP: no country or region.

Each test runs on every warehouse engine (embedded DuckDB, ClickHouse) with the same expected values.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.faces.query.conftest import Ask


# Every test here only reads: the data set is built once per module on each warehouse engine
# (conftest.counted), and each test runs on every engine with the same expected values.
@pytest.fixture
def ask(counted_ask: Ask) -> Ask:
    return counted_ask


# name -> (values, pv when included, pv when excluded, extra fields)
FILTERS: dict[str, tuple[list[str], int, int, dict[str, Any]]] = {
    "deviceType": (["Mobile", "Tablet"], 2, 2, {}),
    "sourceType": (["Search", "Direct"], 2, 2, {}),
    "visitType": (["Returning visits"], 1, 3, {}),
    "exitType": (["Bounce visits"], 3, 1, {}),
    "os": (["Windows"], 2, 2, {}),
    "osVersion": (["iOS 17.4"], 2, 2, {}),
    "browser": (["Mobile Safari"], 2, 2, {}),
    "browserVersion": (["Chrome 124.0.0"], 2, 2, {}),
    "screenResolution": (["1024x1024"], 1, 3, {}),
    "deviceBrand": (["Apple"], 2, 2, {}),
    "country": (["JP"], 0, 4, {}),
    "region": (["Tokyo"], 0, 4, {}),
    "searchEngine": (["google"], 1, 3, {}),
    "socialNetwork": (["facebook"], 0, 4, {}),
    "socialUrl": (["https://www.facebook.com/"], 0, 4, {}),
    "aiName": (["ChatGPT"], 1, 3, {}),
    "referralSource": (["www.muji.com"], 0, 4, {}),
    "referralUrl": (["https://www.muji.com/"], 0, 4, {}),
    "campaignUrl": (["https://www.google.com/"], 0, 4, {}),
    "utmCampaign": (["spring"], 1, 3, {}),
    "utmSource": (["newsletter", "google"], 1, 3, {}),
    "utmMedium": (["email"], 1, 3, {}),
    "utmTerm": (["heatmap tool"], 0, 4, {}),
    "utmContent": (["banner_a"], 0, 4, {}),
    "combinedPages": (["https://shop.example/cart"], 1, 3, {}),
    "originalPages": (["https://shop.example/lp?ref=x"], 1, 3, {}),
    "conversionName": (["Purchase complete"], 1, 3, {}),
    "eventName": (["signup_started"], 1, 3, {}),
    "customDimension": (["pro"], 1, 3, {"eventVariant": "plan"}),
    "eventVariable": (["email"], 1, 3, {"eventName": "signup_started", "eventVariant": "method"}),
}


def _pv(ask: Ask, filters: list[dict[str, Any]]) -> int:
    r = ask(metrics=["pv"], filters=filters)
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["pv"])


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filter_include_and_exclude(ask: Ask, name: str) -> None:
    values, inc, exc, extra = FILTERS[name]
    assert _pv(ask, [{"name": name, "op": "include", "value": values, **extra}]) == inc
    assert _pv(ask, [{"name": name, "op": "exclude", "value": values, **extra}]) == exc


def test_filters_combine_with_and(ask: Ask) -> None:
    both = [{"name": "deviceType", "op": "include", "value": ["PC"]},
            {"name": "visitType", "op": "include", "value": ["New visits"]}]  # fmt: skip
    assert _pv(ask, both) == 1  # p1


def test_every_filter_name_is_tested() -> None:
    from traitbase.domain.analytics.registry import FILTERS as REGISTERED

    assert set(FILTERS) == set(REGISTERED)


V = "/open-api/v1/heatmap/filter-values"
VALUES = {
    "browser": ["Chrome", "Mobile Safari"],
    "os": ["Windows", "iOS"],
    "sourceType": ["AISearch", "Campaign", "Direct", "Search"],
    "deviceType": ["PC", "Mobile", "Tablet"],
    "conversionName": ["Newsletter signup", "Purchase complete"],
    "utmSource": ["newsletter"],
    "customDimension": ["plan"],
    "eventVariable": ["signup_started"],
    "visitType": ["New visits", "Returning visits"],
    "country": [],
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_filter_values_default_to_the_last_30_days(ask: Ask, name: str) -> None:
    r = ask(V, name=name, startDate=None, endDate=None)
    assert r.status_code == 200 and r.json()["data"] == VALUES[name]


def test_filter_values_search_and_range(ask: Ask) -> None:
    assert ask(V, name="browser", search="SAFARI").json()["data"] == ["Mobile Safari"]
    # 2024-12-02 holds only p6 (iPad).
    assert ask(V, name="deviceType", startDate="2024-12-02", endDate="2024-12-02").json()["data"] == ["Tablet"]
    assert ask(V, name="nonsense").json()["code"] == 4015


def test_custom_dimension_and_event_variable_steps(ask: Ask) -> None:
    base = "/open-api/v1/heatmap/"
    assert ask(base + "custom-dimensions").json()["data"] == ["plan"]
    assert ask(base + "custom-dimension-values", eventVariant="plan").json()["data"] == ["pro"]
    assert ask(base + "event-variables", eventName="signup_started").json()["data"] == ["method"]
    got = ask(base + "event-variable-values", eventName="signup_started", eventVariant="method")
    assert got.json()["data"] == ["email"]
    assert ask(base + "custom-dimension-values").json()["code"] == 4013
