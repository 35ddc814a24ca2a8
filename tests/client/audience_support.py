"""Shared by the SDK and CLI audience tests: generated device-id files and a token-auth key."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from tests.conftest import Env
from tests.faces.support import ISO_UTC

LINES = 3000


def device_ids(n: int = LINES, prefix: str = "gaid") -> list[str]:
    return [f"{prefix}-{i:06d}-0000-4000-8000-{i * 7919:012d}" for i in range(n)]


def csv_gz(path: Path, ids: list[str]) -> Path:
    path.write_bytes(gzip.compress(("gaid\n" + "".join(f"{i}\n" for i in ids)).encode()))
    return path


def txt(path: Path, ids: list[str]) -> Path:
    path.write_text("".join(f"{i}\r\n" for i in ids))
    return path


def token_auth_key(env: Env, scopes: tuple[str, ...] = ("upload", "admin")) -> str:
    """A project key enabled for the audience files' token scheme (its token is tb-<id>.<secret>)."""
    body = {"name": "dmp", "scopes": list(scopes), "project_id": env.boot.project_id, "token_auth": True}
    r = env.client.post("/admin/v1/keys", json=body, headers=env.admin)
    assert r.status_code == 201, r.text
    token: str = r.json()["data"]["token"]
    return token


def audience(env: Env, aid: int, name: str, count: int, device_types: str, area_type: int) -> Any:
    """The admin API's audience object expected after a file load (times: any ISO-8601 UTC time)."""
    return {
        "id": aid,
        "project_id": env.boot.project_id,
        "environment": "production",
        "source": "file",
        "name": name,
        "identifier_type": "device_id",
        "platform": 1,
        "area_type": area_type,
        "device_types": device_types,
        "version": 1,
        "record_count": count,
        "member_count": count,
        "created_at": ISO_UTC,
        "updated_at": ISO_UTC,
    }
