"""SIGKILL mid-stream: every batch that got a 201 is stored exactly once, nothing is half-stored.

A real server process (``uvicorn --factory traitbase.app:app_from_env`` on 127.0.0.1) takes
batches from four concurrent clients; once a number of batches were acknowledged it is killed
with SIGKILL while requests are in flight. After a restart on the same data directory, every
acknowledged batch must be there in full exactly once, every other batch either in full or not
at all; then all batches are re-sent with their Idempotency-Key and each ends up stored once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from tests.conftest import build_env, make_settings
from tests.servers import ServerProcess

pytestmark = pytest.mark.slow

BATCHES = 48
BATCH_SIZE = 250
KILL_AFTER_ACKS = 12
CLIENTS = 4
DEADLINE_SECONDS = 60


def _batch(i: int) -> bytes:
    items = [
        {"timestamp": "2019-01-01 15:04:05", "user_id": f"batch{i}", "action_id": str(j), "action_name": "tick"}
        for j in range(BATCH_SIZE)
    ]
    return msgspec.json.encode({"actions": items})


def _server(data_dir: Path) -> ServerProcess:
    return ServerProcess.uvicorn(
        data_dir, TRAITBASE_ACCESS_LOG="false", TRAITBASE_LOG_LEVEL="WARNING", TRAITBASE_JOB_WORKERS="0"
    )


def _prepare(data_dir: Path) -> tuple[str, str, str]:
    """Bootstrap the data directory in process (then release it); returns upload token, admin token, project."""
    gen: Iterator[Any] = build_env(make_settings(data_dir, job_workers=0))
    env = next(gen)
    token = env.key(["upload"])
    boot = env.boot
    for _ in gen:
        pass
    return token, boot.admin_token, boot.project_id


def _send_all(server: ServerProcess, token: str, acked: set[int], stop_at: int | None, killed: threading.Event) -> None:
    """Send every batch from CLIENTS threads; kill the server once stop_at batches were acknowledged."""
    todo = list(range(BATCHES))
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop(0)
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"batch-{i}"}
                try:
                    r = http.post("/v1/actions", content=_batch(i), headers=headers)
                except httpx.HTTPError:
                    continue
                if r.status_code == 201:
                    with lock:
                        acked.add(i)
                        if stop_at is not None and len(acked) >= stop_at and not killed.is_set():
                            killed.set()
                            server.kill()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_SECONDS)


def _stored(server: ServerProcess, admin: str, project: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {admin}"}) as http:
        for i in range(BATCHES):
            r = http.get(f"/admin/v1/projects/{project}/users/batch{i}/events", params={"limit": 1000})
            assert r.status_code == 200, r.text
            out[i] = sorted(e["event_id"] for e in r.json()["data"])
    return out


def test_acknowledged_batches_survive_sigkill_exactly_once(tmp_path: Path) -> None:
    token, admin, project = _prepare(tmp_path)
    full = sorted(str(j) for j in range(BATCH_SIZE))

    server = _server(tmp_path)
    acked: set[int] = set()
    killed = threading.Event()
    try:
        _send_all(server, token, acked, KILL_AFTER_ACKS, killed)
    finally:
        server.stop()
    assert killed.is_set()

    server = _server(tmp_path)
    try:
        stored = _stored(server, admin, project)
        assert {i: stored[i] for i in acked} == {i: full for i in acked}
        assert {i: ids for i, ids in stored.items() if ids not in ([], full)} == {}

        again: set[int] = set()
        _send_all(server, token, again, None, threading.Event())
        assert again == set(range(BATCHES))
        assert _stored(server, admin, project) == {i: full for i in range(BATCHES)}
    finally:
        server.stop()
