"""Admin API: organizations, projects, members, keys and users, with whole answers asserted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.support import EPOCH, ISO_UTC, bearer, err, ok, upload
from traitbase.domain.control import service as admin
from traitbase.storage.repos import orgs as org_repo


def _key_id(token: str) -> str:
    return token.split("-", 1)[1].split(".", 1)[0]


def _key_row(env: Env, key_id: str) -> dict[str, Any]:
    keys = env.client.get("/admin/v1/keys", headers=env.admin).json()["data"]
    return next(k for k in keys if k["key_id"] == key_id)


def test_create_and_list_organizations(env: Env) -> None:
    r = env.client.post("/admin/v1/orgs", json={"name": "Acme", "plan": "growth"}, headers=env.admin)
    assert r.status_code == 201
    acme = r.json()["data"]
    assert r.json() == {"data": {"id": acme["id"], "name": "Acme", "plan": "growth", "created_at": ISO_UTC}}
    r = env.client.get("/admin/v1/orgs", headers=env.admin)
    assert r.json() == {
        "data": [
            {"id": env.boot.org_id, "name": "Default organization", "plan": "free", "created_at": ISO_UTC},
            {"id": acme["id"], "name": "Acme", "plan": "growth", "created_at": ISO_UTC},
        ]
    }


def test_org_admin_key_cannot_create_organizations(env: Env) -> None:
    r = env.client.post("/admin/v1/orgs", json={"name": "Acme"}, headers=bearer(env.key(["admin"], org_key=True)))
    assert (r.status_code, r.json()) == (403, err(403, "only an instance administrator key creates organizations"))


def test_create_and_get_project(env: Env) -> None:
    r = env.client.post("/admin/v1/projects", json={"name": "Shop", "timezone": "Asia/Tokyo"}, headers=env.admin)
    assert r.status_code == 201
    data = r.json()["data"]
    assert r.json() == {
        "data": {
            "id": data["id"],
            "org_id": env.boot.org_id,
            "name": "Shop",
            "site_key": data["site_key"],
            "sandbox_site_key": data["sandbox_site_key"],
            "timezone": "Asia/Tokyo",
            "environments": ["production", "sandbox"],
            "created_at": ISO_UTC,
        }
    }
    assert len(data["id"]) == 8 and int(data["id"], 16) >= 0 and data["id"] == data["id"].lower()
    assert data["site_key"].startswith("tbs_") and data["sandbox_site_key"].startswith("tbx_")
    assert env.client.get(f"/admin/v1/projects/{data['id']}", headers=env.admin).json() == r.json()
    listed = env.client.get("/admin/v1/projects", headers=env.admin).json()["data"]
    assert [p["id"] for p in listed] == [env.boot.project_id, data["id"]]


def test_project_key_cannot_create_projects(env: Env) -> None:
    r = env.client.post("/admin/v1/projects", json={"name": "x"}, headers=bearer(env.key(["admin"])))
    assert (r.status_code, r.json()) == (403, err(403, "a project key cannot create projects"))


def test_key_secret_is_shown_once_and_never_listed(env: Env) -> None:
    body = {"name": "ci", "scopes": ["upload", "query"], "project_id": env.boot.project_id}
    r = env.client.post("/admin/v1/keys", json=body, headers=env.admin)
    assert r.status_code == 201
    data = r.json()["data"]
    assert r.json() == {
        "data": {
            "key_id": data["key_id"],
            "org_id": env.boot.org_id,
            "project_id": env.boot.project_id,
            "environment": "production",
            "name": "ci",
            "scopes": ["query", "upload"],
            "created_at": ISO_UTC,
            "created_by": 1,
            "last_used_at": None,
            "revoked": False,
            "revoked_at": None,
            "token_auth": False,
            "token": f"tb-{data['key_id']}.{data['secret']}",
            "secret": data["secret"],
        }
    }
    assert len(data["secret"]) >= 32
    listing = env.client.get("/admin/v1/keys", headers=env.admin)
    assert data["secret"] not in listing.text
    row = _key_row(env, data["key_id"])
    assert row == {k: v for k, v in data.items() if k not in ("token", "secret")}


def test_last_used_time_is_set_after_use(env: Env) -> None:
    token = env.key(["upload"])
    assert _key_row(env, _key_id(token))["last_used_at"] is None
    assert upload(env, token, {"field_name": ["user_id"], "values": [["u"]]}).json() == ok(1, 1, 0)
    assert _key_row(env, _key_id(token))["last_used_at"] == ISO_UTC


def test_revoke_key_answers_the_revoked_key(env: Env) -> None:
    token = env.key(["upload"], name="old")
    r = env.client.post(f"/admin/v1/keys/{_key_id(token)}/revoke", headers=env.admin)
    assert r.status_code == 200
    assert r.json()["data"] | {"created_at": None} == {
        "key_id": _key_id(token),
        "org_id": env.boot.org_id,
        "project_id": env.boot.project_id,
        "environment": "production",
        "name": "old",
        "scopes": ["upload"],
        "created_at": None,
        "created_by": 1,
        "last_used_at": None,
        "revoked": True,
        "revoked_at": ISO_UTC,
        "token_auth": False,
    }
    assert _key_row(env, _key_id(token))["revoked"] is True


def test_revoke_unknown_key_is_404(env: Env) -> None:
    r = env.client.post("/admin/v1/keys/0123456789abcdef/revoke", headers=env.admin)
    assert (r.status_code, r.json()) == (404, err(404, "key not found"))


def test_add_and_list_members(env: Env) -> None:
    body = {"email": "dev@example.com", "name": "Dev", "role": "member"}
    r = env.client.post(f"/admin/v1/orgs/{env.boot.org_id}/members", json=body, headers=env.admin)
    assert r.status_code == 201
    assert r.json() == {"data": {"id": 2, "org_id": env.boot.org_id, **body}}
    r = env.client.get(f"/admin/v1/orgs/{env.boot.org_id}/members", headers=env.admin)
    assert r.json() == {
        "data": [
            {"id": 1, "org_id": env.boot.org_id, "email": "owner@localhost", "name": "Owner", "role": "owner"},
            {"id": 2, "org_id": env.boot.org_id, **body},
        ]
    }


def test_duplicate_member_email_is_400(env: Env) -> None:
    body = {"email": "dev@example.com", "name": "Dev"}
    env.client.post(f"/admin/v1/orgs/{env.boot.org_id}/members", json=body, headers=env.admin)
    r = env.client.post(f"/admin/v1/orgs/{env.boot.org_id}/members", json=body, headers=env.admin)
    assert r.status_code == 400
    assert r.json() == {
        "code": 400,
        "message": "a member with this email already exists",
        "errors": {"email": "duplicate"},
    }


def _key_created_by(env: Env, role: str) -> str:
    """An admin-scope project key created by a member with ``role`` (the CLI does this at login)."""
    boot = env.app.state.ctx.verifier.verify_token(env.boot.admin_token)
    with env.app.state.ctx.db.uow() as s:
        m = org_repo.add_member(s, org_id=env.boot.org_id, email=f"{role}@example.com", name=role, role=role)
        issued = admin.issue_key(
            s,
            boot,
            org_id=None,
            project_id=None,
            environment="production",
            name=role,
            scopes=["admin"],
            created_by=m.id,
        )
    return issued.token


MANAGER_ONLY = "only owners and admins of the organization manage keys"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/admin/v1/keys", {"name": "k", "scopes": ["upload"]}),
        ("GET", "/admin/v1/keys", None),
        ("POST", "/admin/v1/keys/{key_id}/revoke", None),
        ("POST", "/admin/v1/orgs/{org_id}/members", {"email": "x@example.com", "name": "X"}),
    ],
    ids=["create_key", "list_keys", "revoke_key", "add_member"],
)
def test_key_of_a_plain_member_cannot_manage_keys(env: Env, method: str, path: str, body: Any) -> None:
    headers = bearer(_key_created_by(env, "member"))
    url = path.format(key_id=_key_id(env.key(["upload"])), org_id=env.boot.org_id)
    r = env.client.request(method, url, json=body, headers=headers)
    assert (r.status_code, r.json()) == (403, err(403, MANAGER_ONLY))


def test_key_of_a_plain_member_still_reads(env: Env) -> None:
    r = env.client.get("/admin/v1/projects", headers=bearer(_key_created_by(env, "member")))
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["data"]] == [env.boot.project_id]


def test_key_of_an_org_admin_member_manages_keys(env: Env) -> None:
    headers = bearer(_key_created_by(env, "admin"))
    r = env.client.post("/admin/v1/keys", json={"name": "k", "scopes": ["upload"]}, headers=headers)
    assert r.status_code == 201
    assert r.json()["data"]["created_by"] == 2


def test_upload_only_key_is_403_on_admin(env: Env) -> None:
    r = env.client.get("/admin/v1/projects", headers=bearer(env.key(["upload"])))
    assert (r.status_code, r.json()) == (403, err(403, "this key lacks the 'admin' scope"))


def test_admin_without_key_is_401(env: Env) -> None:
    r = env.client.get("/admin/v1/projects")
    assert (r.status_code, r.json()) == (401, err(401, "missing or malformed Authorization: Bearer header"))


def test_unknown_admin_path_is_404(env: Env) -> None:
    r = env.client.get("/admin/v1/nothing", headers=env.admin)
    assert (r.status_code, r.json()) == (404, err(404, "not found"))


VALIDATION = [
    (
        "unknown_scope",
        {"name": "k", "scopes": ["bogus"]},
        "scopes.0: Input should be 'upload', 'query' or 'admin'",
        {"scopes.0": "Input should be 'upload', 'query' or 'admin'"},
    ),
    (
        "empty_name_and_scopes",
        {"name": "", "scopes": []},
        "name: String should have at least 1 character",
        {
            "name": "String should have at least 1 character",
            "scopes": "List should have at least 1 item after validation, not 0",
        },
    ),
    (
        "unknown_environment",
        {"name": "k", "scopes": ["upload"], "environment": "staging"},
        "environment: Input should be 'production' or 'sandbox'",
        {"environment": "Input should be 'production' or 'sandbox'"},
    ),
    ("blank_name", {"name": "  ", "scopes": ["upload"]}, "name must be 1 to 200 characters", {"name": "bad length"}),
]


@pytest.mark.parametrize(("body", "message", "errors"), [v[1:] for v in VALIDATION], ids=[v[0] for v in VALIDATION])
def test_key_validation_errors_use_the_admin_envelope(
    env: Env, body: dict[str, Any], message: str, errors: dict[str, str]
) -> None:
    r = env.client.post("/admin/v1/keys", json=body, headers=env.admin)
    assert (r.status_code, r.json()) == (400, {"code": 400, "message": message, "errors": errors})


def test_malformed_json_on_admin_is_400(env: Env) -> None:
    r = env.client.post("/admin/v1/keys", content=b"{", headers=env.admin | {"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {
        "code": 400,
        "message": "body: request body is not valid JSON",
        "errors": {"body": "request body is not valid JSON"},
    }


def test_unknown_timezone_is_400(env: Env) -> None:
    r = env.client.post("/admin/v1/projects", json={"name": "x", "timezone": "Mars/Base"}, headers=env.admin)
    assert r.json() == {
        "code": 400,
        "message": "timezone must be an IANA time zone name such as Europe/Paris",
        "errors": {"timezone": "unknown"},
    }


def test_out_of_range_org_id_is_400(env: Env) -> None:
    r = env.client.get("/admin/v1/orgs/9223372036854775808/members", headers=env.admin)
    assert r.json() == {
        "code": 400,
        "message": "path.org_id: Input should be less than or equal to 2147483647",
        "errors": {"path.org_id": "Input should be less than or equal to 2147483647"},
    }


def test_streamed_admin_body_over_cap_is_413(env: Env) -> None:
    def chunks() -> Any:
        for _ in range(12):
            yield b" " * 100_000

    headers = env.admin | {"Content-Type": "application/json"}
    r = env.client.post("/admin/v1/projects", content=chunks(), headers=headers)
    assert (r.status_code, r.json()) == (413, err(413, "request body is over the limit of 1048576 bytes"))


def test_users_paging_with_after_and_next(env: Env) -> None:
    rows = [[f"u{i}", str(i)] for i in range(5)]
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "n"], "values": rows})
    base = f"/admin/v1/projects/{env.boot.project_id}/users"

    def user(i: int) -> dict[str, Any]:
        return {"user_id": f"u{i}", "attributes": {"n": str(i)}, "created_at": EPOCH, "updated_at": EPOCH}

    r = env.client.get(base, params={"limit": 2}, headers=env.admin)
    assert r.json() == {"data": [user(0), user(1)], "next": "u1"}
    r = env.client.get(base, params={"limit": 2, "after": "u1"}, headers=env.admin)
    assert r.json() == {"data": [user(2), user(3)], "next": "u3"}
    r = env.client.get(base, params={"limit": 2, "after": "u3"}, headers=env.admin)
    assert r.json() == {"data": [user(4)], "next": None}


def test_last_full_page_has_no_next(env: Env) -> None:
    upload(env, env.key(["upload"]), {"field_name": ["user_id"], "values": [["a"], ["b"]]})
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users?limit=2", headers=env.admin)
    assert [u["user_id"] for u in r.json()["data"]] == ["a", "b"]
    assert r.json()["next"] is None


def test_unknown_user_is_404(env: Env) -> None:
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/nobody", headers=env.admin)
    assert (r.status_code, r.json()) == (404, err(404, "user not found"))
