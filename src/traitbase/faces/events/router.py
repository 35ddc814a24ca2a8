"""Push routes, one per endpoint spec, plus the PlayFab webhook: parse, delegate, shape."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.domain import blobkeys
from traitbase.domain.access import require_scope
from traitbase.domain.events import job as event_csv
from traitbase.domain.events import store as event_store
from traitbase.domain.events.parse import Batch, EventLimits, normalize_push
from traitbase.domain.events.playfab import normalize_playfab
from traitbase.domain.events.specs import SPECS, EndpointSpec
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Invalid
from traitbase.faces.common.auth import bearer_principal, ctx_of, query_param_principal
from traitbase.faces.common.body import read_capped_body
from traitbase.faces.common.multipart import MultipartStream
from traitbase.faces.common.staging import staged_file
from traitbase.faces.events import envelope, schemas

router = APIRouter(tags=["events"])


def _guard(principal: Principal, request: Request) -> Principal:
    require_scope(principal, "upload")
    event_store.require_project(principal)
    ctx = ctx_of(request)
    ctx.limiter.check(f"events:{principal.key_id}", ctx.settings.events_rate_limit)
    return principal


async def upload_principal(request: Request, principal: Principal = Depends(bearer_principal)) -> Principal:
    return _guard(principal, request)


async def playfab_principal(request: Request, principal: Principal = Depends(query_param_principal)) -> Principal:
    return _guard(principal, request)


def limits_of(request: Request) -> EventLimits:
    return ctx_of(request).limits.events


async def ingest(request: Request, principal: Principal, parse: Callable[[bytes], Batch]) -> Response:
    ctx = ctx_of(request)
    body = await read_capped_body(request, ctx.settings.events_max_body_bytes)
    idem = event_store.idempotency_key(request.headers.get("idempotency-key"), body)
    if idem is not None:
        prior = await run_in_threadpool(event_store.check_replay, ctx.warehouse, principal, idem)
        if prior is not None:
            return envelope.replay(prior)
    batch = parse(body)
    noun = batch.spec.noun
    outcome = await event_store.push(
        warehouse=ctx.warehouse,
        writer=ctx.writer,
        principal=principal,
        batch=batch,
        answer=lambda n: envelope.created_body(n, noun),
        idem=idem,
        dedupe_window_seconds=ctx.settings.idempotency_ttl_seconds,
    )
    return envelope.answer(event_store.replay_matches(outcome, idem))


def _push_route(spec: EndpointSpec) -> Callable[..., Awaitable[Response]]:
    async def push(request: Request, principal: Principal = Depends(upload_principal)) -> Response:
        limits = limits_of(request)
        return await ingest(request, principal, lambda body: normalize_push(spec, body, limits))

    push.__name__ = f"push_{spec.array_key}"
    return push


def push_router(limits: EventLimits) -> APIRouter:
    """The push routes, one per spec; built per app so the OpenAPI document states the real limits."""
    pushes = APIRouter(tags=["events"])
    for spec in SPECS:
        pushes.add_api_route(
            spec.path,
            _push_route(spec),
            methods=["POST"],
            status_code=201,
            summary=f"Push {spec.noun}",
            responses=schemas.responses(),
            openapi_extra=schemas.request_body(spec, limits),
        )
    return pushes


@router.post("/v1/playfab", status_code=201, summary="PlayFab webhook", responses=schemas.responses())
async def playfab(request: Request, principal: Principal = Depends(playfab_principal)) -> Response:
    limits = limits_of(request)
    return await ingest(request, principal, lambda body: normalize_playfab(body, limits))


async def csv_push(request: Request, principal: Principal, kind: str) -> Response:
    """Store the multipart ``file`` as a blob and queue its ingestion job; answer with an estimate."""
    ctx = ctx_of(request)
    job_id = str(uuid.uuid4())
    form = MultipartStream(request)
    async with staged_file(ctx, blobkeys.event_csv_source(job_id)) as stage:
        while (part := await form.next_part()) is not None:
            if part.name != "file":
                await form.value()
                continue
            if stage.stored:
                raise Invalid("bad request", errors={"file": "send one file per request"})
            await stage.receive(form.chunks(), max_bytes=ctx.settings.events_csv_max_bytes)
        if stage.size is None:
            raise Invalid("bad request", errors={"file": "is required"})
        size = stage.size

        def start() -> int:
            with ctx.db.uow() as s:
                eta = event_csv.estimate_seconds(
                    s, kind=kind, size=size, default_rate=ctx.settings.events_csv_default_bytes_per_second
                )
                event_csv.start(
                    s,
                    principal,
                    kind=kind,
                    blob=stage.key,
                    size=size,
                    job_id=job_id,
                    max_attempts=ctx.settings.job_max_attempts,
                )
                return eta

        eta = await stage.start(start)
    return envelope.started({"estimated_time_to_complete": eta, "ingestion_id": job_id})


_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


@router.post("/v1/kpis/csv", status_code=201, summary="Push KPIs as CSV", openapi_extra=_CSV_BODY)
async def kpis_csv(request: Request, principal: Principal = Depends(upload_principal)) -> Response:
    return await csv_push(request, principal, event_csv.KPI_KIND)


@router.post("/v1/survey-data/csv", status_code=201, summary="Push custom survey data", openapi_extra=_CSV_BODY)
async def survey_csv(request: Request, principal: Principal = Depends(upload_principal)) -> Response:
    return await csv_push(request, principal, event_csv.SURVEY_KIND)
