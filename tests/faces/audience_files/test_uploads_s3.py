"""Audience-file uploads in S3 mode, against a real S3-compatible server process (moto) on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.audience_files.conftest import free_port, md5_hex, token_key
from tests.faces.audience_files.test_uploads_local import curl_oss, curl_put, error, write

PRESIGN = "/api/open/v1/audience/presigned-upload-data"
AUD = "/api/open/v1/audience"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    exe = shutil.which("moto_server")
    if exe is None:
        pytest.fail("moto_server (dev extra moto[server]) is required for S3-mode tests")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("the S3 test server did not start")
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture
def s3env(s3_server: str, tmp_path: Path) -> Iterator[Env]:
    bucket = "tb-" + os.urandom(4).hex()
    creds = {"s3_access_key_id": "testkey", "s3_secret_access_key": "testsecret", "s3_region": "us-east-1"}
    boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testkey",
        aws_secret_access_key="testsecret",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    settings = make_settings(
        tmp_path, blob_backend="s3", s3_endpoint_url=s3_server, s3_bucket=bucket, audience_file_max_bytes=4096, **creds
    )
    with contextmanager(build_env)(settings) as env:
        yield env


def presign(env: Env, key: Any, *, area: int, data: bytes, md5: str | None = None) -> dict[str, Any]:
    q = {"area_type": area, "file_name": "ids.txt", "file_md5": md5 or md5_hex(data)}
    body: dict[str, Any] = env.client.get(PRESIGN, params=q, headers=key.headers()).json()["data"]
    return body


def create(env: Env, key: Any, data_path: str) -> httpx.Response:
    body = {
        "ta_name": "s3 list",
        "area_type": 1,
        "platform": 1,
        "data_path": [{"device_type": 3, "data_path": data_path}],
    }
    return env.client.post(AUD, json=body, headers=key.headers())


def test_s3_presigned_put_with_seed_curl_then_create(s3env: Env, tmp_path: Path) -> None:
    key = token_key(s3env)
    data = b"gaid-1\ngaid-2\n"
    s3 = presign(s3env, key, area=1, data=data)["s3"]
    bucket = s3env.settings.s3_bucket
    assert s3["url"].startswith(f"{s3env.settings.s3_endpoint_url}/{bucket}/audience-files/")
    assert s3["data_path"].startswith(f"s3://{bucket}/audience-files/")
    assert curl_put(s3["url"], write(tmp_path, "ids.txt", data)) == (200, "")
    r = create(s3env, key, s3["data_path"])
    assert r.json() == {"code": 200, "msg": "success", "message": "success", "data": {"ta_id": 1}}


def test_s3_presigned_post_with_seed_oss_curl_then_create(s3env: Env, tmp_path: Path) -> None:
    key = token_key(s3env)
    data = b"oaid-1\n"
    oss = presign(s3env, key, area=2, data=data)["oss"]
    assert (oss["host"], oss["accessid"]) == (f"{s3env.settings.s3_endpoint_url}/{s3env.settings.s3_bucket}", "testkey")
    code, _ = curl_oss(oss, write(tmp_path, "ids.txt", data))
    assert code == 200
    assert create(s3env, key, oss["data_path"]).json()["data"] == {"ta_id": 1}


def test_s3_md5_mismatch_is_refused_at_create_and_object_removed(s3env: Env, tmp_path: Path) -> None:
    key = token_key(s3env)
    s3 = presign(s3env, key, area=1, data=b"", md5="0" * 32)["s3"]
    assert curl_put(s3["url"], write(tmp_path, "ids.txt", b"x\n")) == (200, "")
    r = create(s3env, key, s3["data_path"])
    msg = f"file MD5 {md5_hex(b'x' + bytes([10]))} does not match file_md5 {'0' * 32}"
    assert (r.status_code, r.json()) == (400, error(400, msg))
    assert s3env.app.state.ctx.blobs.exists(s3["data_path"].split("/", 3)[3]) is False


def test_s3_object_over_the_cap_is_refused_at_create(s3env: Env, tmp_path: Path) -> None:
    key = token_key(s3env)
    data = b"0123456789abcdef\n" * 300
    s3 = presign(s3env, key, area=1, data=data)["s3"]
    assert curl_put(s3["url"], write(tmp_path, "ids.txt", data)) == (200, "")
    r = create(s3env, key, s3["data_path"])
    assert (r.status_code, r.json()) == (413, error(413, "file is over the limit of 4096 bytes"))


def test_s3_blob_store_streams_and_reads_back(s3env: Env) -> None:
    blobs = s3env.app.state.ctx.blobs
    chunks = [b"a" * (5 * 1024 * 1024), b"b" * (4 * 1024 * 1024)]
    info = blobs.put_stream("exports/x/data.csv", iter(chunks))
    assert (info.size, blobs.size("exports/x/data.csv")) == (9 * 1024 * 1024, 9 * 1024 * 1024)
    assert b"".join(blobs.iter_chunks("exports/x/data.csv", start=9 * 1024 * 1024 - 3)) == b"bbb"
    blobs.delete("exports/x")
    assert blobs.exists("exports/x/data.csv") is False
