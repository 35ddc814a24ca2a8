"""A bad row of a CSV push fails that row only, with a reason; numbers are stored as what they are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Env, build_env, make_settings
from tests.faces.events.conftest import user_events
from tests.faces.events.test_csv import _run_jobs, _status, _upload

HEADER = b"user_id,purchases_count,cpi,cpa,ltv\n"


@pytest.fixture
def csv_env(tmp_path: Path) -> Iterator[Env]:
    yield from build_env(make_settings(tmp_path, job_workers=0, events_csv_chunk_rows=3))


def test_kpi_numbers_that_cannot_be_stored_as_they_are_fail_their_row(csv_env: Env) -> None:
    content = HEADER + (
        b"ok,9223372036854775807,0.5,-1.5e3,.25\n"
        b"big,99999999999999999999,,,\n"
        b"over,,1e400,,\n"
        b"nan,,,,NaN\n"
        b"inf,,,inf,\n"
        b"neg,,-Infinity,,\n"
        b"under,1_000,,,\n"
    )
    r = _upload(csv_env, "/v1/kpis/csv", content)
    assert _run_jobs(csv_env) == 1
    status = _status(csv_env, r.json()["data"]["ingestion_id"])
    assert (status["status"], status["progress"], status["errors"]) == (
        "completed",
        {"rows": 7, "ingested": 1, "failed": 6},
        [
            {"line": 3, "reason": "purchases_count is outside the 64-bit integer range"},
            {"line": 4, "reason": "cpi must be a finite number (it overflows a 64-bit float)"},
            {"line": 5, "reason": "ltv must be a number"},
            {"line": 6, "reason": "cpa must be a number"},
            {"line": 7, "reason": "cpi must be a number"},
            {"line": 8, "reason": "purchases_count must be an integer"},
        ],
    )
    assert [e["properties"] for e in user_events(csv_env, "ok")] == [
        {"purchases_count": 9223372036854775807, "cpi": 0.5, "cpa": -1500.0, "ltv": 0.25}
    ]
    assert user_events(csv_env, "big") == []


def test_a_survey_cell_over_128_kib_fails_that_row_only_on_the_first_attempt(csv_env: Env) -> None:
    huge = b"x" * (200 * 1024)
    content = b"user_id,answer\nu1,yes\nu2," + huge + b"\nu3,no\n"
    r = _upload(csv_env, "/v1/survey-data/csv", content)
    assert _run_jobs(csv_env) == 1
    status = _status(csv_env, r.json()["data"]["ingestion_id"])
    assert (status["status"], status["error"], status["progress"], status["errors"]) == (
        "completed",
        None,
        {"rows": 3, "ingested": 2, "failed": 1},
        [{"line": 3, "reason": "the row is not valid CSV: field larger than field limit (131072)"}],
    )
    pid = csv_env.boot.project_id
    answers = [
        csv_env.client.get(f"/admin/v1/projects/{pid}/users/{u}", headers=csv_env.admin).json().get("data")
        for u in ("u1", "u2", "u3")
    ]
    assert [a["attributes"] if a else None for a in answers] == [{"answer": "yes"}, None, {"answer": "no"}]


@pytest.mark.parametrize("path", ["/v1/kpis/csv", "/v1/survey-data/csv"])
def test_a_line_that_is_not_utf8_fails_that_row_only(csv_env: Env, path: str) -> None:
    content = b"user_id,sessions_count\nu1,1\nu\xff\xfe2,2\nu3,3\n"
    r = _upload(csv_env, path, content)
    assert _run_jobs(csv_env) == 1
    status = _status(csv_env, r.json()["data"]["ingestion_id"])
    assert (status["status"], status["progress"], status["errors"]) == (
        "completed",
        {"rows": 3, "ingested": 2, "failed": 1},
        [{"line": 3, "reason": "the row is not valid UTF-8"}],
    )
