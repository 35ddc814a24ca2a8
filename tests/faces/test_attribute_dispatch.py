"""The attribute upload runs as plain ASGI ahead of the router, with the same answers and its OpenAPI entry kept."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import build_env
from traitbase.config import Settings
from traitbase.faces.attributes import hot
from traitbase.faces.common.hot import HotRoute, route_path


def test_upload_is_answered_by_the_dispatcher(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    handler = hot.ROUTE.handler

    async def counted(request: Any) -> Any:
        calls.append(request.url.path)
        return await handler(request)

    # The app takes its hot routes when it is built: patch first, then build it.
    monkeypatch.setattr(hot, "ROUTE", HotRoute(counted, hot.ROUTE.render_error))
    envs = build_env(settings)
    env = next(envs)
    try:
        answer = env.client.post("/v1/user/profiles", json={"field_name": ["user_id", "a"], "values": [["u1", "x"]]})
        assert answer.status_code == 401
        assert answer.json() == {"code": 401, "message": "missing or malformed Authorization: Bearer header"}
        assert calls == ["/v1/user/profiles"]
        # Any other method or path goes on to the router as before.
        assert env.client.get("/v1/user/profiles").status_code == 405
        assert calls == ["/v1/user/profiles"]
        assert "/v1/user/profiles" in env.client.get("/openapi.json").json()["paths"]
    finally:
        envs.close()


def test_route_path_drops_the_root_path() -> None:
    assert route_path({"path": "/tb/v1/user/profiles", "root_path": "/tb"}) == hot.PATH
    assert route_path({"path": "/v1/user/profiles", "root_path": ""}) == hot.PATH
