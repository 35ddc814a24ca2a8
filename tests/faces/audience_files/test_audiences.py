"""``POST/PUT/GET/DELETE audience`` of the audience files face, on uploads made through the face."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Env
from tests.faces.audience_files.conftest import TokenKey, md5_hex

PRESIGN = "/api/open/v1/audience/presigned-upload-data"
AUD = "/api/open/v1/audience"


def uploaded(env: Env, key: TokenKey, data: bytes = b"a\nb\n") -> str:
    """A data_path with a verified file behind it (uploaded in-process through the signed PUT URL)."""
    s3 = env.client.get(
        PRESIGN, params={"area_type": 1, "file_name": "f.txt", "file_md5": md5_hex(data)}, headers=key.headers()
    ).json()["data"]["s3"]
    assert env.client.put(s3["url"].split("127.0.0.1:8600", 1)[1], content=data).status_code == 200
    return str(s3["data_path"])


def create(env: Env, key: TokenKey, name: str = "buyers", platform: int = 2, paths: list[Any] | None = None) -> Any:
    body = {
        "ta_name": name,
        "area_type": 1,
        "platform": platform,
        "data_path": paths or [{"device_type": 2, "data_path": uploaded(env, key)}],
    }
    return env.client.post(AUD, json=body, headers=key.headers())


def wait_loaded(env: Env, ta_id: int, version: int = 1) -> None:
    path = f"/admin/v1/projects/{env.boot.project_id}/audiences/{ta_id}"
    for _ in range(300):
        if env.client.get(path, headers=env.admin).json()["data"]["version"] >= version:
            return
        time.sleep(0.05)
    raise AssertionError(f"audience {ta_id} did not reach version {version}")


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "msg": message, "message": message, "data": None}


def test_create_answers_ta_id_and_list_shows_it(env: Env, tkey: TokenKey) -> None:
    r = create(
        env,
        tkey,
        paths=[
            {"device_type": 7, "data_path": uploaded(env, tkey)},
            {"device_type": 2, "data_path": uploaded(env, tkey)},
        ],
    )
    assert r.json() == {"code": 200, "msg": "success", "message": "success", "data": {"ta_id": 1}}
    body = env.client.get(AUD, params={"ta_name": "UY", "limit": 10}, headers=tkey.headers()).json()
    item = body["data"]["list"][0]
    assert body == {
        "code": 200,
        "msg": "success",
        "message": "success",
        "data": {
            "page": 1,
            "limit": 10,
            "current_total": 1,
            "total": 1,
            "list": [
                {
                    "ta_id": 1,
                    "platform": 2,
                    "ta_name": "buyers",
                    "ta_type": 1,
                    "device_type": "2,7",
                    "area_type": 1,
                    "record_count": 0,
                    "ctime": item["ctime"],
                    "utime": item["ctime"],
                }
            ],
        },
    }


def test_list_pages_and_filters_by_fuzzy_name(env: Env, tkey: TokenKey) -> None:
    for name in ("alpha one", "beta", "alpha two"):
        assert create(env, tkey, name=name).status_code == 200
    body = env.client.get(AUD, params={"ta_name": "ALPHA", "limit": 1, "page": 2}, headers=tkey.headers()).json()
    data = body["data"]
    assert (data["page"], data["limit"], data["current_total"], data["total"]) == (2, 1, 1, 2)
    assert [x["ta_name"] for x in data["list"]] == ["alpha two"]


def test_list_limit_over_500_is_refused(env: Env, tkey: TokenKey) -> None:
    r = env.client.get(AUD, params={"limit": 501}, headers=tkey.headers())
    assert (r.status_code, r.json()) == (400, error(400, "limit must be between 1 and 500"))


def test_unknown_data_path_is_refused(env: Env, tkey: TokenKey) -> None:
    r = create(env, tkey, paths=[{"device_type": 2, "data_path": "s3://local/audience-files/nope"}])
    assert (r.status_code, r.json()) == (400, error(400, "unknown data_path s3://local/audience-files/nope"))


def test_data_path_not_uploaded_yet_is_refused(env: Env, tkey: TokenKey) -> None:
    s3 = env.client.get(
        PRESIGN, params={"area_type": 1, "file_name": "f.txt", "file_md5": "0" * 32}, headers=tkey.headers()
    ).json()["data"]["s3"]
    r = create(env, tkey, paths=[{"device_type": 2, "data_path": s3["data_path"]}])
    assert (r.status_code, r.json()) == (400, error(400, f"nothing has been uploaded to {s3['data_path']} yet"))


def test_data_path_used_twice_is_refused(env: Env, tkey: TokenKey) -> None:
    path = uploaded(env, tkey)
    assert create(env, tkey, paths=[{"device_type": 2, "data_path": path}]).status_code == 200
    r = create(env, tkey, paths=[{"device_type": 2, "data_path": path}])
    assert (r.status_code, r.json()) == (400, error(400, f"data_path {path} was already used by an audience"))


def test_unknown_device_type_is_refused(env: Env, tkey: TokenKey) -> None:
    r = create(env, tkey, paths=[{"device_type": 5, "data_path": uploaded(env, tkey)}])
    assert (r.status_code, r.json()) == (400, error(400, "unknown device_type 5"))


def test_update_within_12_hours_is_refused(env: Env, tkey: TokenKey) -> None:
    ta_id = create(env, tkey).json()["data"]["ta_id"]
    body = {"ta_id": ta_id, "data_path": [{"device_type": 2, "data_path": uploaded(env, tkey)}]}
    r = env.client.put(AUD, json=body, headers=tkey.headers())
    assert r.status_code == 400
    assert r.json()["msg"].startswith(f"audience {ta_id} was created or updated less than 12 hours ago")


def test_update_after_the_lock_is_accepted(tmp_path: Any) -> None:
    from contextlib import contextmanager

    from tests.conftest import build_env, make_settings
    from tests.faces.audience_files.conftest import token_key

    with contextmanager(build_env)(make_settings(tmp_path, audience_update_lock_seconds=0)) as env:
        key = token_key(env)
        ta_id = create(env, key).json()["data"]["ta_id"]
        wait_loaded(env, ta_id)  # an update while the first load runs is refused (409), by design
        body = {"ta_id": ta_id, "data_path": [{"device_type": 8, "data_path": uploaded(env, key)}]}
        r = env.client.put(AUD, json=body, headers=key.headers())
        assert r.json() == {"code": 200, "msg": "success", "message": "success", "data": {"ta_id": ta_id}}
        listed = env.client.get(AUD, headers=key.headers()).json()["data"]["list"]
        assert [x["device_type"] for x in listed] == ["8"]


def test_delete_removes_the_audiences(env: Env, tkey: TokenKey) -> None:
    ids = [create(env, tkey, name=n).json()["data"]["ta_id"] for n in ("a", "b")]
    r = env.client.request("DELETE", AUD, json={"ta_id": ids}, headers=tkey.headers())
    assert r.json() == {"code": 200, "msg": "success", "message": "success", "data": {"ta_id": ids}}
    assert env.client.get(AUD, headers=tkey.headers()).json()["data"]["total"] == 0


def test_delete_of_another_projects_audience_is_not_found(env: Env, tkey: TokenKey) -> None:
    r = env.client.request("DELETE", AUD, json={"ta_id": [999]}, headers=tkey.headers())
    assert (r.status_code, r.json()) == (404, error(404, "audience not found"))
