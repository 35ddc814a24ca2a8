"""``AsyncClient`` through httpx's ASGI transport, and the admin namespace end to end."""

from __future__ import annotations

import asyncio

import httpx
import orjson

from tests.client.conftest import BASE, FAST_RETRY, AsyncRecorder, too_many
from tests.conftest import Env
from traitbase.client import AsyncClient, Client, RetryEvent, UploadResult


def test_async_client_uploads_250_rows_in_three_batches(env: Env, upload_token: str) -> None:
    async def run() -> tuple[UploadResult, list[int]]:
        rec = AsyncRecorder(httpx.ASGITransport(app=env.app))
        async with AsyncClient(BASE, upload_token, transport=rec) as c:
            result = await c.attributes.upload({"user_id": f"a{i}", "k": "v"} for i in range(250))
        return result, [len(orjson.loads(r.content)["values"]) for r in rec.requests]

    result, sizes = asyncio.run(run())
    assert result == UploadResult(received=250, created=250, updated=0, batches=3)
    assert sizes == [100, 100, 50]


def test_async_client_honours_retry_after_and_reads_back_through_admin(env: Env, upload_token: str) -> None:
    events: list[RetryEvent] = []

    async def run() -> dict[str, str]:
        rec = AsyncRecorder(httpx.ASGITransport(app=env.app), [too_many("1")])
        async with AsyncClient(BASE, upload_token, transport=rec, retry=FAST_RETRY, on_retry=events.append) as c:
            await c.attributes.upload([{"user_id": "abcd123", "watch_conan": "yes"}])
        async with AsyncClient(BASE, env.boot.admin_token, transport=httpx.ASGITransport(app=env.app)) as a:
            user = await a.admin.get_user(env.boot.project_id, "abcd123")
        return user["attributes"]

    assert asyncio.run(run()) == {"watch_conan": "yes"}
    assert [(e.attempt, e.wait >= 1.0) for e in events] == [(1, True)]


def test_admin_namespace_creates_lists_and_revokes(env: Env, admin: Client) -> None:
    org = admin.admin.create_org("Acme", plan="growth")
    assert (org["name"], org["plan"]) == ("Acme", "growth")
    project = admin.admin.create_project("Shop", org_id=org["id"], timezone="Asia/Tokyo")
    # created_at is left out: the server renders it with a UTC offset on create but not on read.
    fetched = {k: v for k, v in admin.admin.get_project(project["id"]).items() if k != "created_at"}
    assert fetched == {k: v for k, v in project.items() if k != "created_at"}
    assert [p["id"] for p in admin.admin.list_projects(org_id=org["id"])] == [project["id"]]
    issued = admin.admin.create_key(name="loader", scopes=["upload"], project_id=project["id"])
    assert issued["token"] == f"tb-{issued['key_id']}.{issued['secret']}"
    listed = admin.admin.list_keys(project_id=project["id"])
    assert [(k["key_id"], k["scopes"], k["revoked"]) for k in listed] == [(issued["key_id"], ["upload"], False)]
    revoked = admin.admin.revoke_key(issued["key_id"])
    assert (revoked["key_id"], revoked["revoked"]) == (issued["key_id"], True)
    assert [o["name"] for o in admin.admin.list_orgs()] == ["Default organization", "Acme"]


def test_list_users_pages_with_next(env: Env, upload_token: str, admin: Client) -> None:
    with Client(BASE, upload_token, transport=env.transport) as c:
        c.attributes.upload([{"user_id": f"u{i}", "x": "1"} for i in range(5)])
    first = admin.admin.list_users(env.boot.project_id, limit=3)
    assert ([u["user_id"] for u in first["users"]], first["next"]) == (["u0", "u1", "u2"], "u2")
    second = admin.admin.list_users(env.boot.project_id, limit=3, after=first["next"])
    assert ([u["user_id"] for u in second["users"]], second["next"]) == (["u3", "u4"], None)
