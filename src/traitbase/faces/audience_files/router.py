"""Audience files routes (seed 004) under ``/api/open/v1/``: token-authenticated API calls, plus the
signed upload routes this server answers itself when files are kept on local disk."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.context import AppContext
from traitbase.domain.access import require_scope
from traitbase.domain.audiences import service as audiences
from traitbase.domain.audiences import uploads
from traitbase.domain.ids import check_id, parse_id_list
from traitbase.domain.keys.principal import Principal
from traitbase.errors import DomainError, NotFound
from traitbase.faces.audience_files import envelope
from traitbase.faces.audience_files.schemas import AudienceDeleteIn, AudienceIn, AudienceUpdateIn, audience_item
from traitbase.faces.common.auth import ctx_of, token_header_principal
from traitbase.faces.common.formstream import file_after_fields
from traitbase.faces.common.staging import staged_file

router = APIRouter(prefix="/api/open/v1", tags=["audience files"])


async def files_principal(request: Request, principal: Principal = Depends(token_header_principal)) -> Principal:
    require_scope(principal, "upload")
    ctx = ctx_of(request)
    ctx.limiter.check(f"audfiles:{principal.key_id}", ctx.settings.audience_files_rate_limit)
    return principal


Files = Annotated[Principal, Depends(files_principal)]


def _presigner(ctx: AppContext) -> uploads.Presigner:
    if ctx.blobs.backend == "local":
        return uploads.LocalPresigner(ctx.signer, ctx.settings.base_url)
    return uploads.S3Presigner(ctx.blobs)


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/audience/presigned-upload-data")
def presigned_upload_data(
    request: Request, p: Files, area_type: int, file_name: str = Query(max_length=255), file_md5: str = Query()
) -> Response:
    ctx = ctx_of(request)
    limits = ctx.limits.audience_uploads
    with ctx.db.uow() as s:
        data = uploads.presign(
            s,
            p,
            presigner=_presigner(ctx),
            limits=limits,
            area_type=area_type,
            file_name=file_name,
            file_md5=file_md5,
            now=_now(),
        )
    return envelope.ok(data)


@router.post("/audience")
def create_audience(request: Request, body: AudienceIn, p: Files) -> Response:
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        load = audiences.create_file_audience(
            s,
            p,
            name=body.ta_name,
            area_type=body.area_type,
            platform=body.platform,
            paths=[(d.device_type, d.data_path) for d in body.data_path],
            blobs=ctx.blobs,
            limits=ctx.limits.audience_files,
            now=_now(),
        )
        ta_id = load.audience_id
    ctx.wake_workers()  # the load job was enqueued with it: start it now
    return envelope.ok({"ta_id": ta_id})


@router.put("/audience")
def update_audience(request: Request, body: AudienceUpdateIn, p: Files) -> Response:
    check_id(body.ta_id, "ta_id")
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        audiences.update_file_audience(
            s,
            p,
            ta_id=body.ta_id,
            paths=[(d.device_type, d.data_path) for d in body.data_path],
            blobs=ctx.blobs,
            limits=ctx.limits.audience_files,
            now=_now(),
        )
    ctx.wake_workers()  # the load job was enqueued with it: start it now
    return envelope.ok({"ta_id": body.ta_id})


@router.get("/audience")
def list_audiences(
    request: Request,
    p: Files,
    ta_ids: str = "",
    ta_name: str | None = None,
    platform: int | None = None,
    limit: int = 50,
    page: int = 1,
) -> Response:
    ctx = ctx_of(request)
    ids = parse_id_list(ta_ids, "ta_ids")
    with ctx.db.read() as s:
        rows, total = audiences.list_file_audiences(
            s,
            p,
            ta_ids=ids,
            name=ta_name,
            platform=platform,
            limit=limit,
            page=page,
            max_limit=ctx.settings.audience_list_max_limit,
        )
        items = [audience_item(a) for a in rows]
    return envelope.ok({"page": page, "limit": limit, "current_total": len(items), "total": total, "list": items})


@router.delete("/audience")
def delete_audience(request: Request, p: Files, body: AudienceDeleteIn = Body()) -> Response:
    for ta_id in body.ta_id:
        check_id(ta_id, "ta_id")
    ctx = ctx_of(request)
    with ctx.db.uow() as s:
        gone = [a.id for a in audiences.delete(s, p, body.ta_id)]
    audiences.drop_members(ctx.warehouse, p, gone)
    return envelope.ok({"ta_id": gone})


# --- receiving uploads on this server (local blob store only) ------------------------------


def _local_presigner(ctx: AppContext) -> uploads.LocalPresigner:
    if ctx.blobs.backend != "local":
        raise NotFound("uploads go to the object store, not to this server")
    return uploads.LocalPresigner(ctx.signer, ctx.settings.base_url)


async def _receive(ctx: AppContext, upload_id: str, key: str, chunks: AsyncIterator[bytes], cap: int) -> None:
    """Store an upload under its granted key; a failed or mismatching upload leaves nothing stored."""
    async with staged_file(ctx, key) as stage:
        error: DomainError | None = None
        try:
            await stage.receive(chunks, max_bytes=cap)
        except DomainError as exc:
            error = exc

        def finish() -> str | None:
            with ctx.db.uow() as s:
                return uploads.finish_receive(
                    s, upload_id, size=stage.size, md5=stage.md5, error=error.message if error else None
                )

        refused = await run_in_threadpool(finish)
        if refused is not None:
            raise error or DomainError(refused)
        stage.kept = True


@router.put("/uploads/{upload_id}")
async def receive_put(request: Request, upload_id: str, expires: int, signature: str) -> Response:
    ctx = ctx_of(request)
    _local_presigner(ctx).check_put(upload_id, expires, signature, now=time.time())

    def begin() -> str:
        with ctx.db.uow() as s:
            return uploads.begin_receive(s, upload_id=upload_id, now=_now())[1]

    key = await run_in_threadpool(begin)
    await _receive(ctx, upload_id, key, request.stream(), ctx.settings.audience_file_max_bytes)
    return Response(status_code=200)


@router.post("/uploads/form")
async def receive_form(request: Request) -> Response:
    ctx = ctx_of(request)
    presigner = _local_presigner(ctx)
    grant: dict[str, object] = {}

    async def check(fields: dict[str, str]) -> None:
        key, cap = presigner.check_post(fields, now=time.time())

        def begin() -> str:
            with ctx.db.uow() as s:
                return uploads.begin_receive(s, blob_key=key, now=_now())[0]

        grant["id"] = await run_in_threadpool(begin)
        grant["key"], grant["cap"] = key, min(cap, ctx.settings.audience_file_max_bytes)

    stream = file_after_fields(request, check)
    first = await anext(stream, None)  # runs the policy check before anything is stored

    async def chunks():  # type: ignore[no-untyped-def]
        if first is not None:
            yield first
        async for piece in stream:
            yield piece

    if "id" not in grant:
        raise NotFound("no such upload")
    await _receive(ctx, str(grant["id"]), str(grant["key"]), chunks(), int(grant["cap"]))  # type: ignore[call-overload]
    return Response(status_code=200)
