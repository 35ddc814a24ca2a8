"""Reading events back and wiping a sandbox, for the admin API, the CLI and the SDK."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain import jobs as job_domain
from traitbase.domain.events import job as event_csv
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Invalid, NotFound
from traitbase.storage.models import Project
from traitbase.storage.repos import profiles as profile_repo
from traitbase.storage.warehouse import events as store
from traitbase.storage.warehouse.base import Warehouse, WriteOp, Written
from traitbase.storage.writer import GroupCommitWriter

SANDBOX = "sandbox"


def reachable(s: Session, p: Principal, *, project_id: str, environment: str) -> Project:
    """The project, if this admin key may read that environment of it (else 'not found')."""
    return access.admin_project(s, p, project_id, environment=environment)


_ALWAYS = ("event_time", "received_at", "kind", "name", "user_id")


def _out(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row for the wire: times as `YYYY-MM-DD HH:MM:SS` UTC, empty columns left out."""
    out = {k: v for k, v in row.items() if v is not None or k in _ALWAYS}
    for k in ("event_time", "received_at", "updated_at"):
        if isinstance(out.get(k), datetime):
            out[k] = out[k].strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(out.get("properties"), str):
        out["properties"] = orjson.loads(out["properties"])
    return out


def user_events(
    wh: Warehouse, *, project_id: str, environment: str, user_id: str, limit: int, kind: str | None = None
) -> list[dict[str, Any]]:
    """A user's most recent events, newest first."""
    rows = store.recent_events(wh, project=project_id, environment=environment, user_id=user_id, limit=limit, kind=kind)
    return [_out(r) for r in rows]


def parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field} must be a date YYYY-MM-DD", errors={field: "must be a date YYYY-MM-DD"}) from None


def event_counts(
    wh: Warehouse, *, project_id: str, environment: str, start: date, end: date, kind: str | None = None
) -> list[dict[str, Any]]:
    """Events by (kind, name) with event time on the days start..end (inclusive, UTC)."""
    if start > end:
        raise Invalid("start must not be after end", errors={"start": "after end"})
    if end >= date.max:  # the range ends at the start of the next day, which must exist
        raise Invalid(f"end must be before {date.max}", errors={"end": f"must be before {date.max}"})
    rows = store.count_by_name(
        wh,
        project=project_id,
        environment=environment,
        start=datetime.combine(start, datetime.min.time()),
        end=datetime.combine(end + timedelta(days=1), datetime.min.time()),
        kind=kind,
    )
    return [{"kind": k, "name": n, "count": c} for k, n, c in rows]


def items(wh: Warehouse, *, project_id: str, environment: str, limit: int) -> list[dict[str, Any]]:
    return [_out(r) for r in store.list_items(wh, project=project_id, environment=environment, limit=limit)]


def wipe_sandbox(wh: Warehouse, writer: GroupCommitWriter, *, org_id: int, project_id: str) -> dict[str, int]:
    """Delete everything a project's sandbox holds: warehouse rows and sandbox user attributes.

    Production data is never touched. Blocks until both deletions are committed.
    """
    done = wh.submit(WriteOp(step=store.wipe_step(project=project_id, environment=SANDBOX))).result()
    deleted: dict[str, int] = dict(done.value) if isinstance(done, Written) else {}
    scope = profile_repo.app_scope(project_id)

    def delete_profiles(conn: Connection) -> int:
        return profile_repo.delete_environment(conn, org_id=org_id, scope=scope, environment=SANDBOX)

    deleted["user_profiles"] = writer.submit(delete_profiles).result()
    return deleted


CSV_KINDS = {event_csv.KPI_KIND: "kpis", event_csv.SURVEY_KIND: "survey-data"}


def ingestion_status(s: Session, p: Principal, *, project_id: str, ingestion_id: str) -> dict[str, Any]:
    """Status of a CSV push's background job, as the admin API shows it."""
    proj = access.admin_project(s, p, project_id)
    job = job_domain.get(s, ingestion_id)
    if job is None or job.project_id != proj.id or job.kind not in CSV_KINDS:
        raise NotFound("ingestion not found")
    access.require_reach(
        p, org_id=job.org_id, project_id=job.project_id, environment=job.environment, missing="ingestion not found"
    )
    result = job.result or {}
    return {
        "id": job.id,
        "file": CSV_KINDS[job.kind],
        "environment": job.environment,
        "status": job.status,
        "progress": {k: int(job.progress.get(k, 0)) for k in ("rows", "ingested", "failed")},
        "errors": result.get("errors", job.checkpoint.get("errors", [])),
        "error": job.error,
        "bytes": int(job.payload.get("size", 0)),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }
