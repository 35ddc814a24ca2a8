"""Admin routes over audiences (both faces' kinds): list, one with its member count, export, membership."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response, StreamingResponse

from traitbase.domain.audiences import reads as audience_reads
from traitbase.domain.ids import check_id
from traitbase.faces.admin import envelope
from traitbase.faces.admin.router import Admin
from traitbase.faces.common.auth import ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin", "audiences"])


@router.get("/projects/{project_id}/audiences")
def list_audiences(request: Request, project_id: str, p: Admin, environment: str = "production") -> Response:
    with ctx_of(request).db.read() as s:
        rows = audience_reads.list_audiences(s, p, project_id=project_id, environment=environment)
        return envelope.ok([audience_reads.audience_out(a) for a in rows])


@router.get("/projects/{project_id}/audiences/{audience_id}")
def get_audience(
    request: Request, project_id: str, audience_id: int, p: Admin, environment: str = "production"
) -> Response:
    check_id(audience_id, "audience_id")
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        a = audience_reads.get(s, p, project_id=project_id, environment=environment, audience_id=audience_id)
    return envelope.ok(audience_reads.audience_out(a) | {"member_count": audience_reads.count(ctx.warehouse, a)})


@router.get("/projects/{project_id}/audiences/{audience_id}/loads")
def list_loads(
    request: Request, project_id: str, audience_id: int, p: Admin, environment: str = "production", limit: int = 20
) -> Response:
    check_id(audience_id, "audience_id")
    with ctx_of(request).db.read() as s:
        a = audience_reads.get(s, p, project_id=project_id, environment=environment, audience_id=audience_id)
        return envelope.ok([audience_reads.load_out(x) for x in audience_reads.loads(s, a, limit=limit)])


@router.get("/projects/{project_id}/audiences/{audience_id}/members")
def export_members(
    request: Request, project_id: str, audience_id: int, p: Admin, environment: str = "production"
) -> Response:
    check_id(audience_id, "audience_id")
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        a = audience_reads.get(s, p, project_id=project_id, environment=environment, audience_id=audience_id)
    body = iterate_in_threadpool(audience_reads.export_csv(ctx.warehouse, a))
    headers = {"Content-Disposition": f'attachment; filename="audience-{a.id}.csv"'}
    return StreamingResponse(body, media_type="text/csv", headers=headers)


@router.get("/projects/{project_id}/audiences/{audience_id}/members/{member_id:path}")
def is_member(
    request: Request, project_id: str, audience_id: int, member_id: str, p: Admin, environment: str = "production"
) -> Response:
    check_id(audience_id, "audience_id")
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        a = audience_reads.get(s, p, project_id=project_id, environment=environment, audience_id=audience_id)
    return envelope.ok(
        {"audience_id": a.id, "member_id": member_id, "member": audience_reads.contains(ctx.warehouse, a, member_id)}
    )
