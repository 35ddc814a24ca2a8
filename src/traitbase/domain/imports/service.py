"""Profile imports (SPEC 3.1): who may import where, starting the job, its status, and the job itself.

The job reads the uploaded file in chunks. Each chunk is applied set-wise — the chunk's users
are loaded in one query, every line's changes are applied in memory, and the changed users are
written back with multi-row upserts — and committed in one transaction together with the
job's checkpoint (next byte offset and line number), counters and the chunk's line errors.
A worker that dies mid-chunk therefore leaves nothing of that chunk behind, and the next worker
resumes exactly after the last committed chunk: every line, ``increment`` included, counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain import access, jobs
from traitbase.domain.imports.parse import EMPTY_CELLS, EMPTY_CELLS_DEFAULT, FORMATS
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Forbidden, Invalid, NotFound
from traitbase.storage.repos import profiles as profile_repo
from traitbase.storage.repos import projects as project_repo

KIND = "profile_import"
STATUS_NAMES = {"pending": "Pending", "running": "Running", "completed": "Completed", "failed": "Failed"}
COUNTERS = ("total", "parsed", "successful", "failed")


@dataclass(frozen=True)
class ImportTarget:
    org_id: int
    project_id: str | None
    environment: str

    @property
    def scope(self) -> str:
        return profile_repo.ORG_SCOPE if self.project_id is None else profile_repo.app_scope(self.project_id)

    @property
    def wire(self) -> dict[str, Any]:
        return {"org_id": self.org_id} if self.project_id is None else {"app_id": self.project_id}


@dataclass(frozen=True)
class ImportStatus:
    activity_id: str
    status: str
    target: dict[str, Any]
    counters: dict[str, int]
    error_log_key: str | None


def check_format(fmt: str | None) -> str:
    if fmt not in FORMATS:
        choices = " or ".join(sorted(FORMATS))
        raise Invalid(f"format must be {choices}", errors={"format": f"unknown format {fmt!r}"})
    return fmt


def import_options(*, empty_cells: str | None) -> dict[str, str]:
    """The upload's optional form fields, checked; stored with the job so a resumed job reads alike."""
    value = (empty_cells or EMPTY_CELLS_DEFAULT).lower()
    if value not in EMPTY_CELLS:
        choices = " or ".join(EMPTY_CELLS)
        raise Invalid(f"empty_cells must be {choices}", errors={"empty_cells": f"unknown value {empty_cells!r}"})
    return {"empty_cells": value}


def resolve_target(s: Session, principal: Principal, *, org_id: str | None, app_id: str | None) -> ImportTarget:
    """The scope an import writes to; the key must reach it (an org_id needs an organization key)."""
    if (org_id is None) == (app_id is None):
        raise Invalid("send exactly one of org_id and app_id", errors={"org_id": "exactly one of org_id and app_id"})
    if org_id is not None:
        if not org_id.strip().isdigit():
            raise Invalid("org_id must be an integer", errors={"org_id": "not an integer"})
        if principal.project_id is not None or int(org_id) != principal.org_id:
            raise Forbidden("these credentials have no access to this organization")
        return ImportTarget(org_id=principal.org_id, project_id=None, environment=principal.environment)
    assert app_id is not None
    project = project_repo.get_project(s, app_id.strip())
    if project is None or not principal.can_reach_project(project.id, project.org_id):
        raise Forbidden("these credentials have no access to this application")
    return ImportTarget(org_id=project.org_id, project_id=project.id, environment=principal.environment)


def start_profile_import(
    s: Session,
    *,
    activity_id: str,
    target: ImportTarget,
    fmt: str,
    blob_key: str,
    max_attempts: int,
    options: dict[str, str] | None = None,
) -> str:
    return jobs.enqueue(
        s,
        job_id=activity_id,
        kind=KIND,
        org_id=target.org_id,
        project_id=target.project_id,
        environment=target.environment,
        payload={"format": fmt, "blob": blob_key, "target": target.wire, "options": options or {}},
        progress=dict.fromkeys(COUNTERS, 0),
        max_attempts=max_attempts,
    )


def import_status(s: Session, principal: Principal, activity_id: str) -> ImportStatus:
    job = jobs.get(s, activity_id)
    if job is None or job.kind != KIND:
        raise NotFound("no import with this activity id")
    access.require_reach(
        principal,
        org_id=job.org_id,
        project_id=job.project_id,
        environment=job.environment,
        missing="no import with this activity id",
    )
    counters = {k: int(job.progress.get(k, 0)) for k in COUNTERS}
    log_key = (job.result or {}).get("error_log") if job.status == "completed" else None
    return ImportStatus(
        activity_id=job.id,
        status=STATUS_NAMES[job.status],
        target=dict(job.payload["target"]),
        counters=counters,
        error_log_key=log_key,
    )


def error_log_key(s: Session, activity_id: str) -> str:
    job = jobs.get(s, activity_id)
    key = (job.result or {}).get("error_log") if job is not None else None
    if not key:
        raise NotFound("no error log for this activity id")
    return str(key)
