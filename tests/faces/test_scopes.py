"""Organization-scope and app-scope attributes: org keys write org scope, project keys their app scope."""

from __future__ import annotations

from tests.conftest import Env
from tests.faces.support import attrs_of, ok, upload, user_answer, user_view


def test_org_key_writes_org_scope_seen_by_every_project_of_the_org(env: Env) -> None:
    second = env.project("second")
    body = {"field_name": ["user_id", "country"], "values": [["u1", "JP"]]}
    assert upload(env, env.key(["upload"], org_key=True), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "u1") == {"country": "JP"}
    assert attrs_of(env, "u1", project_id=second) == {"country": "JP"}


def test_project_key_writes_only_its_own_app_scope(env: Env) -> None:
    second = env.project("second")
    body = {"field_name": ["user_id", "level"], "values": [["u1", "7"]]}
    assert upload(env, env.key(["upload"]), body).json() == ok(1, 1, 0)
    assert attrs_of(env, "u1") == {"level": "7"}
    assert attrs_of(env, "u1", project_id=second) is None


def test_project_view_is_org_scope_overlaid_with_app_scope_app_wins(env: Env) -> None:
    org_body = {"field_name": ["user_id", "country", "tier"], "values": [["u1", "JP", "free"]]}
    app_body = {"field_name": ["user_id", "tier", "level"], "values": [["u1", "gold", "7"]]}
    assert upload(env, env.key(["upload"]), app_body).json() == ok(1, 1, 0)
    # The same user is new in organization scope: scopes are counted separately.
    assert upload(env, env.key(["upload"], org_key=True), org_body).json() == ok(1, 1, 0)
    assert user_view(env, "u1").json() == user_answer("u1", {"country": "JP", "tier": "gold", "level": "7"})


def test_org_scope_update_does_not_override_app_value(env: Env) -> None:
    org_key = env.key(["upload"], org_key=True)
    upload(env, org_key, {"field_name": ["user_id", "tier"], "values": [["u1", "free"]]})
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "tier"], "values": [["u1", "gold"]]})
    assert upload(env, org_key, {"field_name": ["user_id", "tier"], "values": [["u1", "silver"]]}).json() == ok(1, 0, 1)
    assert attrs_of(env, "u1") == {"tier": "gold"}
    assert attrs_of(env, "u1", project_id=env.project("second")) == {"tier": "silver"}


def test_users_list_merges_both_scopes(env: Env) -> None:
    upload(env, env.key(["upload"], org_key=True), {"field_name": ["user_id", "c"], "values": [["a", "1"], ["b", "1"]]})
    upload(env, env.key(["upload"]), {"field_name": ["user_id", "c"], "values": [["b", "2"], ["c", "2"]]})
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users", headers=env.admin)
    assert [(u["user_id"], u["attributes"]) for u in r.json()["data"]] == [
        ("a", {"c": "1"}),
        ("b", {"c": "2"}),
        ("c", {"c": "2"}),
    ]
    assert r.json()["next"] is None
