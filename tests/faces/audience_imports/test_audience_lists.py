"""Audience imports face (SPEC 3.2): create, status, replace, rename, delete, list by app, limits."""

from __future__ import annotations

import base64
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import LOCALYTICS_TIME

BASE = "/v1/imports/audiences/list/"
FILE = b'{"customer_id":"abc"}\n{"customer_id":"123"}\n'


def basic(env: Env) -> dict[str, str]:
    token = env.key(["upload"])
    key_id, secret = token.split("-", 1)[1].split(".", 1)
    return {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}


def create(env: Env, auth: dict[str, str], name: str = "my-audience-name", app_id: str | None = None) -> httpx.Response:
    form = {"app_id": app_id or env.boot.project_id, "audience_name": name, "identifier_type": "customer_id"}
    return env.client.post(BASE, data=form, files={"file": ("test_file.txt", FILE)}, headers=auth)


def test_create_answers_202_with_an_activity_id_and_status_is_pending(env: Env) -> None:
    auth = basic(env)
    r = create(env, auth)
    assert r.status_code == 202
    activity = r.json()["activity_id"]
    assert r.json() == {"activity_id": activity}
    st = env.client.get(f"{BASE}status/{activity}", headers=auth).json()
    assert st == {
        "status": "Pending",
        "app_uuid": env.boot.project_id,
        "created_at": LOCALYTICS_TIME,
        "updated_at": st["created_at"],
        "upload_statistics": None,
        "error_reason": None,
    }


def test_created_file_is_stored_as_sent(env: Env) -> None:
    auth = basic(env)
    activity = create(env, auth).json()["activity_id"]
    ctx = env.app.state.ctx
    with ctx.db.read() as s:
        from traitbase.storage.models import AudienceLoad

        load = s.get(AudienceLoad, activity)
        assert load is not None
        key = load.sources[0]["blob_key"]
    with ctx.blobs.open(key) as fh:
        assert fh.read() == FILE


def test_list_by_app_shows_every_field(env: Env) -> None:
    auth = basic(env)
    create(env, auth, name="audience-test-1")
    body = env.client.get(f"{BASE}app/{env.boot.project_id}", headers=auth).json()
    assert body == [
        {
            "id": 1,
            "name": "audience-test-1",
            "app_id": env.boot.project_id,
            "version": 0,
            "record_count": 0,
            "created_at": LOCALYTICS_TIME,
            "updated_at": body[0]["created_at"],
        }
    ]


def test_replace_answers_a_new_activity_for_the_next_version(env: Env) -> None:
    auth = basic(env)
    first = create(env, auth).json()["activity_id"]
    form = {"app_id": env.boot.project_id, "identifier_type": "customer_id", "audience_list_id": "1"}
    r = env.client.put(f"{BASE}1", data=form, files={"file": ("f.txt", FILE)}, headers=auth)
    assert r.status_code == 202
    second = r.json()["activity_id"]
    assert second != first
    from traitbase.storage.models import AudienceLoad

    with env.app.state.ctx.db.read() as s:
        loads = {x: s.get(AudienceLoad, x) for x in (first, second)}
        versions = {x: load.version for x, load in loads.items() if load is not None}
    assert versions == {first: 1, second: 2}


def test_rename_changes_the_name(env: Env) -> None:
    auth = basic(env)
    create(env, auth)
    r = env.client.put(f"{BASE}1/name", params={"name": "my-renamed-list"}, headers=auth)
    assert (r.status_code, r.json()["name"]) == (200, "my-renamed-list")
    assert [x["name"] for x in env.client.get(f"{BASE}app/{env.boot.project_id}", headers=auth).json()] == [
        "my-renamed-list"
    ]


def test_delete_removes_the_list(env: Env) -> None:
    auth = basic(env)
    create(env, auth)
    r = env.client.delete(f"{BASE}1", headers=auth)
    assert (r.status_code, r.json()["id"]) == (200, 1)
    assert env.client.get(f"{BASE}app/{env.boot.project_id}", headers=auth).json() == []


def test_another_apps_id_is_refused(env: Env) -> None:
    auth = basic(env)
    other = env.project("other app")
    r = create(env, auth, app_id=other)
    assert (r.status_code, r.json()) == (
        403,
        {"code": 403, "message": "these credentials do not have access to that app"},
    )


