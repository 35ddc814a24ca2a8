"""Loading audience members into the warehouse (DuckDB bulk read), and how bad files are reported."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, make_settings
from traitbase.config import Settings
from traitbase.domain.audiences import service as audiences
from traitbase.domain.audiences.job import LoadLimits, run_load
from traitbase.domain.keys.principal import Principal
from traitbase.storage.models import Audience, AudienceLoad
from traitbase.storage.warehouse import audiences as members

LIMITS = LoadLimits(max_decompressed_bytes=10_000, max_id_length=64)
AUD_LIMITS = audiences.AudienceLimits(max_lists=500, update_lock_seconds=0, max_file_bytes=10**9)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No job workers: each test runs the load itself, on the app's real warehouse.
    return make_settings(tmp_path, job_workers=0)


@pytest.fixture
def wh(env: Env) -> Any:
    return env.app.state.ctx.warehouse


def principal(env: Env) -> Principal:
    return Principal(
        key_id="k", org_id=env.boot.org_id, project_id=env.boot.project_id, environment="production",
        scopes=frozenset({"upload"}), plan="free",
    )  # fmt: skip


def new_list(env: Env, data: bytes, name: str = "l.jsonl", list_id: int | None = None) -> str:
    ctx = env.app.state.ctx
    key = f"audience-lists/{env.boot.project_id}/{name}"
    ctx.blobs.put_stream(key, iter([data]))
    p = principal(env)
    now = datetime.now(UTC)
    with ctx.db.uow() as s:
        if list_id is None:
            load = audiences.create_list(
                s, p, app_id=p.project_id or "", name="n", blob_key=key, limits=AUD_LIMITS, now=now
            )
        else:
            load = audiences.replace_list(s, p, list_id=list_id, app_id=p.project_id or "", blob_key=key, now=now)
        return load.id


def run(env: Env, wh: Any, load_id: str) -> tuple[AudienceLoad, Audience]:
    ctx = env.app.state.ctx
    run_load(ctx.db, ctx.blobs, wh, load_id, limits=LIMITS)
    with ctx.db.read() as s:
        load = s.get(AudienceLoad, load_id)
        assert load is not None
        a = s.get(Audience, load.audience_id)
        assert a is not None
        return load, a


def target(env: Env, audience_id: int, version: int) -> members.Target:
    return members.Target(
        project=env.boot.project_id, environment="production", audience_id=audience_id, version=version
    )


def member_ids(env: Env, audience_id: int, version: int) -> list[str]:
    wh = env.app.state.ctx.warehouse
    return [x for batch in members.iter_members(wh, target(env, audience_id, version)) for x in batch]


def summary(load: AudienceLoad, a: Audience) -> dict[str, Any]:
    return {
        "status": load.status,
        "total": load.total_lines,
        "ok": load.successful_lines,
        "failed": load.failed_lines,
        "error": load.error_reason,
        "version": a.version,
        "record_count": a.record_count,
    }


def test_json_lines_list_loads_and_counts_failed_lines(env: Env, wh: Any) -> None:
    data = b'{"customer_id":"abc"}\nnot json\n{"customer_id":"123"}\n{"other":1}\n\n'
    load, a = run(env, wh, new_list(env, data))
    assert summary(load, a) == {
        "status": "Completed", "total": 4, "ok": 2, "failed": 2, "error": None, "version": 1, "record_count": 2,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["123", "abc"]


def test_replace_switches_to_the_new_version_and_drops_the_old(env: Env, wh: Any) -> None:
    _, a = run(env, wh, new_list(env, b'{"customer_id":"old"}\n'))
    _, a = run(env, wh, new_list(env, b'{"customer_id":"new"}\n', name="2.jsonl", list_id=a.id))
    assert (a.version, a.record_count, member_ids(env, a.id, 2), member_ids(env, a.id, 1)) == (2, 1, ["new"], [])


def test_gzip_that_is_not_gzip_fails_and_keeps_the_old_members(env: Env, wh: Any) -> None:
    _, a = run(env, wh, new_list(env, b'{"customer_id":"keep"}\n'))
    load, a = run(env, wh, new_list(env, b"plain text\n", name="x.jsonl.gz", list_id=a.id))
    assert summary(load, a) == {
        "status": "Failed", "total": 0, "ok": 0, "failed": 0, "error": "file is named .gz but is not gzip data",
        "version": 1, "record_count": 1,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["keep"]


def test_gzip_bomb_fails_before_loading(env: Env, wh: Any) -> None:
    bomb = gzip.compress(b"\n" * 50_000)  # ~100 bytes compressed, 50,000 decompressed; the limit is 10,000
    load, a = run(env, wh, new_list(env, bomb, name="bomb.jsonl.gz"))
    assert (load.status, load.error_reason, a.version) == ("Failed", "file decompresses to more than 10000 bytes", 0)
    assert member_ids(env, a.id, 1) == []


def test_truncated_gzip_fails(env: Env, wh: Any) -> None:
    load, _ = run(env, wh, new_list(env, gzip.compress(b'{"customer_id":"a"}\n' * 50)[:-12], name="t.jsonl.gz"))
    assert (load.status, load.error_reason) == ("Failed", "file is not valid gzip data (empty or truncated)")


def test_device_id_file_with_header_loads_through_gzip(env: Env, wh: Any, tmp_path: Any) -> None:
    ctx = env.app.state.ctx
    key = f"audience-files/{env.boot.project_id}/u/ids.csv.gz"
    ctx.blobs.put_stream(key, iter([gzip.compress(b'idfa\r\nAAAA-1\r\n"BBBB-2"\r\n')]))
    with ctx.db.uow() as s:
        a = audiences.repo.insert_audience(
            s, org_id=env.boot.org_id, project_id=env.boot.project_id, environment="production", source="file",
            name="f", identifier_type="device_id", platform=2, area_type=1, device_types="2", version=0,
            record_count=0, created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
        )  # fmt: skip
        load_id = audiences._new_load(
            s, a, file_format="lines", sources=[{"device_type": 2, "blob_key": key}], now=datetime.now(UTC)
        ).id
    load, a = run(env, wh, load_id)
    assert summary(load, a) == {
        "status": "Completed", "total": 2, "ok": 2, "failed": 0, "error": None, "version": 1, "record_count": 2,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["AAAA-1", "BBBB-2"]
    assert members.contains(wh, target(env, a.id, 1), "BBBB-2") is True
    assert members.count_members(wh, target(env, a.id, 1)) == 2


def lines_audience(env: Env, data: bytes, name: str) -> str:
    """A device-id audience (file face model) with one uploaded file; returns its first load's id."""
    ctx = env.app.state.ctx
    key = f"audience-files/{env.boot.project_id}/u/{name}"
    ctx.blobs.put_stream(key, iter([data]))
    with ctx.db.uow() as s:
        a = audiences.repo.insert_audience(
            s, org_id=env.boot.org_id, project_id=env.boot.project_id, environment="production", source="file",
            name=name, identifier_type="device_id", platform=2, area_type=1, device_types="2", version=0,
            record_count=0, created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
        )  # fmt: skip
        return audiences._new_load(
            s, a, file_format="lines", sources=[{"device_type": 2, "blob_key": key}], now=datetime.now(UTC)
        ).id


