"""``events_kpi_csv`` and ``events_survey_csv`` jobs: ingest an uploaded CSV push (``domain.event_csv``)."""

from __future__ import annotations

from typing import Any

from traitbase.domain.events import job as event_csv
from traitbase.domain.jobs import JobContext
from traitbase.jobs.registry import Resources, register_job_kind


def run_kpis(job: JobContext, res: Resources) -> dict[str, Any]:
    if res.warehouse is None:
        # Embedded DuckDB is open in the server process only; its own workers take these jobs.
        raise RuntimeError("this worker has no warehouse open; KPI files are ingested by the server's workers")
    return event_csv.run_kpi_csv(job, blobs=res.blobs, warehouse=res.warehouse, limits=res.limits.event_csv)


def run_survey(job: JobContext, res: Resources) -> dict[str, Any]:
    return event_csv.run_survey_csv(job, blobs=res.blobs, limits=res.limits.event_csv)


register_job_kind(event_csv.KPI_KIND, run_kpis)
register_job_kind(event_csv.SURVEY_KIND, run_survey)
