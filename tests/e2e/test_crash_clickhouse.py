"""Crashes in scale mode on ClickHouse: SIGKILL of the API process mid-stream of event pushes (with
retries), and of the worker mid-way through an audience replace. Afterwards the ack log shows 0 lost
and 0 duplicated acknowledged writes, and no reader ever saw an audience with mixed versions."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CLI, Deployment, _wait_http, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.clickhouse]

BATCHES, BATCH_SIZE, CLIENTS, KILL_AFTER_ACKS = 40, 250, 4, 10
V1, V2 = 600_000, 400_000


def _boot(deployment: Deployment) -> tuple[dict[str, str], str]:
    done = deployment.run("init", "--json", "--data-dir", str(deployment.root / "init"))
    assert done.returncode == 0, done.stderr.decode()
    boot = json.loads(done.stdout)
    deployment.env = {
        **deployment.env,
        "TRAITBASE_AUTO_MIGRATE": "false",
        "TRAITBASE_JOB_WORKERS": "0",
        # Short, so a retry after the kill completes a dead attempt quickly, and a killed worker's job
        # is claimed again quickly.
        "TRAITBASE_WAREHOUSE_PENDING_SECONDS": "2",
        "TRAITBASE_JOB_LEASE_SECONDS": "2",
        "TRAITBASE_JOB_RETRY_BACKOFF_SECONDS": "0.2",
    }
    return {"Authorization": f"Bearer {boot['admin_token']}"}, boot["project_id"]


def _start_api(deployment: Deployment, port: int) -> subprocess.Popen[bytes]:
    # The child keeps its own copy of the log's descriptor; ours is closed once it is started.
    with (deployment.root / f"api-{time.monotonic_ns()}.err").open("wb") as err:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--data-dir", str(deployment.root / "api")],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=deployment.env,
        )
    _wait_http(f"http://127.0.0.1:{port}/healthz", proc, None)
    return proc


def _start_worker(deployment: Deployment) -> subprocess.Popen[bytes]:
    import sys

    with (deployment.root / f"worker-{time.monotonic_ns()}.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "traitbase.jobs.worker", "--data-dir", str(deployment.root / "worker")],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=deployment.env,
        )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            _kill(proc)


def _key(url: str, admin: dict[str, str], project: str) -> str:
    body = {"name": "up", "scopes": ["upload"], "project_id": project, "environment": "production"}
    r = httpx.post(f"{url}/admin/v1/keys", json=body, headers=admin)
    assert r.status_code == 201, r.text
    token: str = r.json()["data"]["token"]
    return token


def _stream_with_a_crash(url: str, token: str, crash: Callable[[], None]) -> set[int]:
    """Send every batch from CLIENTS threads, each retried with its key until acknowledged; run
    ``crash`` once KILL_AFTER_ACKS batches were acknowledged. Returns the acknowledged batches."""
    acked: set[int] = set()
    lock = threading.Lock()
    todo = list(range(BATCHES))
    answers: Counter[str] = Counter()  # every answer the clients got, to explain a failure

    def client() -> None:
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop(0)
            actions = [{"user_id": f"batch{i}", "action_id": str(j), "action_name": "tick"} for j in range(BATCH_SIZE)]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    r = httpx.post(
                        f"{url}/v1/actions",
                        json={"actions": actions},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"b{i}"},
                        timeout=10,
                    )
                except httpx.HTTPError as exc:
                    answers[type(exc).__name__] += 1
                    time.sleep(0.1)
                    continue
                answers[f"{r.status_code} {r.text[:80]}"] += 1
                if r.status_code == 201:
                    with lock:
                        acked.add(i)
                    break
                time.sleep(0.2)  # 409 (first attempt still pending), 503 while a store restarts

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    while len(acked) < KILL_AFTER_ACKS:
        time.sleep(0.01)
    crash()
    for t in threads:
        t.join(180)
    if acked != set(range(BATCHES)):
        raise AssertionError(f"not acknowledged: {sorted(set(range(BATCHES)) - acked)}; answers: {dict(answers)}")
    return acked


def _each_batch_stored_once(url: str, admin: dict[str, str], project: str) -> None:
    for i in range(BATCHES):
        events = httpx.get(
            f"{url}/admin/v1/projects/{project}/users/batch{i}/events", params={"limit": 1000}, headers=admin
        ).json()["data"]
        assert Counter(e["event_id"] for e in events) == Counter({str(j): 1 for j in range(BATCH_SIZE)}), i


def test_api_killed_mid_stream_loses_and_duplicates_no_acknowledged_push(deployment: Deployment) -> None:
    admin, project = _boot(deployment)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    procs = [_start_api(deployment, port)]

    def crash() -> None:
        _kill(procs[0])
        procs[0] = _start_api(deployment, port)

    try:
        acked = _stream_with_a_crash(url, _key(url, admin, project), crash)
        assert acked == set(range(BATCHES))
        _each_batch_stored_once(url, admin, project)
    finally:
        _stop(procs[0])


def test_clickhouse_killed_mid_stream_loses_and_duplicates_no_acknowledged_push(
    deployment: Deployment, tmp_path: Path
) -> None:
    """A ClickHouse server of this test's own (private ports and directory) is SIGKILLed and restarted."""
    ch_env = {
        **os.environ,
        "CH_DIR": str(tmp_path / "clickhouse"),
        "CH_TCP_PORT": str(free_port()),
        "CH_HTTP_PORT": str(free_port()),
        "CH_INTERSERVER_PORT": str(free_port()),
    }
    script = [str(Path(__file__).resolve().parents[2] / ".ci" / "clickhouse.sh")]
    subprocess.run([*script, "start"], env=ch_env, check=True, timeout=120, capture_output=True)
    try:
        deployment.env["TRAITBASE_WAREHOUSE_URL"] = f"clickhouse://127.0.0.1:{ch_env['CH_TCP_PORT']}/tb_crash"
        admin, project = _boot(deployment)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        api = _start_api(deployment, port)
        not_ready: list[int] = []

        def crash() -> None:
            pid = int((tmp_path / "clickhouse" / "server.pid").read_text())
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
            not_ready.append(httpx.get(f"{url}/readyz", timeout=10).status_code)
            subprocess.run([*script, "start"], env=ch_env, check=True, timeout=120, capture_output=True)

        try:
            acked = _stream_with_a_crash(url, _key(url, admin, project), crash)
            assert not_ready == [503]  # /readyz said not ready while the warehouse was down
            assert acked == set(range(BATCHES))
            _each_batch_stored_once(url, admin, project)
        finally:
            _stop(api)
    finally:
        subprocess.run([*script, "stop"], env=ch_env, check=False, timeout=60, capture_output=True)


