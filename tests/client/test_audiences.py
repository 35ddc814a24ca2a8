"""``client.audiences`` against the real app in-process: file uploads end to end, reads, export, waits."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
from pathlib import Path

import httpx
import orjson
import pytest

from tests.client.audience_support import LINES, audience, csv_gz, device_ids, token_auth_key, txt
from tests.client.conftest import BASE
from tests.conftest import Env, make_settings
from traitbase.client import AsyncClient, AuthError, Client, FileProgress, LoadFailed
from traitbase.client._audience_files import MemberParser
from traitbase.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, job_poll_seconds=0.05)


@pytest.fixture
def tb(env: Env) -> Client:
    return Client(BASE, token_auth_key(env), transport=env.transport)


def test_csv_gz_upload_by_put_loads_and_exports_the_files_ids(env: Env, tb: Client, tmp_path: Path) -> None:
    ids = device_ids()
    path = csv_gz(tmp_path / "buyers.csv.gz", ids)
    seen: list[FileProgress] = []
    made = tb.audiences.upload_file(path, "buyers", platform="android", device_type="gaid", progress=seen.append)
    size = path.stat().st_size
    assert (made.audience_id, made.file_md5, made.size) == (1, hashlib.md5(path.read_bytes()).hexdigest(), size)
    assert made.data_path.startswith(f"s3://local/audience-files/{env.boot.project_id}/")
    assert (seen[0].stage, seen[-1]) == ("md5", FileProgress("upload", size, size))
    got = made.wait(interval=0.05)
    assert got == audience(env, 1, "buyers", LINES, "3", 1)
    assert list(tb.audiences.export(env.boot.project_id, 1)) == sorted(ids)


def test_txt_upload_by_post_form_loads_and_exports_to_a_file(env: Env, tb: Client, tmp_path: Path) -> None:
    ids = device_ids(2500, prefix="idfa")
    made = tb.audiences.upload_file(txt(tmp_path / "ios.txt", ids), "ios", device_type=2, area_type=2)
    assert made.data_path.startswith(f"oss://local/audience-files/{env.boot.project_id}/")
    got = tb.audiences.wait(env.boot.project_id, made.audience_id, interval=0.05)
    assert got == audience(env, 1, "ios", 2500, "2", 2)
    out = tmp_path / "export.txt"
    assert tb.audiences.export_to_file(env.boot.project_id, 1, out) == 2500
    assert out.read_text() == "".join(f"{i}\n" for i in sorted(ids))


def test_contains_answers_true_for_a_member_and_false_otherwise(env: Env, tb: Client, tmp_path: Path) -> None:
    ids = device_ids(10)
    tb.audiences.upload_file(txt(tmp_path / "a.txt", ids), "a").wait(interval=0.05)
    project = env.boot.project_id
    assert (tb.audiences.contains(project, 1, ids[3]), tb.audiences.contains(project, 1, "nobody")) == (True, False)


def test_list_and_get_show_the_loaded_audiences(env: Env, tb: Client, tmp_path: Path) -> None:
    for name, n in (("first", 5), ("second", 7)):
        tb.audiences.upload_file(txt(tmp_path / f"{name}.txt", device_ids(n)), name).wait(interval=0.05)
    listed = tb.audiences.list(env.boot.project_id)
    assert [(a["id"], a["name"], a["record_count"]) for a in listed] == [(1, "first", 5), (2, "second", 7)]
    got = tb.audiences.get(env.boot.project_id, 2)
    assert got == audience(env, 2, "second", 7, "3", 1)


def test_a_gz_file_that_is_not_gzip_fails_the_load_with_its_reason(env: Env, tb: Client, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    bad.write_text("gaid\nnot-compressed\n")
    made = tb.audiences.upload_file(bad, "broken")
    with pytest.raises(LoadFailed) as caught:
        made.wait(interval=0.05)
    assert (str(caught.value), caught.value.reason) == (
        "audience 1: load failed: file is named .gz but is not gzip data",
        "file is named .gz but is not gzip data",
    )
    loads = tb.audiences.loads(env.boot.project_id, 1)
    assert [(x["version"], x["status"], x["error_reason"]) for x in loads] == [
        (1, "Failed", "file is named .gz but is not gzip data")
    ]


def test_upload_with_a_key_not_enabled_for_token_auth_is_refused(env: Env, tmp_path: Path) -> None:
    plain = Client(BASE, env.key(["upload"]), transport=env.transport)
    with pytest.raises(AuthError) as caught:
        plain.audiences.upload_file(txt(tmp_path / "a.txt", ["x"]), "a")
    assert (caught.value.status, caught.value.message) == (
        401,
        "this access-key is not enabled for token authentication",
    )


def test_upload_needs_a_tb_token_to_sign_with(env: Env, tmp_path: Path) -> None:
    with Client(BASE, "opaque", transport=env.transport) as c, pytest.raises(ValueError) as caught:
        c.audiences.upload_file(txt(tmp_path / "a.txt", ["x"]), "a")
    assert str(caught.value) == "audience file uploads need a client token of the form tb-<key id>.<secret>"


def test_export_of_an_unknown_audience_raises_not_found(env: Env, tb: Client) -> None:
    with pytest.raises(Exception) as caught:
        list(tb.audiences.export(env.boot.project_id, 99))
    assert (type(caught.value).__name__, str(caught.value)) == ("NotFound", "404: audience not found")


def test_export_undoes_the_spreadsheet_escape_and_csv_quoting(env: Env, tb: Client) -> None:
    odd = ["=cmd", "'quoted", "a,b", 'x"y', "plain", "-1", "@x"]
    key_id, secret = env.key(["upload"]).split("-", 1)[1].split(".", 1)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}
    body = b"".join(orjson.dumps({"customer_id": i}) + b"\n" for i in odd)
    form = {"app_id": env.boot.project_id, "audience_name": "odd", "identifier_type": "customer_id"}
    r = env.client.post("/v1/imports/audiences/list/", data=form, files={"file": ("f", body)}, headers=auth)
    assert r.status_code == 202, r.text
    tb.audiences.wait(env.boot.project_id, 1, interval=0.05)
    assert list(tb.audiences.export(env.boot.project_id, 1)) == sorted(odd)


def test_member_parser_handles_any_split_of_the_stream() -> None:
    text = 'id\nplain\n"a,b"\n"say ""hi"""\n\'\'quoted\n\'=cmd\n"multi\nline"\nlast\n'
    want = ["plain", "a,b", 'say "hi"', "'quoted", "=cmd", "multi\nline", "last"]
    for cut in range(len(text) + 1):
        parser = MemberParser()
        got = parser.feed(text[:cut]) + parser.feed(text[cut:]) + parser.finish()
        assert (cut, got) == (cut, want)


def test_async_client_uploads_waits_and_exports(env: Env, tmp_path: Path) -> None:
    ids = device_ids(1200)
    path = tmp_path / "async.csv.gz"
    path.write_bytes(gzip.compress("".join(f"{i}\n" for i in ids).encode()))
    token = token_auth_key(env)

    async def run() -> tuple[int, list[str], bool]:
        async with AsyncClient(BASE, token, transport=httpx.ASGITransport(app=env.app)) as c:
            made = await c.audiences.upload_file(path, "async", area_type=2)
            got = await made.wait(interval=0.05)
            members = [m async for m in c.audiences.export(env.boot.project_id, made.audience_id)]
            return got["member_count"], members, await c.audiences.contains(env.boot.project_id, 1, ids[0])

    assert asyncio.run(run()) == (1200, sorted(ids), True)


def test_two_uploads_in_the_same_second_use_fresh_tokens(env: Env, tb: Client, tmp_path: Path) -> None:
    # Each upload signs two calls; a repeated (key, second) token would be refused as a replay.
    made = [tb.audiences.upload_file(txt(tmp_path / f"{n}.txt", [n]), n) for n in ("a", "b", "c")]
    assert [m.audience_id for m in made] == [1, 2, 3]
