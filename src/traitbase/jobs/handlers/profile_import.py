"""``profile_import`` jobs: read the uploaded file and apply it (``domain.imports``)."""

from __future__ import annotations

from typing import Any

from traitbase.domain.imports import job as import_job
from traitbase.domain.imports import service as imports
from traitbase.domain.jobs import JobContext
from traitbase.jobs.registry import Resources, register_job_kind


def run(job: JobContext, res: Resources) -> dict[str, Any]:
    return import_job.run_profile_import(job, blobs=res.blobs, limits=res.limits.imports)


register_job_kind(imports.KIND, run)
