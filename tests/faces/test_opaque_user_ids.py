"""User ids are opaque strings: one with "/", dots or reserved characters is read back like any other."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.client.conftest import sdk
from tests.conftest import Env

IDS = ["team/7", "a/b/c", "ends/with/events", "/leading", "trailing/", "..", ".", "x y?#%&+", "ünï/cödé"]


def _push(env: Env, user_id: str) -> None:
    token = env.key(["upload"])
    headers = {"Authorization": f"Bearer {token}"}
    body = {"actions": [{"user_id": user_id, "action_id": "a1", "action_name": "open"}]}
    r = env.client.post("/v1/actions", json=body, headers=headers)
    assert r.status_code == 201, r.text
    body2 = {"field_name": ["user_id", "plan"], "values": [[user_id, "pro"]]}
    r = env.client.post("/v1/user/profiles", json=body2, headers=headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("user_id", IDS)
def test_a_stored_user_is_read_back_over_http_with_its_id_percent_encoded(env: Env, user_id: str) -> None:
    _push(env, user_id)
    seg = quote(user_id, safe="") if user_id.strip(".") else "%2E" * len(user_id)
    base = f"/admin/v1/projects/{env.boot.project_id}/users/{seg}"
    user = env.client.get(base, headers=env.admin)
    events = env.client.get(f"{base}/events", headers=env.admin)
    assert (user.status_code, user.json()["data"]["user_id"], user.json()["data"]["attributes"]) == (
        200,
        user_id,
        {"plan": "pro"},
    )
    assert (events.status_code, [(e["user_id"], e["name"]) for e in events.json()["data"]]) == (
        200,
        [(user_id, "open")],
    )


@pytest.mark.parametrize("user_id", IDS)
def test_the_sdk_reads_back_any_user_id(env: Env, user_id: str) -> None:
    _push(env, user_id)
    client = sdk(env, env.boot.admin_token)
    profile = client.admin.get_user(env.boot.project_id, user_id)
    events = client.events.user_events(env.boot.project_id, user_id)
    assert (profile["user_id"], profile["attributes"]) == (user_id, {"plan": "pro"})
    assert [(e["user_id"], e["name"]) for e in events] == [(user_id, "open")]
