"""Fixtures for the audience files face: token-auth keys, signed headers and a live server for curl."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import Env, build_env, make_settings
from traitbase.config import Settings
from traitbase.domain.keys.tokenauth import compute_token


@dataclass
class TokenKey:
    key_id: str
    secret: str
    clock: list[int]

    def headers(self, *, timestamp: int | None = None, token: str | None = None) -> dict[str, str]:
        # Each call moves one second on, so two requests never share a (single-use) token.
        if timestamp is None:
            self.clock[0] += 1
            timestamp = self.clock[0]
        return {
            "access-key": self.key_id,
            "timestamp": str(timestamp),
            "token": token if token is not None else compute_token(self.secret, timestamp),
        }


def token_key(env: Env, *, token_auth: bool = True, scopes: list[str] | None = None) -> TokenKey:
    body = {"name": "dmp", "scopes": scopes or ["upload"], "project_id": env.boot.project_id, "token_auth": token_auth}
    r = env.client.post("/admin/v1/keys", json=body, headers=env.admin)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    return TokenKey(key_id=data["key_id"], secret=data["secret"], clock=[int(time.time()) - 200])


@pytest.fixture
def tkey(env: Env) -> TokenKey:
    return token_key(env)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    env: Env
    base: str


@contextmanager
def serve(env: Env, port: int) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(env.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    yield
    server.should_exit = True
    thread.join(timeout=10)


def live_env(tmp_path: Path, **overrides: Any) -> Iterator[Live]:
    port = free_port()
    settings = make_settings(tmp_path, public_url=f"http://127.0.0.1:{port}", **overrides)
    with contextmanager(build_env)(settings) as env, serve(env, port):
        yield Live(env=env, base=f"http://127.0.0.1:{port}")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    yield from live_env(tmp_path, audience_file_max_bytes=4096)


@pytest.fixture
def settings(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Settings:
    """Every test on the default app runs on the embedded DuckDB warehouse and on the ClickHouse server."""
    return make_settings(tmp_path, **warehouse_overrides)
