"""Profile imports (SPEC 3.1): upload a file (202 + activity id), poll its status, fetch its error log."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from traitbase.context import AppContext
from traitbase.domain import blobkeys
from traitbase.domain.access import require_scope
from traitbase.domain.imports import service as imports
from traitbase.domain.imports.service import ImportTarget
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Forbidden, Invalid
from traitbase.faces.common.auth import basic_principal, ctx_of
from traitbase.faces.common.multipart import MultipartStream
from traitbase.faces.common.staging import staged_file
from traitbase.faces.imports.schemas import UPLOAD_BODY, ErrorAnswer, StatusAnswer, UploadAnswer, status_out

router = APIRouter(tags=["imports"])

ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorAnswer} for s in (400, 401, 403, 404, 413, 429)}
FIELDS = ("org_id", "app_id", "format", "empty_cells")
SIGN_PURPOSE = "import-errors"


async def upload_principal(request: Request, principal: Principal = Depends(basic_principal)) -> Principal:
    require_scope(principal, "upload")
    ctx = ctx_of(request)
    ctx.limiter.check(f"imports-upload:{principal.key_id}", ctx.settings.imports_upload_rate_limit)
    return principal


async def status_principal(request: Request, principal: Principal = Depends(basic_principal)) -> Principal:
    require_scope(principal, "upload")
    ctx = ctx_of(request)
    ctx.limiter.check(f"imports-status:{principal.key_id}", ctx.settings.imports_status_rate_limit)
    return principal


async def _target(ctx: AppContext, principal: Principal, fields: dict[str, str]) -> tuple[ImportTarget, str]:
    fmt = imports.check_format(fields.get("format"))

    def resolve() -> ImportTarget:
        with ctx.db.read() as s:
            return imports.resolve_target(s, principal, org_id=fields.get("org_id"), app_id=fields.get("app_id"))

    return await run_in_threadpool(resolve), fmt


def _complete(fields: dict[str, str]) -> bool:
    return "format" in fields and ("org_id" in fields or "app_id" in fields)


@router.post(
    "/v1/imports/profiles/upload",
    status_code=202,
    response_model=UploadAnswer,
    responses=ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_profiles(request: Request, principal: Principal = Depends(upload_principal)) -> Response:
    ctx = ctx_of(request)
    activity_id = str(uuid.uuid4())
    form = MultipartStream(request)
    fields: dict[str, str] = {}
    async with staged_file(ctx, blobkeys.profile_import_source(activity_id)) as stage:
        while (part := await form.next_part()) is not None:
            if part.name == "file":
                if stage.stored:
                    raise Invalid("send one file per import", errors={"file": "more than one file"})
                # Refuse a bad request before receiving a multi-GB file, when the fields came first.
                if _complete(fields) or ("org_id" in fields and "app_id" in fields):
                    await _target(ctx, principal, fields)
                await stage.receive(form.chunks(), max_bytes=ctx.settings.imports_max_body_bytes)
            elif part.name in FIELDS:
                value = (await form.value()).strip()
                if value:
                    fields[part.name] = value
        if not stage.stored:
            raise Invalid("file is required", errors={"file": "missing"})
        target, fmt = await _target(ctx, principal, fields)
        options = imports.import_options(empty_cells=fields.get("empty_cells"))

        def start() -> None:
            with ctx.db.uow() as s:
                imports.start_profile_import(
                    s,
                    activity_id=activity_id,
                    target=target,
                    fmt=fmt,
                    blob_key=stage.key,
                    max_attempts=ctx.settings.job_max_attempts,
                    options=options,
                )

        await stage.start(start)
    return JSONResponse({"activity_id": activity_id}, status_code=202)


@router.get("/v1/imports/profiles/status/{activity_id}", response_model=StatusAnswer, responses=ERRORS)
def import_status(request: Request, activity_id: str, principal: Principal = Depends(status_principal)) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        st = imports.import_status(s, principal, activity_id)
    url = None
    if st.error_log_key:
        expires = int(time.time()) + ctx.settings.imports_error_log_url_seconds
        sig = ctx.signer.sign(SIGN_PURPOSE, st.activity_id, expires)
        base = ctx.settings.public_url.rstrip("/") if ctx.settings.public_url else str(request.base_url).rstrip("/")
        url = f"{base}/v1/imports/profiles/errors/{st.activity_id}/errors.jsonl?expires={expires}&signature={sig}"
    return JSONResponse(status_out(st, url))


@router.get("/v1/imports/profiles/errors/{activity_id}/errors.jsonl", responses=ERRORS)
def error_log(request: Request, activity_id: str, expires: int = 0, signature: str = "") -> Response:
    """The failed lines of an import; the signed URL from the status answer is the only credential."""
    ctx = ctx_of(request)
    if not ctx.signer.verify(SIGN_PURPOSE, activity_id, expires, signature):
        raise Forbidden("this error-log link is invalid or has expired")
    with ctx.db.read() as s:
        key = imports.error_log_key(s, activity_id)
    return StreamingResponse(ctx.blobs.iter_chunks(key), media_type="application/x-ndjson")
