"""Scale mode end to end: two API processes and one ``traitbase worker`` sharing PostgreSQL,
ClickHouse, Redis and an S3-compatible server. Every acknowledged write reads back exactly once
through either API process; every job runs in the worker (the API processes run none)."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from tests.e2e.conftest import Deployment

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.clickhouse]

PUSHES, PER_PUSH, USERS = 20, 50, 25
KPI_FILE = (
    b"timestamp,user_id,register_date,cpi,cpa,ltv,purchases_count,purchases_value,items_purchased,"
    b"sessions_count,avg_sessions_interval,sessions_length,actions_count\n"
    b"2019-09-23 00:00:00,k1001,2019-01-02,0.5,1.25,10.0,2,19.98,3,4,3600.5,820,57\n"
    b"2019-09-23,k1002,,,,,,,,1,,,\n"
)


def _until(check: Callable[[], Any], *, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.1)


def _push(url: str, token: str, i: int) -> httpx.Response:
    actions = [
        {"user_id": f"u{(i * PER_PUSH + j) % USERS}", "action_id": f"a{i}-{j}", "action_name": "buy_item"}
        for j in range(PER_PUSH)
    ]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"push-{i}"}
    return httpx.post(f"{url}/v1/actions", json={"actions": actions}, headers=headers, timeout=30)


def test_two_api_processes_and_a_worker_share_every_store(deployment: Deployment) -> None:
    done = deployment.run("init", "--json", "--data-dir", str(deployment.root / "init"))
    assert done.returncode == 0, done.stderr.decode()
    boot = json.loads(done.stdout)
    admin = {"Authorization": f"Bearer {boot['admin_token']}"}
    project = boot["project_id"]
    env = {**deployment.env, "TRAITBASE_AUTO_MIGRATE": "false"}
    deployment.env = env

    with deployment.api("api-a") as a, deployment.api("api-b") as b, deployment.worker("worker"):
        apis = [a, b]
        for url in apis:
            ready = httpx.get(f"{url}/readyz", timeout=10).json()
            assert ready == {
                "status": "ready",
                "checks": {"database": "ok", "warehouse": "ok", "files": "ok", "rate_limits": "ok"},
            }
        r = httpx.post(
            f"{a}/admin/v1/keys",
            json={"name": "up", "scopes": ["upload"], "project_id": project, "environment": "production"},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        token = r.json()["data"]["token"]
        key_id, secret = token.split("-", 1)[1].split(".", 1)
        basic = {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}

        # Attributes through A, read through B.
        body = {"field_name": ["user_id", "plan"], "values": [["p1", "pro"], ["p2", "free"]]}
        r = httpx.post(f"{a}/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.json()["data"] == {"received": 2, "created": 2, "updated": 0}
        shown = httpx.get(f"{b}/admin/v1/projects/{project}/users/p1", headers=admin).json()["data"]
        assert shown["attributes"] == {"plan": "pro"}

        # Event pushes alternate between the processes; every one is retried on the other one.
        for i in range(PUSHES):
            first = _push(apis[i % 2], token, i)
            assert first.status_code == 201, first.text
            retry = _push(apis[(i + 1) % 2], token, i)
            assert (retry.status_code, retry.json()) == (201, first.json())
            assert retry.headers.get("Idempotent-Replayed") == "true"

        today = datetime.now(UTC).date()
        span = {"start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1))}
        for url in apis:
            counts = httpx.get(f"{url}/admin/v1/projects/{project}/events/counts", params=span, headers=admin).json()
            assert counts["data"] == [{"kind": "action", "name": "buy_item", "count": PUSHES * PER_PUSH}]
            seen: Counter[str] = Counter()
            for u in range(USERS):
                events = httpx.get(
                    f"{url}/admin/v1/projects/{project}/users/u{u}/events", params={"limit": 1000}, headers=admin
                ).json()["data"]
                seen.update(e["event_id"] for e in events)
            assert seen == Counter({f"a{i}-{j}": 1 for i in range(PUSHES) for j in range(PER_PUSH)})

        # A profile import (S3 + worker), a KPI file (worker -> ClickHouse), an audience list (worker).
        lines = b"".join(
            orjson.dumps({"customer_id": f"c{n}", "changes": [{"op": "assign", "attr": "n", "value": n}]}) + b"\n"
            for n in range(10)
        )
        r = httpx.post(
            f"{b}/v1/imports/profiles/upload",
            data={"app_id": project, "format": "json"},
            files={"file": ("p.json", lines)},
            headers=basic,
        )
        assert r.status_code == 202, r.text
        activity = r.json()["activity_id"]
        status = _until(
            lambda: (
                s
                if (s := httpx.get(f"{a}/v1/imports/profiles/status/{activity}", headers=basic).json())["status"]
                == "Completed"
                else None
            )
        )
        assert status["upload_statistics"]["successful_imports"] == 10
        for n, url in ((3, a), (7, b)):
            got = httpx.get(f"{url}/admin/v1/projects/{project}/users/c{n}", headers=admin).json()["data"]
            assert got["attributes"] == {"n": n}

        r = httpx.post(
            f"{a}/v1/kpis/csv",
            files={"file": ("2019-09-23.csv", KPI_FILE, "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.text
        ingestion = r.json()["data"]["ingestion_id"]
        final = _until(
            lambda: (
                s
                if (
                    s := httpx.get(f"{b}/admin/v1/projects/{project}/ingestions/{ingestion}", headers=admin).json()[
                        "data"
                    ]
                )["status"]
                == "completed"
                else None
            )
        )
        assert final["progress"] == {"rows": 2, "ingested": 2, "failed": 0}
        kpi = httpx.get(f"{a}/admin/v1/projects/{project}/users/k1001/events", headers=admin).json()["data"]
        assert [(e["kind"], e["user_id"]) for e in kpi] == [("kpi", "k1001")]

        form = {"app_id": project, "audience_name": "vip", "identifier_type": "customer_id"}
        ids = b'{"customer_id":"abc"}\n{"customer_id":"123"}\n{"customer_id":"xyz"}\n'
        r = httpx.post(f"{b}/v1/imports/audiences/list/", data=form, files={"file": ("f", ids)}, headers=basic)
        assert r.status_code == 202, r.text
        act = r.json()["activity_id"]
        _until(
            lambda: (
                httpx.get(f"{a}/v1/imports/audiences/list/status/{act}", headers=basic).json()["status"] == "Completed"
            )
        )
        audiences = httpx.get(f"{a}/admin/v1/projects/{project}/audiences", headers=admin).json()["data"]
        aid = audiences[0]["id"]
        for url in apis:
            one = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}", headers=admin).json()["data"]
            assert (one["record_count"], one["member_count"]) == (3, 3)
            member = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}/members/xyz", headers=admin)
            assert member.status_code == 200, member.text
