"""The same import on PostgreSQL (scale mode): set-wise loads and upserts give the same profiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.conftest import build_env, make_settings
from tests.imports.conftest import Imports


@pytest.fixture
def pg_imp(tmp_path: Path, pg_url: str) -> Iterator[Imports]:
    settings = make_settings(tmp_path, job_workers=0, imports_chunk_lines=3, database_url=pg_url)
    for env in build_env(settings):
        yield Imports(env)


def test_an_import_on_postgresql_applies_every_op_across_chunks_and_reports_bad_lines(pg_imp: Imports) -> None:
    lines = [
        {"customer_id": "a", "changes": [{"op": "assign", "attr": "plan", "value": "pro"}]},
        {"customer_id": "a", "changes": [{"op": "increment", "attr": "n", "value": 2}]},
        {"customer_id": "a", "changes": [{"op": "set-add", "attr": "tags", "value": ["y", "x"]}]},
        {"customer_id": "a", "changes": [{"op": "increment", "attr": "n", "value": 3}]},
        {"customer_id": "a", "changes": [{"op": "set-remove", "attr": "tags", "value": "y"}]},
        {"customer_id": "b", "changes": [{"op": "assign", "attr": "d", "value": "2024-02-29"}]},
        {"customer_id": "a", "changes": [{"op": "increment", "attr": "plan", "value": 1}]},
        {"customer_id": "b", "changes": [{"op": "delete", "attr": "d"}, {"op": "set-add", "attr": "s", "value": "v"}]},
    ]
    content = b"\n".join(orjson.dumps(line) for line in lines) + b"\n"
    creds = pg_imp.credentials()
    r = pg_imp.upload(creds, content, app_id=pg_imp.env.boot.project_id)
    assert pg_imp.run_jobs() == 1
    body = pg_imp.status(creds, r.json()["activity_id"]).json()
    assert body["upload_statistics"] == {
        "successful_imports": 7,
        "parsed_imports": 8,
        "failed_imports": 1,
        "total_number_of_imports": 8,
    }
    assert pg_imp.user("a") == {"plan": "pro", "n": 5, "tags": ["x"]}
    assert pg_imp.user("b") == {"s": ["v"]}
    log = pg_imp.env.client.get(body["error_log"]).content.splitlines()
    assert [orjson.loads(x)["reason"] for x in log] == ["changes[0]: cannot increment 'plan': it holds a string"]
