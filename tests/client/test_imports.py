"""``client.imports``: a profile file streamed to the import face, its job followed to the end."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest

from tests.client.conftest import BASE, key_parts, sdk
from tests.conftest import Env, build_env, make_settings
from traitbase.client import (
    AsyncClient,
    BadToken,
    Client,
    ImportStatus,
    JobFailed,
    UploadStatistics,
    WaitTimeout,
)

SEED_LINES = (
    '{"customer_id":"abc","changes":[{"op":"assign","attr":"example1","value":"value1"}]}\n'
    '{"customer_id":"123","changes":[{"op":"set-add","attr":"example2","value":["value1", "value2"]}]}\n'
    '{"customer_id":"zxc","changes":[{"op":"set-remove","attr":"example3","value":["value1", "value2"]}]}\n'
    '{"customer_id":"abc","changes":[{"op":"increment","attr":"foo","value":1}]}\n'
    '{"customer_id":"zxc","changes":[{"op":"delete","attr":"foo"}]}\n'
)
POLL = 0.05


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_file_imports_to_completed_with_the_expected_profiles_and_progress_reports(
    env: Env, tmp_path: Path, upload_token: str, admin: Client
) -> None:
    pid = env.boot.project_id
    seen: list[ImportStatus] = []
    with sdk(env, upload_token) as c:
        job = c.imports.upload_profiles(_file(tmp_path, "profiles.jsonl", SEED_LINES), app_id=pid)
        final = job.wait(poll_interval=POLL, timeout=60, on_progress=seen.append)
    assert final == ImportStatus(
        activity_id=job.activity_id,
        status="Completed",
        target={"app_id": pid},
        upload_statistics=UploadStatistics(5, 5, 0, 5),
        error_log=None,
        file_lines=5,
    )
    assert seen[-1] == final
    assert {s.status for s in seen} <= {"Pending", "Running", "Completed"}
    assert admin.admin.get_user(pid, "abc")["attributes"] == {"example1": "value1", "foo": 1}
    assert admin.admin.get_user(pid, "123")["attributes"] == {"example2": ["value1", "value2"]}


def test_csv_with_a_ragged_row_completes_and_its_signed_error_log_names_the_line(
    env: Env, tmp_path: Path, upload_token: str, admin: Client
) -> None:
    pid = env.boot.project_id
    path = _file(tmp_path, "people.csv", "id,city,visits\nu1,Kyoto,3\nu2,Osaka\nu3,Nara,5\n")
    with sdk(env, upload_token) as c:
        final = c.imports.upload_profiles(path, app_id=pid).wait(poll_interval=POLL, timeout=60)
    assert (final.status, final.upload_statistics, final.file_lines) == ("Completed", UploadStatistics(2, 2, 1, 3), 4)
    assert final.error_log is not None and final.error_log.startswith(f"{BASE}/v1/imports/profiles/errors/")
    log = env.client.get(final.error_log)
    assert (log.status_code, log.text) == (
        200,
        '{"line":3,"raw":"u2,Osaka","reason":"the row has 2 cells; the header has 3"}\n',
    )
    assert admin.admin.get_user(pid, "u3")["attributes"] == {"city": "Nara", "visits": 5}


def test_upload_streams_the_file_in_chunks_with_basic_auth_from_the_token(
    env: Env, tmp_path: Path, upload_token: str
) -> None:
    line = '{"customer_id":"c%d","changes":[{"op":"assign","attr":"a","value":"%s"}]}\n'
    path = tmp_path / "big.json"
    with path.open("w") as f:
        f.writelines(line % (i, "x" * 200) for i in range(2000))  # about 500 KB
    chunks: list[int] = []

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            chunks.extend(len(c) for c in request.stream)  # type: ignore[union-attr]
            assert (
                request.headers["authorization"]
                == "Basic " + base64.b64encode(":".join(key_parts(upload_token)).encode()).decode()
            )
            return env.transport.handle_request(request)

    with sdk(env, upload_token, Spy()) as c:
        job = c.imports.upload_profiles(path, app_id=env.boot.project_id)
    assert job.file_lines == 2000
    assert sum(chunks) > path.stat().st_size
    assert max(chunks) <= 64 * 1024


def test_a_job_that_fails_raises_job_failed_carrying_its_last_status(
    env: Env, tmp_path: Path, upload_token: str
) -> None:
    path = _file(tmp_path, "bad.csv", "id\nu1\n")  # a header without any attribute column
    with sdk(env, upload_token) as c, pytest.raises(JobFailed) as err:
        c.imports.upload_profiles(path, app_id=env.boot.project_id).wait(poll_interval=POLL, timeout=60)
    assert (err.value.status.status, err.value.status.upload_statistics) == ("Failed", UploadStatistics(0, 0, 0, 0))


def test_wait_gives_up_after_its_timeout_while_no_worker_runs_the_job(tmp_path: Path) -> None:
    gen = build_env(make_settings(tmp_path / "idle", job_workers=0))
    env = next(gen)
    try:
        with sdk(env, env.key(["upload"])) as c:
            job = c.imports.upload_profiles(_file(tmp_path, "p.jsonl", SEED_LINES), app_id=env.boot.project_id)
            with pytest.raises(WaitTimeout) as err:
                job.wait(poll_interval=POLL, timeout=0.2)
            assert job.status() == err.value.status
        assert (err.value.status.status, err.value.status.upload_statistics) == ("Pending", UploadStatistics())
    finally:
        gen.close()


def test_format_is_taken_from_the_suffix_and_org_scope_is_sent_as_org_id(
    env: Env, tmp_path: Path, admin: Client
) -> None:
    token = env.key(["upload"], org_key=True)
    path = _file(tmp_path, "org.CSV", "customer,tier\nz9,gold\n")
    with sdk(env, token) as c:
        final = c.imports.upload_profiles(path, org_id=env.boot.org_id).wait(poll_interval=POLL, timeout=60)
    assert (final.status, final.target, final.upload_statistics) == (
        "Completed",
        {"org_id": env.boot.org_id},
        UploadStatistics(1, 1, 0, 1),
    )
    assert admin.admin.get_user(env.boot.project_id, "z9")["attributes"] == {"tier": "gold"}


def test_both_or_neither_target_is_refused_before_any_request(env: Env, tmp_path: Path, upload_token: str) -> None:
    path = _file(tmp_path, "p.jsonl", SEED_LINES)
    with sdk(env, upload_token) as c:
        with pytest.raises(ValueError, match="exactly one of app_id"):
            c.imports.upload_profiles(path, app_id="a", org_id=1)
        with pytest.raises(ValueError, match="exactly one of app_id"):
            c.imports.upload_profiles(path)


def test_a_token_without_key_id_and_secret_raises_bad_token(env: Env, tmp_path: Path) -> None:
    with sdk(env, "not-a-key-token") as c, pytest.raises(BadToken) as err:
        c.imports.upload_profiles(_file(tmp_path, "p.jsonl", SEED_LINES), app_id=env.boot.project_id)
    assert str(err.value) == "this call needs an API key token of the form tb-<key id>.<secret>"


def test_async_client_imports_and_waits_through_the_asgi_transport(
    env: Env, tmp_path: Path, upload_token: str, admin: Client
) -> None:
    pid = env.boot.project_id
    path = _file(tmp_path, "profiles.jsonl", SEED_LINES)

    async def run() -> ImportStatus:
        async with AsyncClient(BASE, upload_token, transport=httpx.ASGITransport(app=env.app)) as c:
            job = await c.imports.upload_profiles(path, app_id=pid)
            return await job.wait(poll_interval=POLL, timeout=60)

    final = asyncio.run(run())
    assert (final.status, final.upload_statistics) == ("Completed", UploadStatistics(5, 5, 0, 5))
    assert admin.admin.get_user(pid, "abc")["attributes"] == {"example1": "value1", "foo": 1}
