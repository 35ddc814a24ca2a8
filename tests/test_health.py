"""Liveness and readiness probes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import Env, build_env, make_settings
from tests.servers import free_port


def test_healthz_answers_ok(env: Env) -> None:
    r = env.client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def test_readyz_checks_every_store(env: Env) -> None:
    r = env.client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "checks": {"database": "ok", "warehouse": "ok", "files": "ok", "rate_limits": "ok"},
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


def test_readyz_answers_503_when_the_file_store_is_gone(env: Env) -> None:
    shutil.rmtree(env.app.state.ctx.blobs.root)
    r = env.client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["files"].startswith("unreachable")
    assert r.json()["checks"]["database"] == "ok"


def test_readyz_answers_503_when_the_object_store_is_unreachable(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    settings = make_settings(
        tmp_path,
        blob_backend="s3",
        s3_bucket="traitbase",
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        s3_access_key_id="test",
        s3_secret_access_key="test",
        s3_region="us-east-1",
    )
    for env in build_env(settings):
        r = env.client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["files"].startswith("unreachable")
