"""Helpers shared by the server-side tests: request shorthands and matchers for server-chosen values."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from httpx import Response

from tests.conftest import Env

PROFILES = "/v1/user/profiles"

SEED_BODY = {
    "field_name": ["user_id", "watch_conan", "watch_attack_on_titan"],
    "values": [["abcd123", "yes", "no"], ["abcd456", "yes", "yes"], ["abcd789", "no", "no"]],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(received: int, created: int, updated: int) -> dict[str, Any]:
    return {"code": 200, "message": "OK", "data": {"received": received, "created": created, "updated": updated}}


def err(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


class _Epoch:
    """Equals any epoch-seconds number (user times are chosen by the server)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and other > 1_600_000_000

    def __repr__(self) -> str:
        return "<epoch seconds>"


class _IsoUtc:
    """Equals any ISO-8601 time string with a UTC offset."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return False
        try:
            return datetime.fromisoformat(other).utcoffset() is not None
        except ValueError:
            return False

    def __repr__(self) -> str:
        return "<ISO time, UTC>"


class _LocalyticsTime:
    """Equals a Localytics-style UTC time without offset, ``YYYY-MM-DDTHH:MM:SS``."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", other) is not None

    def __repr__(self) -> str:
        return "<YYYY-MM-DDTHH:MM:SS>"


LOCALYTICS_TIME: Any = _LocalyticsTime()
EPOCH: Any = _Epoch()
ISO_UTC: Any = _IsoUtc()


def upload(env: Env, token: str, body: Any) -> Response:
    return env.client.post(PROFILES, json=body, headers=bearer(token))


def user_view(env: Env, user_id: str, *, project_id: str | None = None, environment: str | None = None) -> Response:
    pid = project_id or env.boot.project_id
    params = {"environment": environment} if environment else None
    return env.client.get(f"/admin/v1/projects/{pid}/users/{user_id}", headers=env.admin, params=params)


def attrs_of(env: Env, user_id: str, **kw: Any) -> dict[str, Any] | None:
    """The project's view of one user's attributes, or None if the user does not exist."""
    r = user_view(env, user_id, **kw)
    if r.status_code == 404:
        assert r.json() == {"code": 404, "message": "user not found"}
        return None
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()["data"]["attributes"]
    return found


def user_answer(user_id: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {"data": {"user_id": user_id, "attributes": attributes, "created_at": EPOCH, "updated_at": EPOCH}}
