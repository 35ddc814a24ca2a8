"""Fixtures of the events face tests: an upload key's headers and small read-back helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, make_settings
from traitbase.config import Settings


@pytest.fixture
def upload(env: Env) -> dict[str, str]:
    return {"Authorization": f"Bearer {env.key(['upload'])}", "Content-Type": "application/json"}


def user_events(env: Env, user_id: str, *, environment: str = "production") -> list[dict[str, Any]]:
    r = env.client.get(
        f"/admin/v1/projects/{env.boot.project_id}/users/{user_id}/events",
        params={"environment": environment},
        headers=env.admin,
    )
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def without_receipt(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events minus the server's receive time (the one value a test cannot know)."""
    return [{k: v for k, v in e.items() if k != "received_at"} for e in events]


@pytest.fixture
def settings(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Settings:
    """Every test on the default app runs on the embedded DuckDB warehouse and on the ClickHouse server."""
    return make_settings(tmp_path, **warehouse_overrides)
