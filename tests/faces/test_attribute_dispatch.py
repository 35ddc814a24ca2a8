"""The attribute upload runs as plain ASGI ahead of the router, with the same answers and its OpenAPI entry kept."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from traitbase.faces.attributes import hot


def test_upload_is_answered_by_the_dispatcher(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    handler = hot.upload_profiles

    async def counted(request: Any) -> Any:
        calls.append(request.url.path)
        return await handler(request)

    monkeypatch.setattr(hot, "upload_profiles", counted)
    answer = env.client.post("/v1/user/profiles", json={"field_name": ["user_id", "a"], "values": [["u1", "x"]]})
    assert answer.status_code == 401
    assert answer.json() == {"code": 401, "message": "missing or malformed Authorization: Bearer header"}
    assert calls == ["/v1/user/profiles"]
    # Any other method or path goes on to the router as before.
    assert env.client.get("/v1/user/profiles").status_code == 405
    assert calls == ["/v1/user/profiles"]
    assert "/v1/user/profiles" in env.client.get("/openapi.json").json()["paths"]


def test_route_path_drops_the_root_path() -> None:
    assert hot._route_path({"path": "/tb/v1/user/profiles", "root_path": "/tb"}) == hot.PATH
    assert hot._route_path({"path": "/v1/user/profiles", "root_path": ""}) == hot.PATH
