"""``client.attributes.upload`` against the real app: batching, row sources, stringifying, progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import polars as pl
import pytest

from tests.client.conftest import Recorder, recorder, sdk
from tests.conftest import Env
from traitbase.client import Client, InvalidRow, UploadProgress, UploadResult


def _attributes(admin: Client, env: Env, user_id: str) -> dict[str, str]:
    return admin.admin.get_user(env.boot.project_id, user_id)["attributes"]


def test_250_rows_go_as_three_requests_of_100_100_50_and_all_are_stored(
    env: Env, upload_token: str, admin: Client
) -> None:
    rec = recorder(env)
    rows = ({"user_id": f"u{i:03}", "plan": "pro" if i % 2 else "free"} for i in range(250))
    with sdk(env, upload_token, rec) as c:
        result = c.attributes.upload(rows)
    assert result == UploadResult(received=250, created=250, updated=0, batches=3)
    assert [len(b["values"]) for b in rec.bodies()] == [100, 100, 50]
    page = admin.admin.list_users(env.boot.project_id, limit=1000)
    assert page["next"] is None
    assert [(u["user_id"], u["attributes"]) for u in page["users"]] == [
        (f"u{i:03}", {"plan": "pro" if i % 2 else "free"}) for i in range(250)
    ]


def test_rows_with_different_fields_are_sent_with_user_id_first_and_empty_for_missing(
    env: Env, upload_token: str
) -> None:
    rec = recorder(env)
    rows = [{"age": 31, "user_id": "a"}, {"user_id": "b", "vip": True, "score": 1.5}, {"user_id": 7, "age": None}]
    with sdk(env, upload_token, rec) as c:
        c.attributes.upload(rows)
    assert rec.bodies() == [
        {
            "field_name": ["user_id", "age", "vip", "score"],
            "values": [["a", "31", "", ""], ["b", "", "true", "1.5"], ["7", "", "", ""]],
        }
    ]


def test_csv_file_is_uploaded_and_an_empty_cell_leaves_the_value_unchanged(
    env: Env, upload_token: str, admin: Client, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text("user_id,plan,city\nabcd123,free,Paris\nabcd456,pro,Oslo\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text('\ufeffuser_id,plan,city\nabcd123,pro,\n"abcd456","",Bergen\n', encoding="utf-8")
    with sdk(env, upload_token) as c:
        assert c.attributes.upload(first) == UploadResult(received=2, created=2, updated=0, batches=1)
        assert c.attributes.upload(str(second)) == UploadResult(received=2, created=0, updated=2, batches=1)
    assert _attributes(admin, env, "abcd123") == {"plan": "pro", "city": "Paris"}
    assert _attributes(admin, env, "abcd456") == {"plan": "pro", "city": "Bergen"}


def test_csv_progress_reports_each_batch_and_ends_at_the_file_size(env: Env, upload_token: str, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text("user_id,n\n" + "".join(f"user{i},{i}\n" for i in range(120)), encoding="utf-8")
    seen: list[UploadProgress] = []
    with sdk(env, upload_token) as c:
        c.attributes.upload(path, batch_size=50, progress=seen.append)
    size = path.stat().st_size
    assert [(p.rows, p.totals.batches, p.totals.created, p.bytes_total) for p in seen] == [
        (50, 1, 50, size),
        (100, 2, 100, size),
        (120, 3, 120, size),
    ]
    assert seen[-1].bytes_read == size


def test_pandas_frame_is_uploaded_with_missing_values_left_unchanged(
    env: Env, upload_token: str, admin: Client
) -> None:
    frame = pd.DataFrame(
        {"user_id": ["p1", "p2"], "age": [31, 40], "city": ["Rome", None], "score": [0.5, float("nan")]}
    )
    with sdk(env, upload_token) as c:
        assert c.attributes.upload(frame) == UploadResult(received=2, created=2, updated=0, batches=1)
    assert _attributes(admin, env, "p1") == {"age": "31", "city": "Rome", "score": "0.5"}
    assert _attributes(admin, env, "p2") == {"age": "40"}


def test_polars_frame_is_uploaded_with_nulls_left_unchanged(env: Env, upload_token: str, admin: Client) -> None:
    frame = pl.DataFrame({"user_id": ["q1", "q2"], "vip": [True, None], "visits": [3, 4]})
    with sdk(env, upload_token) as c:
        assert c.attributes.upload(frame) == UploadResult(received=2, created=2, updated=0, batches=1)
    assert _attributes(admin, env, "q1") == {"vip": "true", "visits": "3"}
    assert _attributes(admin, env, "q2") == {"visits": "4"}


def test_row_without_user_id_raises_invalid_row_and_its_batch_is_not_sent(env: Env, upload_token: str) -> None:
    rec = recorder(env)
    rows = [{"user_id": "ok", "a": "1"}, {"user_id": "", "a": "2"}]
    with sdk(env, upload_token, rec) as c, pytest.raises(InvalidRow) as err:
        c.attributes.upload(rows)
    assert (str(err.value), err.value.row) == ("row 2 has no user_id", 2)
    assert rec.requests == []


def test_a_single_dict_is_refused_with_a_hint(env: Env, upload_token: str) -> None:
    with sdk(env, upload_token) as c, pytest.raises(TypeError) as err:
        c.attributes.upload({"user_id": "x"})
    assert str(err.value) == "upload takes an iterable of rows, not a single row (wrap it in a list)"


def test_csv_line_with_more_cells_than_the_header_raises_invalid_row(
    env: Env, upload_token: str, tmp_path: Path
) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("user_id,plan\na,free\nb,pro,extra\n", encoding="utf-8")
    with sdk(env, upload_token) as c, pytest.raises(InvalidRow) as err:
        c.attributes.upload(path)
    assert (str(err.value), err.value.row) == ("CSV line 3 has more cells than the header", 3)


def test_rows_are_pulled_one_batch_at_a_time(env: Env, upload_token: str) -> None:
    pulled = 0
    pulled_at_request: list[int] = []

    def rows() -> Iterator[dict[str, str]]:
        nonlocal pulled
        for i in range(35):
            pulled += 1
            yield {"user_id": f"lazy{i}"}

    class Spy(Recorder):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            pulled_at_request.append(pulled)
            return super().handle_request(request)

    with sdk(env, upload_token, Spy(env.transport), batch_size=10) as c:
        c.attributes.upload(rows())
    assert pulled_at_request == [10, 20, 30, 35]
