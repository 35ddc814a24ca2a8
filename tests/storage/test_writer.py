"""Group-commit writer: each request succeeds or fails on its own inside a shared commit."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest
from sqlalchemy import Connection

from tests.conftest import Env
from traitbase.storage.repos import profiles as repo


def test_failing_request_leaves_no_rows_and_others_commit(backend: Env) -> None:
    writer = backend.app.state.ctx.writer
    scope = repo.app_scope(backend.boot.project_id)

    def write(uid: str, fail: bool) -> Future[int]:
        def apply(conn: Connection) -> int:
            n = repo.merge_attributes(
                conn,
                org_id=backend.boot.org_id,
                scope=scope,
                environment="production",
                rows=[(uid, {"a": "1"})],
                now=time.time(),
            )
            if fail:
                raise RuntimeError("fault after the write")
            return n

        return writer.submit(apply)

    futures = [write("ok1", False), write("bad", True), write("ok2", False)]
    assert futures[0].result(10) == 1 and futures[2].result(10) == 1
    with pytest.raises(RuntimeError):
        futures[1].result(10)
    base = f"/admin/v1/projects/{backend.boot.project_id}/users"
    assert [u["user_id"] for u in backend.client.get(base, headers=backend.admin).json()["data"]] == ["ok1", "ok2"]