def test_worker_killed_mid_audience_replace_never_shows_mixed_versions(deployment: Deployment) -> None:
    admin, project = _boot(deployment)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api = _start_api(deployment, port)
    worker = _start_worker(deployment)
    try:
        token = _key(url, admin, project)
        key_id, secret = token.split("-", 1)[1].split(".", 1)
        basic = {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}

        def upload(ids: bytes, audience: int | None = None) -> str:
            form = {"app_id": project, "identifier_type": "customer_id"}
            if audience is None:
                form["audience_name"] = "big"
                r = httpx.post(
                    f"{url}/v1/imports/audiences/list/", data=form, files={"file": ("f", ids)}, headers=basic
                )
            else:
                r = httpx.put(
                    f"{url}/v1/imports/audiences/list/{audience}", data=form, files={"file": ("f", ids)}, headers=basic
                )
            assert r.status_code == 202, r.text
            return str(r.json()["activity_id"])

        def status(activity: str) -> str:
            return str(httpx.get(f"{url}/v1/imports/audiences/list/status/{activity}", headers=basic).json()["status"])

        def wait(activity: str, want: str, timeout: float = 120) -> None:
            deadline = time.monotonic() + timeout
            while status(activity) != want:
                assert time.monotonic() < deadline, f"{activity} never became {want}"
                time.sleep(0.05)

        first = upload(b"".join(b'{"customer_id":"m%d"}\n' % i for i in range(V1)))
        wait(first, "Completed")
        aid = httpx.get(f"{url}/admin/v1/projects/{project}/audiences", headers=admin).json()["data"][0]["id"]

        seen: list[Any] = []
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                one = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}", headers=admin).json()["data"]
                m = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}/members/m7", headers=admin).json()
                n = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}/members/n7", headers=admin).json()
                after = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}", headers=admin).json()["data"]
                # The two membership answers are separate requests: they describe one version only
                # when the audience's version is the same before and after them.
                same = one["version"] if after["version"] == one["version"] else None
                seen.append((one["version"], one["member_count"], m, n, same))

        watcher = threading.Thread(target=reader)
        watcher.start()
        second = upload(b"".join(b'{"customer_id":"n%d"}\n' % i for i in range(V2)), aid)
        wait(second, "Running")
        time.sleep(0.3)  # into the load
        _kill(worker)
        assert status(second) == "Running"  # the worker died inside the load, not after it
        worker = _start_worker(deployment)
        wait(second, "Completed")
        time.sleep(0.3)  # the watcher also reads the finished version for a while
        stop.set()
        watcher.join(30)
        counts = {(v, c) for v, c, _m, _n, _same in seen}
        assert counts <= {(1, V1), (2, V2)}, counts
        final = httpx.get(f"{url}/admin/v1/projects/{project}/audiences/{aid}", headers=admin).json()["data"]
        assert (final["version"], final["member_count"], final["record_count"]) == (2, V2, V2)
        # Within one version, only that version's members are shown: never m7 of version 1 together
        # with n7 of version 2, and never the other version's member alone.
        steady = [(same, m["data"]["member"], n["data"]["member"]) for _v, _c, m, n, same in seen if same]
        assert {same for same, _m, _n in steady} == {1, 2}, "the watcher saw both versions while they stood"
        assert all((m, n) == ((True, False) if same == 1 else (False, True)) for same, m, n in steady), steady
    finally:
        _stop(worker)
        _stop(api)
