"""CSV pushes: the upload answers 201 with an estimate; the job turns KPI rows into events and
survey columns into user attributes; its status is visible through the admin API."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.events.conftest import user_events, without_receipt
from traitbase.jobs.registry import Resources, load_handlers
from traitbase.jobs.runner import Worker
from traitbase.storage.repos.instance import get_state

KPI_FILE = (
    b"timestamp,user_id,register_date,cpi,cpa,ltv,purchases_count,purchases_value,items_purchased,"
    b"sessions_count,avg_sessions_interval,sessions_length,actions_count\n"
    b"2019-09-23 00:00:00,1001,2019-01-02,0.5,1.25,10.0,2,19.98,3,4,3600.5,820,57\n"
    b"2019-09-23,1002,,,,,,,,1,,,\n"
    b"2019-09-23,,,,,,,,,,,,\n"
    b"2019-09-23,1003,,x,,,,,,,,,\n"
)


@pytest.fixture
def csv_env(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, job_workers=0, events_csv_chunk_rows=2, **warehouse_overrides))


def _run_jobs(env: Env) -> int:
    ctx = env.app.state.ctx
    load_handlers()
    res = Resources(
        settings=ctx.settings, db=ctx.db, blobs=ctx.blobs, signer=ctx.signer, limits=ctx.limits, warehouse=ctx.warehouse
    )
    return Worker(res, name="test", stop=threading.Event(), wake=threading.Event()).run_until_idle()


def _upload(env: Env, path: str, content: bytes) -> Any:
    headers = {"Authorization": f"Bearer {env.key(['upload'])}"}
    return env.client.post(path, files={"file": ("2019-09-23.csv", content, "text/csv")}, headers=headers)


def _status(env: Env, ingestion_id: str) -> dict[str, Any]:
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/ingestions/{ingestion_id}", headers=env.admin)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return {k: v for k, v in data.items() if k not in ("id", "created_at", "finished_at")}


def test_kpi_csv_answers_201_with_an_estimate_and_becomes_events(csv_env: Env) -> None:
    r = _upload(csv_env, "/v1/kpis/csv", KPI_FILE)
    assert r.status_code == 201
    body = r.json()
    assert body == {
        "code": 201,
        "message": "ingestion has been started",
        "data": {"estimated_time_to_complete": 1, "ingestion_id": body["data"]["ingestion_id"]},
    }
    ingestion = body["data"]["ingestion_id"]
    assert _status(csv_env, ingestion)["status"] == "pending"
    assert _run_jobs(csv_env) == 1
    assert _status(csv_env, ingestion) == {
        "file": "kpis",
        "environment": "production",
        "status": "completed",
        "progress": {"rows": 4, "ingested": 2, "failed": 2},
        "errors": [{"line": 4, "reason": "user_id is required"}, {"line": 5, "reason": "cpi must be a number"}],
        "error": None,
        "bytes": len(KPI_FILE),
    }
    assert without_receipt(user_events(csv_env, "1001")) == [
        {
            "event_time": "2019-09-23 00:00:00",
            "kind": "kpi",
            "name": "daily_kpis",
            "user_id": "1001",
            "properties": {
                "purchases_count": 2,
                "items_purchased": 3,
                "sessions_count": 4,
                "actions_count": 57,
                "cpi": 0.5,
                "cpa": 1.25,
                "ltv": 10.0,
                "purchases_value": 19.98,
                "avg_sessions_interval": 3600.5,
                "sessions_length": 820.0,
                "register_date": "2019-01-02",
            },
        }
    ]
    assert without_receipt(user_events(csv_env, "1002")) == [
        {
            "event_time": "2019-09-23 00:00:00",
            "kind": "kpi",
            "name": "daily_kpis",
            "user_id": "1002",
            "properties": {"sessions_count": 1},
        }
    ]


def test_kpi_csv_with_an_unknown_column_fails_with_a_clear_error(csv_env: Env) -> None:
    r = _upload(csv_env, "/v1/kpis/csv", b"user_id,score\n1,2\n")
    _run_jobs(csv_env)
    status = _status(csv_env, r.json()["data"]["ingestion_id"])
    assert (status["status"], status["error"]) == (
        "failed",
        "the KPI file's header must include user_id and use only these columns: timestamp, user_id, "
        "register_date, cpi, cpa, ltv, purchases_count, purchases_value, items_purchased, sessions_count, "
        "avg_sessions_interval, sessions_length, actions_count (unknown: score)",
    )


def test_survey_csv_columns_become_user_attributes(csv_env: Env) -> None:
    content = b"user_id,favourite_class,plays_with_friends\n1001,mage,yes\n1002,,no\n,rogue,no\n"
    r = _upload(csv_env, "/v1/survey-data/csv", content)
    assert r.status_code == 201
    _run_jobs(csv_env)
    status = _status(csv_env, r.json()["data"]["ingestion_id"])
    assert (status["status"], status["progress"], status["errors"]) == (
        "completed",
        {"rows": 3, "ingested": 2, "failed": 1},
        [{"line": 4, "reason": "user_id is required"}],
    )
    pid = csv_env.boot.project_id
    users = [
        csv_env.client.get(f"/admin/v1/projects/{pid}/users/{u}", headers=csv_env.admin).json()["data"]["attributes"]
        for u in ("1001", "1002")
    ]
    assert users == [{"favourite_class": "mage", "plays_with_friends": "yes"}, {"plays_with_friends": "no"}]


def test_estimate_uses_the_rate_measured_on_earlier_files(csv_env: Env) -> None:
    _upload(csv_env, "/v1/survey-data/csv", b"user_id,a\n1,x\n")
    _run_jobs(csv_env)
    big = b"user_id,a\n" + b"".join(b"%d,x\n" % i for i in range(20000))
    eta = _upload(csv_env, "/v1/survey-data/csv", big).json()["data"]["estimated_time_to_complete"]
    with csv_env.app.state.ctx.db.read() as s:
        rate = float(get_state(s, "events_csv_rate:events_survey_csv") or 0)
    assert rate > 0
    assert eta == max(1, math.ceil(len(big) / rate))


def test_csv_push_without_a_file_is_refused(csv_env: Env) -> None:
    headers = {"Authorization": f"Bearer {csv_env.key(['upload'])}"}
    r = csv_env.client.post("/v1/kpis/csv", files={"other": ("a.txt", b"x", "text/plain")}, headers=headers)
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "bad request", "errors": {"file": "is required"}},
    )


def test_ingestion_of_another_project_is_not_found(csv_env: Env) -> None:
    r = _upload(csv_env, "/v1/kpis/csv", KPI_FILE)
    other = csv_env.project("other")
    ingestion = r.json()["data"]["ingestion_id"]
    r = csv_env.client.get(f"/admin/v1/projects/{other}/ingestions/{ingestion}", headers=csv_env.admin)
    assert (r.status_code, r.json()) == (404, {"code": 404, "message": "ingestion not found"})
