"""A profile import whose .gz file is cut short or has bytes after its stream fails at once, with the reason."""

from __future__ import annotations

import gzip

import pytest

from tests.imports.conftest import Imports
from traitbase.storage.repos import jobs as job_repo

LINES = b"".join(b'{"customer_id":"u%d","changes":[{"op":"assign","attr":"a","value":"x"}]}\n' % i for i in range(2))
GOOD = gzip.compress(LINES, mtime=0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (GOOD[:-8], "the file is not valid gzip: it ends before its end-of-stream marker (truncated)"),
        (GOOD + b"garbage!", "the file is not valid gzip: data after the end of the stream"),
    ],
    ids=["missing trailer", "trailing garbage"],
)
def test_a_corrupt_gzip_import_fails_on_the_first_attempt_with_its_reason(
    imp: Imports, body: bytes, reason: str
) -> None:
    creds = imp.credentials()
    r = imp.upload(creds, body, app_id=imp.env.boot.project_id)
    assert r.status_code == 202, r.text
    activity = r.json()["activity_id"]
    assert imp.run_jobs() == 1
    assert imp.status(creds, activity).json()["status"] == "Failed"
    with imp.env.app.state.ctx.db.read() as s:
        job = job_repo.get_job(s, activity)
    assert job is not None
    assert (job.status, job.error, job.attempts) == ("failed", reason, 1)
