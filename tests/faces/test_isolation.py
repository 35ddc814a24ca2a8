"""Cross-tenant isolation for every auth style: a key of project A never reaches B or A's sandbox."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Depends
from starlette.testclient import TestClient

from tests.conftest import Env, make_settings
from tests.faces.support import attrs_of, bearer, err, ok, upload
from traitbase.app import create_app
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.keys.principal import Principal
from traitbase.faces.common.auth import (
    api_key_header_principal,
    basic_principal,
    bearer_principal,
    query_param_principal,
)

# A test-only face per auth style that answers whom the key stands for.
probe = APIRouter(prefix="/probe")


def _who(p: Principal) -> dict[str, Any]:
    return {"org_id": p.org_id, "project_id": p.project_id, "environment": p.environment}


@probe.get("/bearer")
async def _bearer(p: Principal = Depends(bearer_principal)) -> dict[str, Any]:
    return _who(p)


@probe.get("/x-api-key")
async def _x_api_key(p: Principal = Depends(api_key_header_principal)) -> dict[str, Any]:
    return _who(p)


@probe.get("/basic")
async def _basic(p: Principal = Depends(basic_principal)) -> dict[str, Any]:
    return _who(p)


@probe.get("/query")
async def _query(p: Principal = Depends(query_param_principal)) -> dict[str, Any]:
    return _who(p)


def _split(token: str) -> tuple[str, str]:
    key_id, secret = token.split("-", 1)[1].split(".", 1)
    return key_id, secret


def _call(client: TestClient, style: str, token: str) -> Any:
    if style == "bearer":
        return client.get("/probe/bearer", headers=bearer(token))
    if style == "x-api-key":
        return client.get("/probe/x-api-key", headers={"x-api-key": token})
    if style == "basic":
        key_id, secret = _split(token)
        cred = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
        return client.get("/probe/basic", headers={"Authorization": f"Basic {cred}"})
    return client.get("/probe/query", params={"api_key": token})


@dataclass
class Tenants:
    env: Env
    b_project: str
    other_org: int
    c_project: str  # a project of another organization


@pytest.fixture
def tenants(tmp_path: Path) -> Iterator[Tenants]:
    settings = make_settings(tmp_path)
    app = create_app(settings)
    app.include_router(probe)
    with app.state.ctx.db.uow() as s:
        boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
    assert boot is not None
    with TestClient(app) as client:
        env = Env(app=app, client=client, boot=boot, settings=settings)
        r = client.post("/admin/v1/orgs", json={"name": "other org"}, headers=env.admin)
        other_org = r.json()["data"]["id"]
        yield Tenants(env, env.project("project b"), other_org, env.project("project c", org_id=other_org))


STYLES = ["bearer", "x-api-key", "basic", "query"]


@pytest.mark.parametrize("style", STYLES)
def test_each_key_resolves_to_its_own_project_and_environment(tenants: Tenants, style: str) -> None:
    env = tenants.env
    a = env.boot.project_id
    cases = [
        (env.key(["query"]), {"org_id": env.boot.org_id, "project_id": a, "environment": "production"}),
        (
            env.key(["query"], environment="sandbox"),
            {"org_id": env.boot.org_id, "project_id": a, "environment": "sandbox"},
        ),
        (
            env.key(["query"], project_id=tenants.b_project),
            {"org_id": env.boot.org_id, "project_id": tenants.b_project, "environment": "production"},
        ),
        (
            env.key(["query"], project_id=tenants.c_project),
            {"org_id": tenants.other_org, "project_id": tenants.c_project, "environment": "production"},
        ),
    ]
    for token, who in cases:
        r = _call(env.client, style, token)
        assert r.status_code == 200
        assert r.json() == who


@pytest.mark.parametrize("style", STYLES)
def test_key_id_of_a_with_secret_of_b_is_refused(tenants: Tenants, style: str) -> None:
    env = tenants.env
    a_id, _ = _split(env.key(["query"]))
    _, b_secret = _split(env.key(["query"], project_id=tenants.b_project))
    r = _call(env.client, style, f"tb-{a_id}.{b_secret}")
    assert r.status_code == 401
    assert r.json() == err(401, "invalid API key")


@pytest.mark.parametrize("style", STYLES)
def test_missing_credentials_are_401_for_every_style(tenants: Tenants, style: str) -> None:
    r = tenants.env.client.get(f"/probe/{style}")
    assert r.status_code == 401
    assert r.json()["code"] == 401


def test_attribute_upload_of_a_is_invisible_to_b_and_other_org(tenants: Tenants) -> None:
    env = tenants.env
    body = {"field_name": ["user_id", "secret"], "values": [["shared-id", "from-a"]]}
    assert upload(env, env.key(["upload"]), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "shared-id", project_id=tenants.b_project) is None
    assert attrs_of(env, "shared-id", project_id=tenants.c_project) is None
    assert attrs_of(env, "shared-id", environment="sandbox") is None


def test_same_user_id_in_two_projects_stays_apart(tenants: Tenants) -> None:
    env = tenants.env
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "v"], "values": [["u", "a"]]})
    b_body = {"field_name": ["user_id", "v"], "values": [["u", "b"]]}
    assert upload(env, env.key(["upload"], project_id=tenants.b_project), b_body).json() == ok(1, 1, 0)
    assert attrs_of(env, "u") == {"v": "a"}
    assert attrs_of(env, "u", project_id=tenants.b_project) == {"v": "b"}


def test_sandbox_key_writes_only_sandbox(tenants: Tenants) -> None:
    env = tenants.env
    body = {"field_name": ["user_id", "v"], "values": [["sbx", "1"]]}
    assert upload(env, env.key(["upload"], environment="sandbox"), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "sbx") is None
    assert attrs_of(env, "sbx", environment="sandbox") == {"v": "1"}


def test_production_key_does_not_write_sandbox(tenants: Tenants) -> None:
    env = tenants.env
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "v"], "values": [["prod", "1"]]})
    assert attrs_of(env, "prod", environment="sandbox") is None


@pytest.mark.parametrize(
    "path",
    [
        "/admin/v1/projects/{p}",
        "/admin/v1/projects/{p}/users",
        "/admin/v1/projects/{p}/users/u1",
        "/admin/v1/keys?project_id={p}",
    ],
)
def test_admin_reads_of_b_with_a_project_admin_key_are_404_without_hint(tenants: Tenants, path: str) -> None:
    env = tenants.env
    headers = bearer(env.key(["admin"]))
    upload(env, env.key(["upload"], project_id=tenants.b_project), {"field_name": ["user_id"], "values": [["u1"]]})
    for target in (tenants.b_project, tenants.c_project):
        r = env.client.get(path.format(p=target), headers=headers)
        assert (r.status_code, r.json()) == (404, err(404, "project not found"))
    nowhere = env.client.get(path.format(p="ffffffff"), headers=headers)
    assert (nowhere.status_code, nowhere.json()) == (404, err(404, "project not found"))


def test_org_admin_key_cannot_read_another_org(tenants: Tenants) -> None:
    env = tenants.env
    headers = bearer(env.key(["admin"], org_key=True))
    r = env.client.get(f"/admin/v1/projects/{tenants.c_project}/users", headers=headers)
    assert (r.status_code, r.json()) == (404, err(404, "project not found"))
    r = env.client.get(f"/admin/v1/orgs/{tenants.other_org}/members", headers=headers)
    assert (r.status_code, r.json()) == (404, err(404, "organization not found"))


def test_project_admin_key_cannot_read_its_own_sandbox(tenants: Tenants) -> None:
    env = tenants.env
    upload(env, env.key(["upload"], environment="sandbox"), {"field_name": ["user_id"], "values": [["s1"]]})
    headers = bearer(env.key(["admin"]))
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/s1?environment=sandbox", headers=headers)
    assert (r.status_code, r.json()) == (404, err(404, "project not found"))


def test_sandbox_admin_key_reads_sandbox_not_production(tenants: Tenants) -> None:
    env = tenants.env
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "v"], "values": [["p1", "x"]]})
    upload(env, env.key(["upload"], environment="sandbox"), {"field_name": ["user_id", "v"], "values": [["s1", "y"]]})
    headers = bearer(env.key(["admin"], environment="sandbox"))
    base = f"/admin/v1/projects/{env.boot.project_id}/users"
    r = env.client.get(base, params={"environment": "sandbox"}, headers=headers)
    assert [u["user_id"] for u in r.json()["data"]] == ["s1"]
    r = env.client.get(base, headers=headers)
    assert (r.status_code, r.json()) == (404, err(404, "project not found"))


def test_project_admin_key_lists_only_its_own_project(tenants: Tenants) -> None:
    env = tenants.env
    r = env.client.get("/admin/v1/projects", headers=bearer(env.key(["admin"])))
    assert [p["id"] for p in r.json()["data"]] == [env.boot.project_id]
