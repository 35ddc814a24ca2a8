"""With the default settings the server's own workers run imports; no worker process needed."""

from __future__ import annotations

import time

from tests.conftest import Env
from tests.imports.conftest import Imports
from tests.imports.test_profile_imports import SEED_LINES
from traitbase.domain import jobs


def test_the_servers_in_process_workers_complete_an_import(env: Env) -> None:
    imp = Imports(env)
    creds = imp.credentials()
    activity = imp.upload(creds, SEED_LINES, app_id=env.boot.project_id).json()["activity_id"]
    deadline = time.monotonic() + 30
    # Poll the job row, not the status endpoint (which is rate limited to 60 calls a minute).
    while time.monotonic() < deadline:
        with env.app.state.ctx.db.read() as s:
            job = jobs.get(s, activity)
        if job is not None and job.status == "completed":
            break
        time.sleep(0.05)
    assert imp.status(creds, activity).json()["upload_statistics"]["successful_imports"] == 5
    assert imp.user("abc") == {"example1": "value1", "foo": 1}
