"""Admin routes: each parses, calls ``domain.admin`` in one unit of work, and shapes the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from traitbase.domain.access import require_scope
from traitbase.domain.control import service as admin
from traitbase.domain.keys.principal import Principal
from traitbase.faces.admin import envelope
from traitbase.faces.admin.schemas import (
    KeyIn,
    MemberIn,
    OrgIdPath,
    OrgIdQuery,
    OrgIn,
    ProjectIn,
    key_out,
    member_out,
    org_out,
    project_out,
)
from traitbase.faces.common.auth import bearer_principal, ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin"])


async def admin_principal(request: Request, principal: Principal = Depends(bearer_principal)) -> Principal:
    require_scope(principal, "admin")
    ctx = ctx_of(request)
    ctx.limiter.check(f"admin:{principal.key_id}", ctx.settings.admin_rate_limit)
    return principal


Admin = Annotated[Principal, Depends(admin_principal)]


@router.get("/whoami")
def whoami(p: Admin) -> Response:
    return envelope.ok(
        {
            "key_id": p.key_id,
            "org_id": p.org_id,
            "project_id": p.project_id,
            "environment": p.environment,
            "scopes": sorted(p.scopes),
            "plan": p.plan,
            "instance_admin": p.instance_admin,
        }
    )


@router.get("/orgs")
def list_orgs(request: Request, p: Admin) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok([org_out(o) for o in admin.list_organizations(s, p)])


@router.post("/orgs", status_code=201)
def create_org(request: Request, body: OrgIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        org = admin.create_organization(s, p, name=body.name, plan=body.plan)
        return envelope.ok(org_out(org), status=201)


@router.get("/orgs/{org_id}/members")
def list_members(request: Request, org_id: OrgIdPath, p: Admin) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok([member_out(m) for m in admin.list_members(s, p, org_id=org_id)])


@router.post("/orgs/{org_id}/members", status_code=201)
def add_member(request: Request, org_id: OrgIdPath, body: MemberIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        m = admin.add_member(s, p, org_id=org_id, email=body.email, name=body.name, role=body.role)
        return envelope.ok(member_out(m), status=201)


@router.get("/projects")
def list_projects(request: Request, p: Admin, org_id: OrgIdQuery = None) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok([project_out(x) for x in admin.list_projects(s, p, org_id=org_id)])


@router.post("/projects", status_code=201)
def create_project(request: Request, body: ProjectIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        org_id = body.org_id if body.org_id is not None else p.org_id
        proj = admin.create_project(s, p, org_id=org_id, name=body.name, timezone=body.timezone)
        return envelope.ok(project_out(proj), status=201)


@router.get("/projects/{project_id}")
def get_project(request: Request, project_id: str, p: Admin) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(project_out(admin.get_project_checked(s, p, project_id)))


@router.get("/keys")
def list_keys(request: Request, p: Admin, org_id: OrgIdQuery = None, project_id: str | None = None) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok([key_out(k) for k in admin.list_keys(s, p, org_id=org_id, project_id=project_id)])


@router.post("/keys", status_code=201)
def create_key(request: Request, body: KeyIn, p: Admin) -> Response:
    ctx = ctx_of(request)
    box = ctx.key_box if body.token_auth else None
    with ctx.db.uow() as s:
        issued = admin.issue_key(
            s,
            p,
            org_id=body.org_id,
            project_id=body.project_id,
            environment=body.environment,
            name=body.name,
            scopes=list(body.scopes),
            token_auth_box=box,
        )
        data = key_out(issued.key) | {"token": issued.token, "secret": issued.secret}
        return envelope.ok(data, status=201)


@router.post("/keys/{key_id}/revoke")
def revoke_key(request: Request, key_id: str, p: Admin) -> Response:
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        key = admin.revoke_key(s, p, key_id)
        data = key_out(key)
    ctx.verifier.forget(key_id)
    return envelope.ok(data)


# ``:path``: a user id is an opaque string and may contain "/" (clients send it as %2F).
@router.get("/projects/{project_id}/users/{user_id:path}")
def get_user(request: Request, project_id: str, user_id: str, p: Admin, environment: str = "production") -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(admin.get_user(s, p, project_id=project_id, environment=environment, user_id=user_id))


@router.get("/projects/{project_id}/users")
def list_users(
    request: Request,
    project_id: str,
    p: Admin,
    environment: str = "production",
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, description="Page size; capped at the admin_page_size_max setting.")] = 100,
) -> Response:
    ctx = ctx_of(request)
    limit = min(limit, ctx.settings.admin_page_size_max)
    with ctx.db.read() as s:
        users, nxt = admin.list_users(s, p, project_id=project_id, environment=environment, after=after, limit=limit)
        return envelope.ok(users, next=nxt)
