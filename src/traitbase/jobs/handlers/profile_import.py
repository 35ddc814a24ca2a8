"""``profile_import`` jobs: read the uploaded file and apply it (``domain.imports``)."""

from __future__ import annotations

from typing import Any

from traitbase.domain.imports import job as import_job
from traitbase.domain.imports import service as imports
from traitbase.domain.jobs import JobContext
from traitbase.jobs.registry import Resources, register_job_kind


def run(job: JobContext, res: Resources) -> dict[str, Any]:
    sort = import_job.SortPlace(
        root=res.settings.data_dir / "work" / "imports",
        memory_mb=res.settings.imports_sort_memory_mb,
        processes=res.settings.imports_apply_processes,
    )
    return import_job.run_profile_import(job, blobs=res.blobs, limits=res.limits.imports, sort=sort)


register_job_kind(imports.KIND, run)
