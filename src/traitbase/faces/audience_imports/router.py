"""Audience imports routes (seed 002) under ``/v1/imports/audiences/list/``; HTTP Basic auth.

Create and replace stream the multipart ``file`` straight to the blob store (the form fields come
first and are checked before a byte is stored); a background load then reads it in bulk.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.domain import blobkeys
from traitbase.domain.access import require_scope
from traitbase.domain.audiences import service as audiences
from traitbase.domain.ids import check_id
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Invalid
from traitbase.faces.audience_imports import envelope
from traitbase.faces.audience_imports.schemas import list_out, status_out
from traitbase.faces.common.auth import basic_principal, ctx_of
from traitbase.faces.common.formstream import file_after_fields
from traitbase.faces.common.staging import staged_file

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


async def _check_fields(
    request: Request, p: Principal, *, creating: bool, seen: dict[str, str]
) -> Callable[[dict[str, str]], Awaitable[None]]:
    ctx = ctx_of(request)

    async def check(fields: dict[str, str]) -> None:
        seen.update(fields)
        if creating and not fields.get("audience_name", "").strip():
            raise Invalid("audience_name is required", errors={"audience_name": "missing"})

        def ask() -> None:
            with ctx.db.read() as s:
                audiences.check_list_request(
                    s,
                    p,
                    app_id=fields.get("app_id", ""),
                    identifier_type=fields.get("identifier_type", ""),
                    limits=ctx.limits.audience_lists if creating else None,
                )

        await run_in_threadpool(ask)

    return check


async def _load_file(
    request: Request, p: Principal, *, creating: bool, commit: Callable[[dict[str, str], str], str]
) -> str:
    """Check the form fields, stream the file part to a new blob, then commit its load; returns the load id.

    ``commit(fields, blob_key)`` creates or replaces the list in its own unit of work (run off the
    event loop); the form fields come first and are checked before a byte is stored.
    """
    ctx = ctx_of(request)
    seen: dict[str, str] = {}
    check = await _check_fields(request, p, creating=creating, seen=seen)
    key = blobkeys.audience_list_source(p.project_id, uuid.uuid4().hex)
    async with staged_file(ctx, key) as stage:
        await stage.receive(file_after_fields(request, check), max_bytes=ctx.settings.audience_imports_max_body_bytes)

        return await stage.start(lambda: commit(seen, key))


@router.post("/", status_code=202)
async def create_list(request: Request, p: Lists) -> Response:
    ctx = ctx_of(request)

    def commit(fields: dict[str, str], key: str) -> str:
        with ctx.db.uow() as s:
            return audiences.create_list(
                s,
                p,
                app_id=fields["app_id"],
                name=fields["audience_name"],
                blob_key=key,
                limits=ctx.limits.audience_lists,
                now=datetime.now(UTC),
            ).id

    load_id = await _load_file(request, p, creating=True, commit=commit)
    return envelope.ok({"activity_id": load_id}, status=202)


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

    def known() -> None:
        with ctx.db.read() as s:
            audiences.get_audience(s, p, audience_list_id)  # unknown list: 404 before the file is read

    await run_in_threadpool(known)

    def commit(fields: dict[str, str], key: str) -> str:
        with ctx.db.uow() as s:
            return audiences.replace_list(
                s, p, list_id=audience_list_id, app_id=fields["app_id"], blob_key=key, now=datetime.now(UTC)
            ).id

    load_id = await _load_file(request, p, creating=False, commit=commit)
    return envelope.ok({"activity_id": load_id}, status=202)


@router.delete("/{audience_list_id}")
def delete_list(request: Request, audience_list_id: int, p: Lists) -> Response:
    check_id(audience_list_id, "audience_list_id")
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        gone = audiences.delete(s, p, [audience_list_id])
        data = list_out(gone[0])
    audiences.drop_members(ctx.warehouse, p, [audience_list_id])
    return envelope.ok(data)
