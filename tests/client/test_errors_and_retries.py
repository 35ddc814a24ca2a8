"""Typed errors carry the server's message; 429/5xx/connection errors are retried per the policy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.client.conftest import BASE, FAST_RETRY, recorder, sdk, too_many
from tests.conftest import Env, build_env, make_settings
from traitbase.client import (
    APIError,
    AuthError,
    Client,
    Invalid,
    NotFound,
    RateLimited,
    RetryEvent,
    RetryPolicy,
    Unreachable,
    UploadResult,
)

SEED = [{"user_id": "abcd123", "watch_conan": "yes"}]


def test_rule_violation_raises_invalid_with_the_server_message_and_the_failing_batch(
    env: Env, upload_token: str
) -> None:
    rows = [{"user_id": f"u{i}"} for i in range(3)] + [{"user_id": "x", "v": "y" * 129}]
    with sdk(env, upload_token, batch_size=3) as c, pytest.raises(Invalid) as err:
        c.attributes.upload(rows)
    e = err.value
    message = "values[0][1] (v) is 129 characters; at most 128"
    assert (e.status, e.message, e.body, e.errors) == (400, message, {"code": 400, "message": message}, {})
    assert e.__notes__ == ["batch 2 (rows 4-4) failed; the 3 rows before it were stored"]


def test_admin_validation_error_carries_the_field_errors(admin: Client) -> None:
    with pytest.raises(Invalid) as err:
        admin.admin.create_org("")
    assert (err.value.status, err.value.errors) == (400, {"name": "String should have at least 1 character"})


def test_unknown_token_raises_auth_error_401(env: Env) -> None:
    with sdk(env, "tb-0000000000000000.nope") as c, pytest.raises(AuthError) as err:
        c.attributes.upload(SEED)
    assert (err.value.status, err.value.body) == (401, {"code": 401, "message": "invalid API key"})


def test_upload_key_on_the_admin_api_raises_auth_error_403(env: Env, upload_token: str) -> None:
    with sdk(env, upload_token) as c, pytest.raises(AuthError) as err:
        c.admin.list_orgs()
    assert (err.value.status, err.value.message) == (403, "this key lacks the 'admin' scope")


def test_unknown_user_raises_not_found(env: Env, admin: Client) -> None:
    with pytest.raises(NotFound) as err:
        admin.admin.get_user(env.boot.project_id, "nobody")
    assert (err.value.status, err.value.body) == (404, {"code": 404, "message": "user not found"})


def test_429_is_retried_after_the_retry_after_seconds_and_the_upload_completes(env: Env, upload_token: str) -> None:
    rec = recorder(env, [too_many("1")])
    events: list[RetryEvent] = []
    with sdk(env, upload_token, rec, retry=FAST_RETRY, on_retry=events.append) as c:
        assert c.attributes.upload(SEED) == UploadResult(received=1, created=1, updated=0, batches=1)
    assert len(rec.requests) == 2
    assert [(e.attempt, type(e.error)) for e in events] == [(1, RateLimited)]
    # Without Retry-After this policy waits at most 0.02 s.
    assert events[0].wait >= 1.0


def test_real_rate_limit_of_the_server_is_waited_out(tmp_path: Path) -> None:
    gen = build_env(make_settings(tmp_path / "limited", attributes_rate_limit="2/second"))
    env = next(gen)
    try:
        events: list[RetryEvent] = []
        token = env.key(["upload"])
        rows = [{"user_id": f"r{i}", "n": str(i)} for i in range(4)]
        with sdk(env, token, batch_size=1, retry=FAST_RETRY, on_retry=events.append) as c:
            assert c.attributes.upload(rows) == UploadResult(received=4, created=4, updated=0, batches=4)
        assert events, "the server's limit was never hit"
        assert {(type(e.error), getattr(e.error, "retry_after", None)) for e in events} == {(RateLimited, 1.0)}
    finally:
        gen.close()


def test_retry_after_longer_than_the_policy_allows_is_raised_at_once(env: Env, upload_token: str) -> None:
    rec = recorder(env, [too_many("3600")])
    with sdk(env, upload_token, rec, retry=FAST_RETRY) as c, pytest.raises(RateLimited) as err:
        c.attributes.upload(SEED)
    assert (err.value.retry_after, err.value.message, len(rec.requests)) == (3600.0, "slow down", 1)


def test_503_and_502_are_retried_with_backoff(env: Env, upload_token: str) -> None:
    faults: list[httpx.Response | Exception] = [httpx.Response(503, text="busy"), httpx.Response(502, text="gw")]
    rec = recorder(env, faults)
    events: list[RetryEvent] = []
    with sdk(env, upload_token, rec, retry=FAST_RETRY, on_retry=events.append) as c:
        assert c.attributes.upload(SEED) == UploadResult(received=1, created=1, updated=0, batches=1)
    assert [(e.attempt, getattr(e.error, "status", None)) for e in events] == [(1, 503), (2, 502)]


def test_connection_errors_exhaust_the_attempts_and_raise_unreachable(env: Env, upload_token: str) -> None:
    rec = recorder(env, [httpx.ConnectError("refused")] * 3)
    policy = RetryPolicy(attempts=3, initial_backoff=0.01, jitter=0.01)
    with sdk(env, upload_token, rec, retry=policy) as c, pytest.raises(Unreachable) as err:
        c.attributes.upload(SEED)
    assert (str(err.value), len(rec.requests)) == (f"cannot reach {BASE}: ConnectError: refused", 3)


def test_a_create_call_is_not_repeated_after_a_500(env: Env) -> None:
    rec = recorder(env, [httpx.Response(500, json={"code": 500, "message": "internal server error"})])
    with sdk(env, env.boot.admin_token, rec, retry=FAST_RETRY) as c, pytest.raises(APIError) as err:
        c.admin.create_org("Acme")
    assert (type(err.value), err.value.status, err.value.message, len(rec.requests)) == (
        APIError,
        500,
        "internal server error",
        1,
    )
