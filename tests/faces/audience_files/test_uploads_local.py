"""Presigned audience-file uploads to this server (local blob store), driven by real curl commands."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.faces.audience_files.conftest import Live, TokenKey, md5_hex, token_key

PRESIGN = "/api/open/v1/audience/presigned-upload-data"


def presign(live: Live, key: TokenKey, *, area: int, name: str, md5: str) -> httpx.Response:
    q = {"area_type": area, "file_name": name, "file_md5": md5}
    return live.env.client.get(PRESIGN, params=q, headers=key.headers())


def curl(*args: str) -> tuple[int, str]:
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=60)
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def curl_put(url: str, path: Path) -> tuple[int, str]:
    return curl("-X", "PUT", "-T", str(path), url)


def curl_oss(oss: dict[str, Any], path: Path) -> tuple[int, str]:
    return curl(
        "--request",
        "POST",
        oss["host"],
        "--form",
        f'key="{oss["dir"]}"',
        "--form",
        f'OSSAccessKeyId="{oss["accessid"]}"',
        "--form",
        f'policy="{oss["policy"]}"',
        "--form",
        f'signature="{oss["signature"]}"',
        "--form",
        'success_action_status="200"',
        "--form",
        f'file=@"{path}"',
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def stored(live: Live, data_path: str) -> bytes | None:
    key = data_path.split("/", 3)[3]
    blobs = live.env.app.state.ctx.blobs
    if not blobs.exists(key):
        return None
    with blobs.open(key) as fh:
        return fh.read()


def error(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "msg": message, "message": message, "data": None}


def test_area_1_answer_and_seed_put_curl_stores_the_file(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"idfa-1\nidfa-2\n"
    r = presign(live, key, area=1, name="audience_file.txt", md5=md5_hex(data))
    body = r.json()
    s3 = body["data"]["s3"]
    assert body == {
        "code": 200,
        "msg": "success",
        "message": "success",
        "data": {
            "area_type": 1,
            "file_name": "audience_file.txt",
            "file_md5": md5_hex(data),
            "ttl": 900,
            "s3": {"method": "PUT", "url": s3["url"], "data_path": s3["data_path"]},
        },
    }
    assert s3["url"].startswith(live.base + "/api/open/v1/uploads/")
    assert s3["data_path"].startswith("s3://local/audience-files/")
    assert curl_put(s3["url"], write(tmp_path, "a.txt", data)) == (200, "")
    assert stored(live, s3["data_path"]) == data


def test_area_2_policy_and_seed_oss_form_curl_stores_the_file(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"gaid-1\ngaid-2\n"
    oss = presign(live, key, area=2, name="test.csv", md5=md5_hex(data)).json()["data"]["oss"]
    assert sorted(oss) == ["accessid", "data_path", "dir", "expire", "host", "method", "policy", "signature"]
    assert (oss["method"], oss["host"], oss["accessid"]) == (
        "POST",
        live.base + "/api/open/v1/uploads/form",
        "traitbase-local",
    )
    import base64

    policy = json.loads(base64.b64decode(oss["policy"]))
    assert policy["conditions"] == [
        {"bucket": "local"},
        ["content-length-range", 0, 4096],
        ["eq", "$key", oss["dir"]],
        ["eq", "$success_action_status", "200"],
    ]
    assert curl_oss(oss, write(tmp_path, "b.csv", data)) == (200, "")
    assert stored(live, oss["data_path"]) == data


def test_md5_mismatch_is_refused_and_nothing_is_kept(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    s3 = presign(live, key, area=1, name="a.txt", md5="0" * 32).json()["data"]["s3"]
    code, body = curl_put(s3["url"], write(tmp_path, "a.txt", b"x\n"))
    msg = f"file MD5 {md5_hex(b'x' + bytes([10]))} does not match file_md5 {'0' * 32}"
    assert (code, json.loads(body)) == (400, error(400, msg))
    assert stored(live, s3["data_path"]) is None


def test_wrong_extension_is_refused(live: Live) -> None:
    key = token_key(live.env)
    r = presign(live, key, area=1, name="a.xlsx", md5="0" * 32)
    assert (r.status_code, r.json()) == (400, error(400, "file_name must end in .txt, .csv, .txt.gz or .csv.gz"))


def test_expired_url_is_refused(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"x\n"
    url = presign(live, key, area=1, name="a.txt", md5=md5_hex(data)).json()["data"]["s3"]["url"]
    upload_id = url.split("/uploads/")[1].split("?")[0]
    past = 1_000_000
    sig = live.env.app.state.ctx.signer.sign("audience-put", upload_id, past)
    code, body = curl_put(
        f"{live.base}/api/open/v1/uploads/{upload_id}?expires={past}&signature={sig}", write(tmp_path, "a.txt", data)
    )
    assert (code, json.loads(body)) == (403, error(403, "upload URL has expired"))


def test_second_upload_to_a_one_shot_url_is_refused(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"x\n"
    s3 = presign(live, key, area=1, name="a.txt", md5=md5_hex(data)).json()["data"]["s3"]
    path = write(tmp_path, "a.txt", data)
    assert curl_put(s3["url"], path) == (200, "")
    code, body = curl_put(s3["url"], write(tmp_path, "b.txt", b"other\n"))
    assert (code, json.loads(body)) == (409, error(409, "this upload URL was already used; request a new one"))
    assert stored(live, s3["data_path"]) == data


def test_second_post_of_a_one_shot_policy_is_refused(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"x\n"
    oss = presign(live, key, area=2, name="a.txt", md5=md5_hex(data)).json()["data"]["oss"]
    assert curl_oss(oss, write(tmp_path, "a.txt", data)) == (200, "")
    code, body = curl_oss(oss, write(tmp_path, "b.txt", b"y\n"))
    assert (code, json.loads(body)) == (409, error(409, "this upload URL was already used; request a new one"))


def test_file_over_the_cap_is_refused_and_nothing_is_kept(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    data = b"0123456789abcdef\n" * 300  # 5,100 bytes, cap is 4,096 in this test
    s3 = presign(live, key, area=1, name="big.txt", md5=md5_hex(data)).json()["data"]["s3"]
    code, body = curl_put(s3["url"], write(tmp_path, "big.txt", data))
    assert (code, json.loads(body)) == (413, error(413, "file is over the limit of 4096 bytes"))
    assert stored(live, s3["data_path"]) is None


def test_forged_policy_signature_is_refused(live: Live, tmp_path: Path) -> None:
    key = token_key(live.env)
    oss = presign(live, key, area=2, name="a.txt", md5=md5_hex(b"x\n")).json()["data"]["oss"]
    code, body = curl_oss(oss | {"signature": "AAAA"}, write(tmp_path, "a.txt", b"x\n"))
    assert (code, json.loads(body)) == (403, error(403, "policy signature does not match"))
