"""Audience imports routes (seed 002) under ``/v1/imports/audiences/list/``; HTTP Basic auth.

Create and replace stream the multipart ``file`` straight to the blob store (the form fields come
first and are checked before a byte is stored); a background load then reads it in bulk.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.context import AppContext
from traitbase.domain.audiences import service as audiences
from traitbase.domain.ids import check_id
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Invalid
from traitbase.faces.audience_imports import envelope
from traitbase.faces.audience_imports.schemas import list_out, status_out
from traitbase.faces.common.audience_hooks import drop_members, schedule_load
from traitbase.faces.common.auth import basic_principal, ctx_of, require_scope
from traitbase.faces.common.formstream import file_after_fields

router = APIRouter(prefix="/v1/imports/audiences/list", tags=["audience imports"])


def _limited(bucket: str) -> object:
    async def dep(request: Request, principal: Principal = Depends(basic_principal)) -> Principal:
        require_scope(principal, "upload")
        ctx = ctx_of(request)
        ctx.limiter.check(f"{bucket}:{principal.key_id}", ctx.settings.audience_imports_rate_limit)
        return principal

    return dep


Lists = Annotated[Principal, Depends(_limited("audlist"))]
Status = Annotated[Principal, Depends(_limited("audlist-status"))]


def _limits(ctx: AppContext) -> audiences.AudienceLimits:
    st = ctx.settings
    return audiences.AudienceLimits(
        max_lists=st.audience_imports_max_lists,
        update_lock_seconds=st.audience_update_lock_seconds,
        max_file_bytes=st.audience_imports_max_body_bytes,
    )


async def _store_file(request: Request, p: Principal, *, creating: bool) -> tuple[dict[str, str], str]:
    """Check the form fields, then stream the file part to a new blob; returns (fields, blob key)."""
    ctx = ctx_of(request)
    seen: dict[str, str] = {}

    async def check(fields: dict[str, str]) -> None:
        seen.update(fields)
        if creating and not fields.get("audience_name", "").strip():
            raise Invalid("audience_name is required", errors={"audience_name": "missing"})
        with ctx.db.read() as s:
            audiences.check_list_request(
                s,
                p,
                app_id=fields.get("app_id", ""),
                identifier_type=fields.get("identifier_type", ""),
                limits=_limits(ctx) if creating else None,
            )

    key = f"audience-lists/{p.project_id}/{uuid.uuid4().hex}/source.jsonl"
    await ctx.blobs.put_async(
        key, file_after_fields(request, check), max_bytes=ctx.settings.audience_imports_max_body_bytes
    )
    return seen, key


@router.post("/", status_code=202)
async def create_list(request: Request, p: Lists) -> Response:
    ctx = ctx_of(request)
    fields, key = await _store_file(request, p, creating=True)
    try:
        with ctx.db.uow() as s:
            load = audiences.create_list(
                s,
                p,
                app_id=fields["app_id"],
                name=fields["audience_name"],
                blob_key=key,
                limits=_limits(ctx),
                now=datetime.now(UTC),
            )
    except Exception:
        await run_in_threadpool(ctx.blobs.delete, key)
        raise
    schedule_load(ctx, load.id)
    return envelope.ok({"activity_id": load.id}, status=202)


@router.get("/status/{activity_id}")
def status(request: Request, activity_id: str, p: Status) -> Response:
    with ctx_of(request).db.read() as s:
        load, a = audiences.load_status(s, p, activity_id)
        return envelope.ok(status_out(load, a))


@router.get("/app/{app_id}")
def lists_of_app(request: Request, app_id: str, p: Lists) -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok([list_out(a) for a in audiences.lists_of_app(s, p, app_id)])


@router.put("/{audience_list_id}/name")
def rename(request: Request, audience_list_id: int, p: Lists, name: str = Query(min_length=1)) -> Response:
    check_id(audience_list_id, "audience_list_id")
    with ctx_of(request).db.uow() as s:
        return envelope.ok(list_out(audiences.rename(s, p, audience_list_id, name=name, now=datetime.now(UTC))))


@router.put("/{audience_list_id}", status_code=202)
async def replace_list(request: Request, audience_list_id: int, p: Lists) -> Response:
    check_id(audience_list_id, "audience_list_id")
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        audiences.get_audience(s, p, audience_list_id)  # unknown list: 404 before the file is read
    fields, key = await _store_file(request, p, creating=False)
    try:
        with ctx.db.uow() as s:
            load = audiences.replace_list(
                s, p, list_id=audience_list_id, app_id=fields["app_id"], blob_key=key, now=datetime.now(UTC)
            )
    except Exception:
        await run_in_threadpool(ctx.blobs.delete, key)
        raise
    schedule_load(ctx, load.id)
    return envelope.ok({"activity_id": load.id}, status=202)


@router.delete("/{audience_list_id}")
def delete_list(request: Request, audience_list_id: int, p: Lists) -> Response:
    check_id(audience_list_id, "audience_list_id")
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        gone = audiences.delete(s, p, [audience_list_id])
        data = list_out(gone[0])
    drop_members(ctx, p, [audience_list_id])
    return envelope.ok(data)
