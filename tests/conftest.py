"""Shared fixtures: every test builds its own app on a temporary data directory.

Scale-mode fixtures (``pg_url``, ``redis_url``) talk to the real local services and fail —
never skip — when a service is unreachable, so CI cannot go green without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from traitbase.app import create_app
from traitbase.config import Settings
from traitbase.domain.bootstrap import BootstrapResult, first_start

PG_ADMIN_URL = os.environ.get("TRAITBASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TRAITBASE_TEST_REDIS", "redis://127.0.0.1:6379/0")

# The ClickHouse server fixtures (scale mode), kept in their own module.
pytest_plugins = ["tests.clickhouse_fixtures"]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, access_log=False, log_level="WARNING", **overrides)


@dataclass
class Env:
    """A running app with its first tenant, and helpers to make keys through the admin API."""

    app: FastAPI
    client: TestClient
    boot: BootstrapResult
    settings: Settings

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.boot.admin_token}"}

    def key(
        self,
        scopes: list[str],
        *,
        project_id: str | None = None,
        environment: str = "production",
        org_key: bool = False,
        name: str = "test key",
    ) -> str:
        body: dict[str, Any] = {"name": name, "scopes": scopes, "environment": environment}
        if not org_key:
            body["project_id"] = project_id or self.boot.project_id
        r = self.client.post("/admin/v1/keys", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        token: str = r.json()["data"]["token"]
        return token

    def project(self, name: str = "second project", org_id: int | None = None) -> str:
        body: dict[str, Any] = {"name": name}
        if org_id is not None:
            body["org_id"] = org_id
        r = self.client.post("/admin/v1/projects", json=body, headers=self.admin)
        assert r.status_code == 201, r.text
        pid: str = r.json()["data"]["id"]
        return pid


def build_env(settings: Settings) -> Generator[Env, None, None]:
    app = create_app(settings)
    with app.state.ctx.db.uow() as s:
        boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
    assert boot is not None
    with TestClient(app) as client:
        yield Env(app=app, client=client, boot=boot, settings=settings)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def env(settings: Settings) -> Iterator[Env]:
    yield from build_env(settings)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the local server; dropped afterwards."""
    import psycopg

    name = "tb_test_" + uuid.uuid4().hex[:12]
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except Exception as exc:  # a missing service fails the run; it is never skipped
        pytest.fail(f"PostgreSQL is required for scale-mode tests and is unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).ping()
    except Exception as exc:
        pytest.fail(f"Redis is required for scale-mode tests and is unreachable: {exc}")
    return REDIS_URL