def test_unknown_activity_is_not_found(env: Env) -> None:
    r = env.client.get(f"{BASE}status/3b4a65e5-2beb-4011-85df-c9f594217d90", headers=basic(env))
    assert (r.status_code, r.json()) == (404, {"code": 404, "message": "activity not found"})


def test_missing_credentials_are_refused(env: Env) -> None:
    r = env.client.get(f"{BASE}app/{env.boot.project_id}")
    assert (r.status_code, r.json()) == (
        401,
        {"code": 401, "message": "missing HTTP Basic credentials (key id and secret)"},
    )


def test_list_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    with contextmanager(build_env)(make_settings(tmp_path, audience_imports_max_lists=2)) as env:
        auth = basic(env)
        assert [create(env, auth, name=f"l{i}").status_code for i in range(2)] == [202, 202]
        r = create(env, auth, name="one too many")
        assert (r.status_code, r.json()) == (
            400,
            {
                "code": 400,
                "message": "this app already has 2 audience lists, the most allowed is 2",
                "errors": {"audience_name": "too many lists"},
            },
        )


def test_requests_beyond_60_per_minute_are_refused(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sliding-window counter weighs the previous minute down as the next one starts; on a slow
    # machine the 61 calls could straddle a minute boundary, so the limiter's clock stands still here.
    frozen = time.time()
    monkeypatch.setattr("limits.storage.memory.time", SimpleNamespace(time=lambda: frozen))
    auth = basic(env)
    path = f"{BASE}app/{env.boot.project_id}"
    codes = [env.client.get(path, headers=auth).status_code for _ in range(61)]
    assert codes == [200] * 60 + [429]
    last: Any = env.client.get(path, headers=auth)
    assert last.headers["Retry-After"].isdigit()


def wait_done(env: Env, auth: dict[str, str], activity: str) -> dict[str, Any]:
    for _ in range(300):
        st: dict[str, Any] = env.client.get(f"{BASE}status/{activity}", headers=auth).json()
        if st["status"] in ("Completed", "Failed"):
            return st
        time.sleep(0.05)
    raise AssertionError(f"load {activity} did not finish: {st}")


def test_list_is_loaded_by_the_background_job_end_to_end(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, job_poll_seconds=0.05, audience_imports_rate_limit="1000/minute")
    with contextmanager(build_env)(settings) as env:
        auth = basic(env)
        data = b'{"customer_id":"abc"}\n{"customer_id":"123"}\nbroken\n'
        form = {"app_id": env.boot.project_id, "audience_name": "loaded", "identifier_type": "customer_id"}
        activity = env.client.post(BASE, data=form, files={"file": ("f.txt", data)}, headers=auth).json()["activity_id"]
        st = wait_done(env, auth, activity)
        assert st == {
            "status": "Completed",
            "app_uuid": env.boot.project_id,
            "created_at": LOCALYTICS_TIME,
            "updated_at": LOCALYTICS_TIME,
            "upload_statistics": {
                "total_lines": "3",
                "successful_lines": "2",
                "failed_lines": "1",
                "audience_id": "1",
                "audience_list_id": "1",
            },
            "error_reason": None,
        }
        listed = env.client.get(f"{BASE}app/{env.boot.project_id}", headers=auth).json()
        assert [(x["version"], x["record_count"]) for x in listed] == [(1, 2)]


def test_the_501st_list_of_an_app_is_refused_at_the_default_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, job_workers=0, audience_imports_rate_limit="1000/minute")
    assert settings.audience_imports_max_lists == 500
    with contextmanager(build_env)(settings) as env:
        auth = basic(env)
        codes = {create(env, auth, name=f"list-{i}").status_code for i in range(500)}
        assert codes == {202}
        r = create(env, auth, name="list-500")
        assert (r.status_code, r.json()) == (
            400,
            {
                "code": 400,
                "message": "this app already has 500 audience lists, the most allowed is 500",
                "errors": {"audience_name": "too many lists"},
            },
        )
        listed = env.client.get(f"{BASE}app/{env.boot.project_id}", headers=auth).json()
        assert len(listed) == 500
