"""Scale mode over real services: processes of ``traitbase`` sharing PostgreSQL, ClickHouse, Redis, S3."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

CLI = [sys.executable, "-m", "traitbase.cli"]
START_TIMEOUT = 60.0
# A Redis database of its own, so rate-limit counters of other tests never meet these.
REDIS_DB_URL = "redis://127.0.0.1:6379/7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes] | None, err: Path | None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}: {err.read_text() if err else ''}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {START_TIMEOUT}s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if not Path(exe).exists():
        pytest.fail("moto_server (dev extra moto[server]) is required for scale tests")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url, proc, None)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@dataclass
class Deployment:
    """Shared settings (as environment variables) of every process of one scale-mode deployment."""

    env: dict[str, str]
    root: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*CLI, *args], capture_output=True, timeout=120, env=self.env, check=False)

    @contextmanager
    def process(self, name: str, args: list[str], *, extra: dict[str, str] | None = None) -> Iterator[Any]:
        out, err = self.root / f"{name}.out", self.root / f"{name}.err"
        data_dir = self.root / name
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.Popen(
                [*args, "--data-dir", str(data_dir)], stdout=fo, stderr=fe, env={**self.env, **(extra or {})}
            )
        try:
            yield proc, err
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)

    @contextmanager
    def api(self, name: str) -> Iterator[str]:
        port = free_port()
        with self.process(name, [*CLI, "serve", "--port", str(port)], extra={"TRAITBASE_JOB_WORKERS": "0"}) as (
            proc,
            err,
        ):
            url = f"http://127.0.0.1:{port}"
            _wait_http(f"{url}/healthz", proc, err)
            yield url

    @contextmanager
    def worker(self, name: str) -> Iterator[subprocess.Popen[bytes]]:
        with self.process(name, [sys.executable, "-m", "traitbase.jobs.worker"]) as (proc, _err):
            yield proc


@pytest.fixture
def deployment(
    tmp_path: Path, pg_url: str, redis_url: str, clickhouse_url: str, s3_server: str
) -> Iterator[Deployment]:
    import boto3

    bucket = "tb-scale-" + uuid.uuid4().hex[:8]
    boto3.client(
        "s3", endpoint_url=s3_server, aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    ).create_bucket(Bucket=bucket)
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRAITBASE_")}
    env = {
        **base,
        "TRAITBASE_DATABASE_URL": pg_url,
        "TRAITBASE_REDIS_URL": REDIS_DB_URL,
        "TRAITBASE_WAREHOUSE_URL": clickhouse_url,
        "TRAITBASE_BLOB_BACKEND": "s3",
        "TRAITBASE_S3_ENDPOINT_URL": s3_server,
        "TRAITBASE_S3_BUCKET": bucket,
        "TRAITBASE_S3_ACCESS_KEY_ID": "k",
        "TRAITBASE_S3_SECRET_ACCESS_KEY": "s",
        "TRAITBASE_S3_REGION": "us-east-1",
        "TRAITBASE_MASTER_KEY": "scale-test-" + uuid.uuid4().hex,
        "TRAITBASE_JOB_POLL_SECONDS": "0.1",
        "TRAITBASE_LOG_LEVEL": "WARNING",
        "TRAITBASE_ACCESS_LOG": "false",
        # The test polls job status a few times a second.
        "TRAITBASE_IMPORTS_STATUS_RATE_LIMIT": "100000/minute",
        "TRAITBASE_AUDIENCE_IMPORTS_RATE_LIMIT": "100000/minute",
    }
    yield Deployment(env=env, root=tmp_path)
