"""Admin routes over the event store: a user's recent events, counts by name, items, sandbox wipe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from traitbase.domain.events import reads as event_reads
from traitbase.faces.admin import envelope
from traitbase.faces.admin.router import Admin, get_user
from traitbase.faces.common.auth import ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin", "events"])


# ``:path``: a user id may contain "/"; this router is mounted before the one that reads a user,
# so ``.../users/<id>/events`` reaches this route.
@router.get("/projects/{project_id}/users/{user_id:path}/events")
def user_events(
    request: Request,
    project_id: str,
    user_id: str,
    p: Admin,
    environment: str = "production",
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, description="Page size; capped at the admin_page_size_max setting.")] = 100,
) -> Response:
    raw_path: bytes = request.scope.get("raw_path") or b""
    if raw_path and not raw_path.endswith(b"/events"):
        # Routing sees the decoded path: ".../users/a%2Fevents" is the user "a/events" itself.
        return get_user(request, project_id, f"{user_id}/events", p, environment)
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        event_reads.reachable(s, p, project_id=project_id, environment=environment)
    rows = event_reads.user_events(
        ctx.warehouse,
        project_id=project_id,
        environment=environment,
        user_id=user_id,
        limit=min(limit, ctx.settings.admin_page_size_max),
        kind=kind,
    )
    return envelope.ok(rows)


@router.get("/projects/{project_id}/events/counts")
def event_counts(
    request: Request,
    project_id: str,
    p: Admin,
    start: str,
    end: str,
    environment: str = "production",
    kind: str | None = None,
) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        event_reads.reachable(s, p, project_id=project_id, environment=environment)
    first, last = event_reads.parse_day(start, "start"), event_reads.parse_day(end, "end")
    counts = event_reads.event_counts(
        ctx.warehouse, project_id=project_id, environment=environment, start=first, end=last, kind=kind
    )
    return envelope.ok(counts)


@router.get("/projects/{project_id}/items")
def list_items(
    request: Request,
    project_id: str,
    p: Admin,
    environment: str = "production",
    limit: Annotated[int, Query(ge=1, description="Page size; capped at the admin_page_size_max setting.")] = 100,
) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        event_reads.reachable(s, p, project_id=project_id, environment=environment)
    return envelope.ok(
        event_reads.items(
            ctx.warehouse,
            project_id=project_id,
            environment=environment,
            limit=min(limit, ctx.settings.admin_page_size_max),
        )
    )


@router.post("/projects/{project_id}/sandbox/wipe")
def wipe_sandbox(request: Request, project_id: str, p: Admin) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        proj = event_reads.reachable(s, p, project_id=project_id, environment=event_reads.SANDBOX)
    deleted = event_reads.wipe_sandbox(ctx.warehouse, ctx.writer, org_id=proj.org_id, project_id=proj.id)
    return envelope.ok({"project_id": proj.id, "environment": "sandbox", "deleted": deleted})


@router.get("/projects/{project_id}/ingestions/{ingestion_id}")
def ingestion_status(request: Request, project_id: str, ingestion_id: str, p: Admin) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(event_reads.ingestion_status(s, p, project_id=project_id, ingestion_id=ingestion_id))
