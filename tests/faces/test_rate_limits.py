"""Per-key rate limits on the attribute and admin faces, with memory and with the real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import bearer, err, ok, upload

BODY = {"field_name": ["user_id"], "values": [["u1"]]}


@pytest.fixture(params=["memory", "redis"])
def limited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    settings = make_settings(tmp_path, attributes_rate_limit="3/minute", admin_rate_limit="1000/minute", redis_url=url)
    for env in build_env(settings):
        assert env.app.state.ctx.limiter.backend == request.param
        yield env


def test_fourth_upload_in_a_minute_is_429_with_retry_after(limited: Env) -> None:
    token = limited.key(["upload"])
    assert [upload(limited, token, BODY).json() for _ in range(3)] == [ok(1, 1, 0), ok(1, 0, 1), ok(1, 0, 1)]
    r = upload(limited, token, BODY)
    assert (r.status_code, r.json()) == (429, err(429, "rate limit of 3 per minute exceeded"))
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_limit_is_per_key(limited: Env) -> None:
    first, second = limited.key(["upload"]), limited.key(["upload"])
    for _ in range(3):
        upload(limited, first, BODY)
    assert upload(limited, first, BODY).status_code == 429
    assert upload(limited, second, BODY).json() == ok(1, 0, 1)


def test_refused_request_changes_nothing(limited: Env) -> None:
    token = limited.key(["upload"])
    for _ in range(3):
        upload(limited, token, BODY)
    upload(limited, token, {"field_name": ["user_id"], "values": [["late"]]})
    r = limited.client.get(f"/admin/v1/projects/{limited.boot.project_id}/users/late", headers=limited.admin)
    assert r.status_code == 404


def test_admin_api_limit_answers_429_in_admin_envelope(tmp_path: Path) -> None:
    for env in build_env(make_settings(tmp_path, admin_rate_limit="2/minute")):
        headers = bearer(env.key(["admin"]))  # the bootstrap key made this one: a different bucket
        assert [env.client.get("/admin/v1/whoami", headers=headers).status_code for _ in range(2)] == [200, 200]
        r = env.client.get("/admin/v1/whoami", headers=headers)
        assert (r.status_code, r.json()) == (429, err(429, "rate limit of 2 per minute exceeded"))
        assert 1 <= int(r.headers["Retry-After"]) <= 60
