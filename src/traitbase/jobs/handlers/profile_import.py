"""``profile_import`` jobs: read the uploaded file and apply it (``domain.imports``)."""

from __future__ import annotations

from typing import Any

from traitbase.domain.imports import job as import_job
from traitbase.domain.imports import service as imports
from traitbase.domain.imports.parse import ImportLimits
from traitbase.domain.jobs import JobContext
from traitbase.jobs.registry import Resources, register_job_kind


def limits_from(res: Resources) -> ImportLimits:
    st = res.settings
    return ImportLimits(
        chunk_lines=st.imports_chunk_lines,
        max_line_bytes=st.imports_max_line_bytes,
        max_value_length=st.imports_max_value_length,
        max_attr_length=st.imports_max_attr_name_length,
        max_id_length=255,
        error_line_max_chars=st.imports_error_line_max_chars,
    )


def run(job: JobContext, res: Resources) -> dict[str, Any]:
    return import_job.run_profile_import(job, blobs=res.blobs, limits=limits_from(res))


register_job_kind(imports.KIND, run)
