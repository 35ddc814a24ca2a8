"""Every heatmap error code of the seed's appendix, in EN, ZH and JP, with the appendix's HTTP status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.query import fixture
from traitbase.faces.query import catalog

Q = "/open-api/v1/heatmap/query"
LANGS = ("EN", "ZH", "JP")


# The appendix's HTTP status of each code (written out here, not derived from the code's digits).
APPENDIX_STATUS = {4001: 400, 4002: 400, 4003: 400, 4006: 400, 4007: 400, 4008: 400, 4009: 400, 4010: 401,
                   4011: 401, 4012: 400, 4013: 400, 4014: 400, 4015: 400, 4016: 400, 4019: 400, 4030: 403,
                   4031: 403, 4290: 429, 4291: 429}  # fmt: skip


def _check(r: Any, code: int, lang: str) -> None:
    assert r.status_code == APPENDIX_STATUS[code], r.text
    body = r.json()
    assert set(body) == {"code", "message", "msg", "data"}
    assert body["code"] == code and body["data"] is None
    assert body["message"] == body["msg"]
    assert body["message"].startswith(catalog.catalog(lang)["codes"][str(code)])
    for h in ("Limit-Minute", "Remaining-Minute", "Limit-Day", "Remaining-Day", "Tier"):
        assert f"X-RateLimit-{h}" in r.headers


# code -> body changes (applied to a valid page_metrics body)
BODY_ERRORS: dict[int, dict[str, Any]] = {
    4001: {"queryType": "page_everything"},
    4002: {"startDate": "2024.12.01"},
    4003: {"startDate": "2023-01-01"},
    4006: {"queryType": "page_insight"},
    4007: {"queryType": "block_metrics", "deviceType": "ALL"},
    4008: {"queryType": "block_metrics", "deviceType": "TABLET"},
    4009: {"queryType": "element_metrics", "deviceType": "ALL"},
    4012: {"conversionNames": ["no such goal"]},
    4013: {"url": None},
    4014: {"deviceType": "WATCH"},
    4015: {"queryType": "page_insight", "funName": "planet"},
    4016: {"queryType": "element_metrics", "deviceType": "MOBILE"},
    4019: {"filters": [{"name": "os", "op": "equals", "value": ["Windows"]}]},
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", sorted(BODY_ERRORS))
def test_body_errors(data: Env, qkey: str, growth: None, code: int, lang: str) -> None:
    body = {k: v for k, v in {**fixture.query_body(data), **BODY_ERRORS[code], "lang": lang}.items() if v is not None}
    _check(data.client.post(Q, json=body, headers={"x-api-key": qkey}), code, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_key_errors(env: Env, lang: str) -> None:
    body = {**fixture.query_body(env), "lang": lang}
    _check(env.client.post(Q, json=body), 4010, lang)
    _check(env.client.post(Q, json=body, headers={"x-api-key": "pt-not-a-key"}), 4011, lang)
    upload = env.key(["upload"])
    _check(env.client.post(Q, json=body, headers={"x-api-key": upload}), 4031, lang)
    other = env.project("other shop")
    qkey = env.key(["query"])
    # Another project of the same organization, and a project that does not exist: the same 4030.
    _check(env.client.post(Q, json={**body, "profileId": other}, headers={"x-api-key": qkey}), 4030, lang)
    _check(env.client.post(Q, json={**body, "profileId": "00000000"}, headers={"x-api-key": qkey}), 4030, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_lang_in_query_string(env: Env, lang: str) -> None:
    _check(env.client.post(f"{Q}?lang={lang.lower()}", content=json.dumps({})), 4010, lang)


def test_unknown_lang_falls_back_to_english(env: Env) -> None:
    _check(env.client.post(Q, json={"lang": "FR"}), 4010, "EN")


@pytest.mark.parametrize("lang", LANGS)
def test_rate_limit_codes(env: Env, clock: Any, lang: str) -> None:
    qkey = env.key(["query"])
    body = {**fixture.query_body(env), "lang": lang}
    for _ in range(3):
        assert env.client.post(Q, json=body, headers={"x-api-key": qkey}).status_code == 200
    r = env.client.post(Q, json=body, headers={"x-api-key": qkey})
    _check(r, 4290, lang)
    assert r.headers["Retry-After"] == "60"  # the clock stands at a whole minute
    clock.now += 12 * 3600 - 60  # 12:00 -> 23:59, the last minute of the UTC day
    # The three calls of this day used a day allowance of 3: the fourth call is refused for the day.
    env.app.state.ctx.query_limiter._plans = lambda _plan: (3, 3)
    r = env.client.post(Q, json=body, headers={"x-api-key": qkey})
    _check(r, 4291, lang)
    assert r.headers["Retry-After"] == "60"


def test_every_appendix_code_has_all_three_translations() -> None:
    for lang in LANGS:
        assert set(catalog.catalog(lang)["codes"]) == set(catalog.catalog("EN")["codes"])
        assert set(catalog.catalog(lang)["labels"]) == set(catalog.catalog("EN")["labels"])


@pytest.mark.parametrize("lang", LANGS)
def test_internal_error_is_5000_without_details(
    env: Env, clock: Any, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from traitbase.domain.analytics import service

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "heatmap", broken)
    qkey = env.key(["query"])
    r = env.client.post(Q, json={**fixture.query_body(env), "lang": lang}, headers={"x-api-key": qkey})
    assert r.status_code == 500 and r.json()["code"] == 5000
    assert r.json()["message"] == catalog.catalog(lang)["codes"]["5000"] and "secret" not in r.text


def test_body_over_the_cap_is_4130(env: Env) -> None:
    r = env.client.post(Q, content=b"{" + b" " * (env.settings.query_max_body_bytes + 10) + b"}",
                        headers={"content-type": "application/json"})  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (413, 4130)
