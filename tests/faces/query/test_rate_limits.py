"""Query budgets per plan: headers on every answer, decrease and reset; 4290 / 4291; other faces don't count."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import Env, build_env, make_settings
from tests.faces.query import fixture
from tests.faces.query.conftest import NOW, Clock
from traitbase.app import create_app
from traitbase.storage.repos import orgs

Q = "/open-api/v1/heatmap/query"


def _headers(r: object) -> tuple[str, ...]:
    h = r.headers  # type: ignore[attr-defined]
    return tuple(
        h[f"X-RateLimit-{n}"] for n in ("Limit-Minute", "Remaining-Minute", "Limit-Day", "Remaining-Day", "Tier")
    )


def _set_plan(env: Env, plan: str) -> None:
    with env.app.state.ctx.db.uow() as s:
        org = orgs.get_org(s, env.boot.org_id)
        assert org is not None
        org.plan = plan


def test_free_plan_minute_and_day(env: Env, clock: Clock) -> None:
    key = env.key(["query"])
    body = fixture.query_body(env)
    seen = []
    for _ in range(3):
        r = env.client.post(Q, json=body, headers={"x-api-key": key})
        assert r.status_code == 200
        seen.append(_headers(r))
    assert seen == [("3", "2", "100", "99", "FREE"), ("3", "1", "100", "98", "FREE"), ("3", "0", "100", "97", "FREE")]
    r = env.client.post(Q, json=body, headers={"x-api-key": key})
    assert (r.status_code, r.json()["code"], r.headers["Retry-After"]) == (429, 4290, "60")
    assert _headers(r) == ("3", "0", "100", "97", "FREE")
    # A new minute resets the minute window only; keep calling until the day's 100 are used.
    calls = 3
    while calls < 100:
        clock.now += 60
        for _ in range(min(3, 100 - calls)):
            assert env.client.post(Q, json=body, headers={"x-api-key": key}).status_code == 200
            calls += 1
    clock.now += 60
    r = env.client.post(Q, json=body, headers={"x-api-key": key})
    assert (r.status_code, r.json()["code"]) == (429, 4291)
    assert _headers(r) == ("3", "3", "100", "0", "FREE")
    assert int(r.headers["Retry-After"]) > 60
    # The next UTC day starts afresh.
    clock.now += 86_400
    r = env.client.post(Q, json=body, headers={"x-api-key": key})
    assert r.status_code == 200 and _headers(r) == ("3", "2", "100", "99", "FREE")


@pytest.mark.parametrize(("plan", "expected"), [("free_trial", ("10", "9", "1000", "999", "FREE_TRIAL")),
                                                ("growth", ("30", "29", "3000", "2999", "GROWTH"))])  # fmt: skip
def test_other_plans(env: Env, clock: Clock, plan: str, expected: tuple[str, ...]) -> None:
    _set_plan(env, plan)
    key = env.key(["query"])
    r = env.client.post(Q, json=fixture.query_body(env), headers={"x-api-key": key})
    assert r.status_code == 200 and _headers(r) == expected


def test_other_faces_do_not_count(env: Env, clock: Clock) -> None:
    key = env.key(["query", "upload", "admin"])
    for _ in range(5):
        env.client.get(f"/admin/v1/projects/{env.boot.project_id}/pages", headers={"Authorization": f"Bearer {key}"})
        env.client.post("/v1/actions", json={"actions": []}, headers={"Authorization": f"Bearer {key}"})
    r = env.client.post(Q, json=fixture.query_body(env), headers={"x-api-key": key})
    assert _headers(r) == ("3", "2", "100", "99", "FREE")


def test_headers_on_unauthenticated_answers(env: Env, clock: Clock) -> None:
    r = env.client.post(Q, json={})
    assert r.status_code == 401 and _headers(r) == ("3", "3", "100", "100", "FREE")


def test_scale_mode_processes_share_one_budget(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    """Two API processes (two apps over one PostgreSQL and one Redis): a Free key's 4th call in a
    minute is refused whichever process it reaches."""
    base = tmp_path
    settings_a = make_settings(base / "a", database_url=pg_url, redis_url=redis_url)
    settings_b = make_settings(base / "b", database_url=pg_url, redis_url=redis_url)
    envs = build_env(settings_a)
    env = next(envs)
    try:
        key = env.key(["query"])
        body = fixture.query_body(env)
        with TestClient(create_app(settings_b)) as other:
            # One fixed instant for both (a minute boundary mid-test would reset the window).
            for app in (env.app, other.app):
                app.state.ctx.query_limiter.clock = Clock(NOW)
            answers = [c.post(Q, json=body, headers={"x-api-key": key}) for c in (env.client, other, env.client, other)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        assert [_headers(r)[1] for r in answers] == ["2", "1", "0", "0"]
        assert answers[3].json()["code"] == 4290
    finally:
        envs.close()
