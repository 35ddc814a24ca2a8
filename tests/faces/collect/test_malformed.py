"""Malformed batches are refused with a clear reason, never reach the writer, and good batches still land."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Env, build_env, make_settings
from tests.faces.collect.conftest import T, batch, freeze, pageview, post, rows, site_key

BAD: list[tuple[bytes, int, str]] = [
    (b"not json at all", 400, "request body is not valid JSON (JSON is malformed: invalid character (byte 4))"),
    (b'{"visitor": "v\xc3\x28", "events": []}', 400, "request body is not valid JSON (Invalid UTF-8 encoded string)"),
    (
        batch({"kind": "scroll", "ts": T}),
        400,
        "unknown event kind: Invalid value 'scroll' - at `$.events[0].kind` (known kinds: pageview, pageleave, "
        "click, element_view, conversion, custom, identify, dimension, experience)",
    ),
    (
        batch({"kind": "click", "ts": T, "page": "p", "url": "https://s/", "x": 12.0, "y": 5}),
        400,
        "Expected `float` <= 1.0 - at `$.events[0].x`",
    ),
    (
        batch({"kind": "click", "ts": T, "page": "p", "url": "https://s/", "x": 0.5, "y": -(10**9)}),
        400,
        "Expected `int` >= 0 - at `$.events[0].y`",
    ),
    (
        batch({"kind": "pageleave", "ts": T, "page": "p", "url": "https://s/", "active_ms": -1}),
        400,
        "Expected `int` >= 0 - at `$.events[0].active_ms`",
    ),
    (
        batch(*[pageview(f"p{i}", T) for i in range(5000)]),
        413,
        "request body of 617842 bytes is over the limit of 262144 bytes",
    ),
    (b"x" * (10 * 1024 * 1024), 413, "request body of 10485760 bytes is over the limit of 262144 bytes"),
]


@pytest.mark.parametrize(("body", "status", "reason"), BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_a_malformed_batch_is_refused_and_the_next_good_one_lands(
    env: Env, body: bytes, status: int, reason: str
) -> None:
    key = site_key(env)
    r = post(env, body, site=key)
    assert (r.status_code, r.json()) == (status, {"error": reason})
    assert r.headers["access-control-allow-origin"] == "*"
    assert post(env, batch(pageview("ok", T)), site=key).status_code == 204
    assert rows(env, "SELECT page_key IS NOT NULL AS ok FROM tracker_pageviews") == [{"ok": True}]


@pytest.fixture
def roomy(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Iterator[Env]:
    for env in build_env(make_settings(tmp_path, collect_max_body_bytes=2 * 1024 * 1024, **warehouse_overrides)):
        freeze(env, T)
        yield env


def test_5000_events_are_refused_by_the_events_cap(roomy: Env) -> None:
    r = post(roomy, batch(*[pageview(f"p{i}", T) for i in range(5000)]), site=site_key(roomy))
    assert (r.status_code, r.json()) == (400, {"error": "a batch holds at most 200 events; this one has 5000"})
    assert rows(roomy, "SELECT count(*) AS n FROM tracker_pageviews") == [{"n": 0}]


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, collect_client_ip_header="X-Forwarded-For"))


def test_logs_never_hold_the_visitors_full_address(proxied: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {"x-forwarded-for": "203.0.113.77"}
    post(proxied, b"not json", site=site_key(proxied), headers=headers)
    post(proxied, batch(pageview("p1", T)), site=site_key(proxied), headers=headers)
    assert "203.0.113.0/24" in caplog.text
    assert "203.0.113.77" not in caplog.text


# --- fuzzing: any body at all gives an answer below 500 ------------------------------------
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=30))
_field = st.sampled_from(
    ["kind", "ts", "page", "url", "x", "y", "active_ms", "max_scroll", "blocks", "element", "goal", "name",
     "properties", "user_id", "attributes", "value", "experience", "action", "fields", "id", "viewport", "screen"]
)  # fmt: skip
_kind = st.sampled_from(
    ["pageview", "pageleave", "click", "element_view", "conversion", "custom", "identify", "dimension", "experience",
     "bogus"]
)  # fmt: skip
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_event = st.fixed_dictionaries(
    {"kind": _kind, "ts": st.one_of(st.just(T), st.integers(-(2**40), 2**45))},
    optional={"page": st.text(max_size=70), "url": st.text(max_size=40)},
).flatmap(lambda base: st.dictionaries(_field, _value, max_size=4).map(lambda extra: {**extra, **base}))
_body = st.fixed_dictionaries(
    {"visitor": st.one_of(st.text(max_size=70), _scalar), "events": st.lists(_event, max_size=6)},
    optional={"sent_at": _value, "site": _value},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_body, mangle=st.sampled_from(["json", "truncate", "raw"]))
def test_no_body_makes_the_server_fail(env: Env, doc: dict[str, Any], mangle: str) -> None:
    raw = json.dumps(doc).encode()
    if mangle == "truncate":
        raw = raw[: len(raw) // 2]
    elif mangle == "raw":
        raw = raw.replace(b'"', b"\xff", 1)
    r = post(env, raw, site=site_key(env))
    assert r.status_code in (204, 400, 413), r.text
    if r.status_code != 204:
        assert set(r.json()) == {"error"}
