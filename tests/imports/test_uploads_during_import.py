"""Attribute uploads between the chunks of a running import: none fails, none is lost, commit order decides.

The import is applied in customer order (``a`` before ``b``), one line per chunk. An upload lands
after ``a``'s chunk and before ``b``'s: it overwrites what the import set for ``a`` and is
overwritten, for the attribute the import assigns, by ``b``'s chunk (docs/imports.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import build_env, make_settings
from tests.imports.conftest import Imports
from traitbase.jobs.runner import JobRun

FILE = b"\n".join(
    orjson.dumps({"customer_id": uid, "changes": [{"op": "assign", "attr": "plan", "value": "import"}]})
    for uid in ("b", "a")
)


@pytest.fixture
def imp(tmp_path: Path) -> Iterator[Imports]:
    for env in build_env(make_settings(tmp_path, job_workers=0, imports_chunk_lines=1)):
        yield Imports(env)


def test_upload_between_chunks_follows_commit_order(imp: Imports, monkeypatch: pytest.MonkeyPatch) -> None:
    token = imp.env.key(["upload"])
    answers: list[Any] = []
    real = JobRun.should_stop
    checks = [0]

    def should_stop(self: JobRun) -> bool:
        checks[0] += 1
        if checks[0] == 2:  # after the first chunk (customer a), before the second (customer b)
            body = {
                "field_name": ["user_id", "plan", "color"],
                "values": [["a", "upload", "red"], ["b", "upload", "red"]],
            }
            answers.append(
                imp.env.client.post("/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {token}"})
            )
        return real(self)

    monkeypatch.setattr(JobRun, "should_stop", should_stop)
    creds = imp.credentials()
    activity = imp.upload(creds, FILE, app_id=imp.env.boot.project_id).json()["activity_id"]
    assert imp.run_jobs() == 1
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"code": 200, "message": "OK", "data": {"received": 2, "created": 1, "updated": 1}})
    ]
    assert imp.status(creds, activity).json()["status"] == "Completed"
    assert imp.user("a") == {"plan": "upload", "color": "red"}
    assert imp.user("b") == {"plan": "import", "color": "red"}
