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

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from traitbase.app import create_app
from traitbase.config import Settings
from traitbase.domain.control.bootstrap import BootstrapResult, first_start

# Where the test services are. Deliberately not TRAITBASE_* names: those are the server's settings,
# which the suite clears (below) so that a developer's shell never changes a result.
PG_ADMIN_URL = os.environ.get("TB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# A test that uses one of these fixtures (or a fixture parametrized with one of these names) needs
# that real service, and gets its marker without anyone having to remember to add it.
SERVICE_FIXTURES = {"pg_url": "postgres", "redis_url": "redis", "clickhouse_url": "clickhouse"}
SERVICE_PARAMS = {"postgres": "postgres", "redis": "redis", "clickhouse": "clickhouse"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = {SERVICE_FIXTURES[f] for f in getattr(item, "fixturenames", ()) if f in SERVICE_FIXTURES}
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            names |= {SERVICE_PARAMS[v] for v in callspec.params.values() if isinstance(v, str) and v in SERVICE_PARAMS}
        for name in sorted(names):
            item.add_marker(getattr(pytest.mark, name))


@pytest.fixture(autouse=True)
def _no_shell_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come only from what each test passes: the developer's TRAITBASE_* variables are cleared."""
    for name in [k for k in os.environ if k.startswith("TRAITBASE_")]:
        monkeypatch.delenv(name)


# The ClickHouse server fixtures (scale mode), kept in their own module.
pytest_plugins = ["tests.clickhouse_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        help="Examples per operation or form in the fuzz tests (default: a small bounded number for CI).",
    )


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, access_log=False, log_level="WARNING", **overrides)


class AppTransport(httpx.BaseTransport):
    """Carries the SDK's httpx requests into the app through the test client (built on httpx2)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method, str(request.url), headers=list(request.headers.multi_items()), content=request.read()
        )
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content, request=request
        )


@dataclass
class Env:
    """A running app with its first tenant, and helpers to make keys through the admin API."""

    app: FastAPI
    client: TestClient
    boot: BootstrapResult
    settings: Settings

    @property
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport into the in-process app, for the SDK (which is built on httpx)."""
        return AppTransport(self.client)

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
