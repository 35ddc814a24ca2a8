"""``audience_load`` jobs: load one audience file set into the warehouse (``domain.audience_loading``)."""

from __future__ import annotations

from typing import Any

from traitbase.domain.audiences import job as audience_loading
from traitbase.domain.audiences.service import LOAD_JOB_KIND
from traitbase.domain.jobs import JobContext, JobFailed
from traitbase.jobs.registry import Resources, register_job_kind


def run(job: JobContext, res: Resources) -> dict[str, Any]:
    load_id = str(job.job.payload["load_id"])
    warehouse = res.warehouse
    if warehouse is None:
        reason = "audience members need the warehouse, which this server process does not have"
        audience_loading.fail_load(res.db, load_id, reason)
        raise JobFailed(reason)
    audience_loading.run_load(res.db, res.blobs, warehouse, load_id, limits=res.limits.audience_loads)
    return {"load_id": load_id}


register_job_kind(LOAD_JOB_KIND, run)
