"""Using audiences through the admin API: list, count, streamed export, membership check."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.support import ISO_UTC


@pytest.fixture
def loaded(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Iterator[tuple[Env, int]]:
    """An app with one audience list loaded by the background job: ids abc, 123, =cmd (on each engine)."""
    settings = make_settings(tmp_path, job_poll_seconds=0.05, **warehouse_overrides)
    for env in build_env(settings):
        token = env.key(["upload"])
        key_id, secret = token.split("-", 1)[1].split(".", 1)
        auth = {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}
        data = b'{"customer_id":"abc"}\n{"customer_id":"123"}\n{"customer_id":"=cmd"}\n'
        form = {"app_id": env.boot.project_id, "audience_name": "vip", "identifier_type": "customer_id"}
        r = env.client.post("/v1/imports/audiences/list/", data=form, files={"file": ("f", data)}, headers=auth)
        activity = r.json()["activity_id"]
        for _ in range(300):
            st = env.client.get(f"/v1/imports/audiences/list/status/{activity}", headers=auth).json()
            if st["status"] == "Completed":
                break
            time.sleep(0.05)
        yield env, 1


def url(env: Env, tail: str = "") -> str:
    return f"/admin/v1/projects/{env.boot.project_id}/audiences{tail}"


def test_list_shows_the_audience(loaded: tuple[Env, int]) -> None:
    env, aid = loaded
    body = env.client.get(url(env), headers=env.admin).json()
    assert body == {
        "data": [
            {
                "id": aid,
                "project_id": env.boot.project_id,
                "environment": "production",
                "source": "list",
                "name": "vip",
                "identifier_type": "customer_id",
                "platform": None,
                "area_type": None,
                "device_types": None,
                "version": 1,
                "record_count": 3,
                "created_at": ISO_UTC,
                "updated_at": ISO_UTC,
            }
        ]
    }


def test_one_audience_carries_its_member_count(loaded: tuple[Env, int]) -> None:
    env, aid = loaded
    data: dict[str, Any] = env.client.get(url(env, f"/{aid}"), headers=env.admin).json()["data"]
    assert (data["record_count"], data["member_count"]) == (3, 3)


def test_export_streams_csv_with_formula_cells_escaped(loaded: tuple[Env, int]) -> None:
    env, aid = loaded
    r = env.client.get(url(env, f"/{aid}/members"), headers=env.admin)
    assert (r.status_code, r.headers["content-type"], r.text) == (
        200,
        "text/csv; charset=utf-8",
        "id\n123\n'=cmd\nabc\n",
    )


def test_membership_check_answers_true_and_false(loaded: tuple[Env, int]) -> None:
    env, aid = loaded
    yes = env.client.get(url(env, f"/{aid}/members/abc"), headers=env.admin).json()
    no = env.client.get(url(env, f"/{aid}/members/zzz"), headers=env.admin).json()
    assert (yes, no) == (
        {"data": {"audience_id": aid, "member_id": "abc", "member": True}},
        {"data": {"audience_id": aid, "member_id": "zzz", "member": False}},
    )


def test_unknown_audience_is_not_found(loaded: tuple[Env, int]) -> None:
    env, _ = loaded
    r = env.client.get(url(env, "/999"), headers=env.admin)
    assert (r.status_code, r.json()) == (404, {"code": 404, "message": "audience not found"})
