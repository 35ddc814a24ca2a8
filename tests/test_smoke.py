"""The seed's example through the real app: upload, read back, partial update."""

from __future__ import annotations

from tests.conftest import Env

SEED_BODY = {
    "field_name": ["user_id", "watch_conan", "watch_attack_on_titan"],
    "values": [["abcd123", "yes", "no"], ["abcd456", "yes", "yes"], ["abcd789", "no", "no"]],
}


def test_seed_example_then_partial_update(env: Env) -> None:
    token = env.key(["upload"])
    auth = {"Authorization": f"Bearer {token}"}
    r = env.client.post("/v1/user/profiles", json=SEED_BODY, headers=auth)
    assert r.status_code == 200
    assert r.json() == {"code": 200, "message": "OK", "data": {"received": 3, "created": 3, "updated": 0}}

    r = env.client.post(
        "/v1/user/profiles",
        json={"field_name": ["user_id", "watch_conan", "favourite"], "values": [["abcd123", "no", "luffy"]]},
        headers=auth,
    )
    assert r.json() == {"code": 200, "message": "OK", "data": {"received": 1, "created": 0, "updated": 1}}
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/abcd123", headers=env.admin)
    assert r.status_code == 200
    assert r.json()["data"]["attributes"] == {
        "watch_conan": "no",
        "watch_attack_on_titan": "no",
        "favourite": "luffy",
    }
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/abcd456", headers=env.admin)
    assert r.json()["data"]["attributes"] == {"watch_conan": "yes", "watch_attack_on_titan": "yes"}
