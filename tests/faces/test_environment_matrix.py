"""Environment isolation in the admin plane: every admin route × (project key, org key) × caller environment ×
target environment. A key acts only in its own environment: a sandbox key never reads, creates, lists or revokes
anything of production, and the other way round (SPEC 1); a refusal never hints whether the object exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import Response

from tests.conftest import Env
from tests.faces.support import bearer

ENVS = ("production", "sandbox")
CALLERS = [(kind, env) for kind in ("project", "org") for env in ENVS]


@dataclass
class World:
    env: Env
    project: str
    callers: dict[tuple[str, str], dict[str, str]]
    # One victim key per environment, made by the instance admin, for the list / revoke routes.
    victims: dict[str, str]


def _key_id(token: str) -> str:
    return token.split("-", 1)[1].split(".", 1)[0]


@pytest.fixture
def world(env: Env) -> World:
    pid = env.boot.project_id
    callers = {
        (kind, e): bearer(env.key(["admin", "upload"], environment=e, org_key=(kind == "org"), name=f"{kind}-{e}"))
        for kind, e in CALLERS
    }
    for e in ENVS:
        up = env.key(["upload"], environment=e, name=f"upload-{e}")
        r = env.client.post(
            "/v1/user/profiles", json={"field_name": ["user_id", "plan"], "values": [["u1", e]]}, headers=bearer(up)
        )
        assert r.status_code == 200, r.text
    victims = {e: env.key(["upload"], environment=e, name=f"victim-{e}") for e in ENVS}
    return World(env=env, project=pid, callers=callers, victims=victims)


Call = Callable[[World, dict[str, str], str], Response]


def _get(path: str, **params: str) -> Call:
    def call(w: World, headers: dict[str, str], target: str) -> Response:
        return w.env.client.get(path.format(p=w.project), params={"environment": target, **params}, headers=headers)

    return call


def _create_key(w: World, headers: dict[str, str], target: str) -> Response:
    body = {"name": "minted", "scopes": ["admin", "upload"], "environment": target, "project_id": w.project}
    return w.env.client.post("/admin/v1/keys", json=body, headers=headers)


def _revoke(w: World, headers: dict[str, str], target: str) -> Response:
    return w.env.client.post(f"/admin/v1/keys/{_key_id(w.victims[target])}/revoke", headers=headers)


def _wipe(w: World, headers: dict[str, str], target: str) -> Response:
    # The wipe route always targets the sandbox; the production row asks nothing of it.
    assert target == "sandbox"
    return w.env.client.post(f"/admin/v1/projects/{w.project}/sandbox/wipe", headers=headers)


# route name -> (call, what an allowed call answers, what a refused call answers)
ROUTES: dict[str, tuple[Call, int, tuple[int, str]]] = {
    "get user": (_get("/admin/v1/projects/{p}/users/u1"), 200, (404, "project not found")),
    "list users": (_get("/admin/v1/projects/{p}/users"), 200, (404, "project not found")),
    "user events": (_get("/admin/v1/projects/{p}/users/u1/events"), 200, (404, "project not found")),
    "event counts": (
        _get("/admin/v1/projects/{p}/events/counts", start="2026-01-01", end="2026-01-31"),
        200,
        (404, "project not found"),
    ),
    "items": (_get("/admin/v1/projects/{p}/items"), 200, (404, "project not found")),
    "list audiences": (_get("/admin/v1/projects/{p}/audiences"), 200, (404, "project not found")),
    "get audience": (_get("/admin/v1/projects/{p}/audiences/1"), 404, (404, "project not found")),
    "audience loads": (_get("/admin/v1/projects/{p}/audiences/1/loads"), 404, (404, "project not found")),
    "audience members": (_get("/admin/v1/projects/{p}/audiences/1/members"), 404, (404, "project not found")),
    "audience member": (_get("/admin/v1/projects/{p}/audiences/1/members/x"), 404, (404, "project not found")),
    "create key": (_create_key, 201, (403, "")),
    "revoke key": (_revoke, 200, (404, "key not found")),
    "sandbox wipe": (_wipe, 200, (404, "project not found")),
}


def _cases() -> list[Any]:
    out = []
    for route in ROUTES:
        for kind, caller_env in CALLERS:
            for target in ENVS:
                if route == "sandbox wipe" and target != "sandbox":
                    continue
                out.append(pytest.param(route, kind, caller_env, target, id=f"{route}-{kind}-{caller_env}->{target}"))
    return out


@pytest.mark.parametrize(("route", "kind", "caller_env", "target"), _cases())
def test_admin_route_acts_only_in_the_callers_environment(
    world: World, route: str, kind: str, caller_env: str, target: str
) -> None:
    call, allowed_status, (refused_status, refused_message) = ROUTES[route]
    r = call(world, world.callers[(kind, caller_env)], target)
    if caller_env == target:
        assert r.status_code == allowed_status, r.text
        if allowed_status == 404:  # the environment is reachable; only the object is missing
            assert r.json()["message"] != "project not found"
        return
    assert r.status_code == refused_status, r.text
    if refused_message:
        assert r.json() == {"code": refused_status, "message": refused_message}
    else:
        assert r.json()["message"] == f"a {caller_env} key can only create {caller_env} keys"


@pytest.mark.parametrize(("kind", "caller_env"), CALLERS)
def test_key_list_shows_only_the_callers_environment(world: World, kind: str, caller_env: str) -> None:
    r = world.env.client.get(
        "/admin/v1/keys", params={"project_id": world.project}, headers=world.callers[(kind, caller_env)]
    )
    assert r.status_code == 200, r.text
    listed = r.json()["data"]
    assert listed, "the caller's own environment has keys"
    assert {k["environment"] for k in listed} == {caller_env}
    ids = {k["key_id"] for k in listed}
    assert _key_id(world.victims[caller_env]) in ids
    other = "sandbox" if caller_env == "production" else "production"
    assert _key_id(world.victims[other]) not in ids


@pytest.mark.parametrize(("kind", "caller_env"), CALLERS)
def test_refused_revoke_leaves_the_other_environment_working(world: World, kind: str, caller_env: str) -> None:
    other = "sandbox" if caller_env == "production" else "production"
    assert _revoke(world, world.callers[(kind, caller_env)], other).status_code == 404
    r = world.env.client.post(
        "/v1/user/profiles",
        json={"field_name": ["user_id", "plan"], "values": [["u2", "x"]]},
        headers=bearer(world.victims[other]),
    )
    assert r.status_code == 200, r.text


def test_sandbox_minted_key_cannot_read_production_users(world: World) -> None:
    """The reported hole: a sandbox admin key minting a production key that then reads production users."""
    minted = _create_key(world, world.callers[("project", "sandbox")], "production")
    assert minted.status_code == 403
    r = world.env.client.get(
        f"/admin/v1/projects/{world.project}/users/u1",
        params={"environment": "production"},
        headers=world.callers[("org", "sandbox")],
    )
    assert r.status_code == 404
