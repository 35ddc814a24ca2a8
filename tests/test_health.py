"""Liveness and readiness probes."""

from __future__ import annotations

from tests.conftest import Env


def test_healthz_answers_ok(env: Env) -> None:
    r = env.client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def test_readyz_checks_every_store(env: Env) -> None:
    r = env.client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "checks": {"database": "ok", "warehouse": "ok", "rate_limits": "ok"},
    }


def test_readyz_answers_503_when_the_warehouse_is_gone(env: Env) -> None:
    env.app.state.ctx.warehouse.close()
    r = env.client.get("/readyz")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    body = r.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["warehouse"].startswith("unreachable")