def reload(env: Env, audience_id: int, data: bytes, name: str) -> str:
    ctx = env.app.state.ctx
    key = f"audience-files/{env.boot.project_id}/u/{name}"
    ctx.blobs.put_stream(key, iter([data]))
    with ctx.db.uow() as s:
        a = s.get(Audience, audience_id)
        assert a is not None
        return audiences._new_load(
            s, a, file_format="lines", sources=[{"device_type": 2, "blob_key": key}], now=datetime.now(UTC)
        ).id


def test_header_word_is_dropped_only_as_the_first_line(env: Env, wh: Any) -> None:
    load, a = run(env, wh, lines_audience(env, b"IDFA\nAAAA-1\nidfa\n\n  \n", "h.txt"))
    assert summary(load, a) == {
        "status": "Completed", "total": 2, "ok": 2, "failed": 0, "error": None, "version": 1, "record_count": 2,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["AAAA-1", "idfa"]


def test_quoted_and_padded_ids_are_trimmed_and_long_ones_fail(env: Env, wh: Any) -> None:
    data = b"\"A-1\"\n\t B-2 \r\nC-3\r\n'D-4'\n" + b"x" * 65 + b"\n"
    load, a = run(env, wh, lines_audience(env, gzip.compress(data), "t.csv.gz"))
    assert summary(load, a) == {
        "status": "Completed", "total": 5, "ok": 4, "failed": 1, "error": None, "version": 1, "record_count": 4,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["'D-4'", "A-1", "B-2", "C-3"]  # single quotes are part of an id


def test_gzip_bomb_in_a_replace_keeps_the_live_members(env: Env, wh: Any) -> None:
    _, a = run(env, wh, lines_audience(env, b"KEEP-1\nKEEP-2\n", "k.txt"))
    bomb = gzip.compress(b"ABCDEFGH-0000\n" * 100_000)
    load, a = run(env, wh, reload(env, a.id, bomb, "b.csv.gz"))
    assert (load.status, load.error_reason) == ("Failed", "file decompresses to more than 10000 bytes")
    assert (a.version, a.record_count, member_ids(env, a.id, 1), member_ids(env, a.id, 2)) == (
        1, 2, ["KEEP-1", "KEEP-2"], [],
    )  # fmt: skip


def test_a_line_that_is_not_utf8_is_one_failed_line_and_the_rest_loads(env: Env, wh: Any) -> None:
    # It used to fail the whole load inside the bulk read ("CSV Error on Line: 1").
    _, a = run(env, wh, lines_audience(env, b"KEEP-1\n", "k.txt"))
    bad = b"ab\xff\xfe\n" + b"".join(b"A-%d\n" % i for i in range(20_000)) + b"\xc3\n"
    load, a = run(env, wh, reload(env, a.id, bad, "bad.txt"))
    assert summary(load, a) == {
        "status": "Completed", "total": 20_002, "ok": 20_000, "failed": 2, "error": None, "version": 2,
        "record_count": 20_000,
    }  # fmt: skip
    assert len(member_ids(env, a.id, 2)) == 20_000


def test_a_json_lines_list_with_a_line_that_is_not_utf8_counts_it_as_failed(env: Env, wh: Any) -> None:
    data = b'{"customer_id":"abc"}\n{"customer_id":"b\xe9d"}\n{"customer_id":"123"}\n'
    load, a = run(env, wh, new_list(env, gzip.compress(data), name="l.jsonl.gz"))
    assert summary(load, a) == {
        "status": "Completed", "total": 3, "ok": 2, "failed": 1, "error": None, "version": 1, "record_count": 2,
    }  # fmt: skip
    assert member_ids(env, a.id, 1) == ["123", "abc"]
