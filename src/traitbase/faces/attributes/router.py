"""``POST /v1/user/profiles``: parse under the body cap, check the key, upsert through the writer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from traitbase.domain.access import require_scope
from traitbase.domain.keys.principal import Principal
from traitbase.domain.profiles import parse as profiles
from traitbase.domain.profiles import store as profile_store
from traitbase.faces.attributes import envelope
from traitbase.faces.attributes.schemas import OPENAPI_BODY, ErrorAnswer, UploadAnswer
from traitbase.faces.common.auth import bearer_principal, ctx_of
from traitbase.faces.common.body import read_capped_body

router = APIRouter(tags=["attributes"])

ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": ErrorAnswer} for s in (400, 401, 403, 413, 429)}


async def upload_principal(request: Request) -> Principal:
    principal = require_scope(await bearer_principal(request), "upload")
    ctx = ctx_of(request)
    ctx.limiter.check(f"attr:{principal.key_id}", ctx.settings.attributes_rate_limit)
    return principal


@router.post("/v1/user/profiles", response_model=UploadAnswer, responses=ERRORS, openapi_extra=OPENAPI_BODY)
async def upload_profiles(request: Request) -> Response:
    # Guards are awaited here rather than declared as dependencies: this is the hottest route,
    # and the dependency machinery costs more than the guards themselves.
    principal = await upload_principal(request)
    ctx = ctx_of(request)
    body = await read_capped_body(request, ctx.settings.attributes_max_body_bytes)
    rows = profiles.parse_attribute_upload(body, ctx.limits.attributes)
    result = await profile_store.upload(ctx.writer, principal, rows)
    return envelope.ok({"received": result.received, "created": result.created, "updated": result.updated})
