"""Fixtures of the collection face tests: site keys, batch builders and read-back of tracker tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, make_settings
from traitbase.config import Settings
from traitbase.storage.repos import projects

T = 1_733_040_000_000
MIN = 60_000
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


@pytest.fixture
def settings(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Settings:
    """Every collection test on the default app runs on the embedded DuckDB warehouse and on ClickHouse."""
    return make_settings(tmp_path, **warehouse_overrides)


def freeze(env: Env, ms: int) -> None:
    """The collector's clock stands still at ``ms`` (client clocks are corrected against it)."""
    env.app.state.ctx.collector.clock = lambda: ms / 1000


@pytest.fixture
def env(env: Env) -> Env:
    freeze(env, T)
    return env


def site_key(env: Env, project_id: str | None = None, *, environment: str = "production") -> str:
    """The project's public site key for ``environment`` (its ``sandbox_site_key`` for the sandbox)."""
    with env.app.state.ctx.db.read() as s:
        proj = projects.get_project(s, project_id or env.boot.project_id)
        assert proj is not None
        return str(proj.site_key if environment == "production" else proj.sandbox_site_key)


def batch(*events: dict[str, Any], visitor: str = "visitor-1", sent_at: int | None = None, **top: Any) -> bytes:
    """A batch whose client clock agrees with the event times (sent_at = last event) unless told."""
    last = max((e["ts"] for e in events), default=T)
    return json.dumps({"visitor": visitor, "sent_at": sent_at or last, "events": list(events), **top}).encode()


def pageview(page: str, ts: int, url: str = "https://shop.example/", **extra: Any) -> dict[str, Any]:
    return {"kind": "pageview", "id": f"pv-{page}-{ts}", "ts": ts, "page": page, "url": url, **extra}


def post(env: Env, body: bytes, *, site: str | None, headers: dict[str, str] | None = None) -> Any:
    url = "/collect" if site is None else f"/collect?site={site}"
    h = {"content-type": "text/plain;charset=UTF-8", "user-agent": CHROME, **(headers or {})}
    return env.client.post(url, content=body, headers=h)


def rows(env: Env, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    res = env.app.state.ctx.warehouse.read(sql, params or [])
    return [dict(zip(res.columns, r, strict=True)) for r in res.rows]
