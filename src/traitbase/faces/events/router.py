"""Push routes, one per endpoint spec, plus the PlayFab webhook: parse, delegate, shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.domain import event_store
from traitbase.domain.event_specs import SPECS, EndpointSpec
from traitbase.domain.events import Batch, EventLimits, normalize_push
from traitbase.domain.keys import Principal
from traitbase.domain.playfab import normalize_playfab
from traitbase.faces.common.auth import bearer_principal, ctx_of, query_param_principal, require_scope
from traitbase.faces.common.body import read_capped_body
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
    limits: EventLimits = ctx_of(request).extras["event_limits"]
    return limits


async def ingest(request: Request, principal: Principal, parse: Callable[[bytes], Batch]) -> Response:
    ctx = ctx_of(request)
    body = await read_capped_body(request, ctx.settings.events_max_body_bytes)
    idem = event_store.idempotency_key(request.headers.get("idempotency-key"), body)
    if idem is not None:
        prior = await run_in_threadpool(event_store.check_replay, ctx.warehouse, principal, idem)
        if prior is not None:
            return envelope.replay(prior)
    batch = parse(body)
    first = envelope.created_body(batch.count, batch.spec.noun)
    outcome = await event_store.push(
        warehouse=ctx.warehouse, writer=ctx.writer, principal=principal, batch=batch, answer=first, idem=idem
    )
    return envelope.answer(event_store.replay_matches(outcome, idem), first)


def _push_route(spec: EndpointSpec) -> Callable[..., Awaitable[Response]]:
    async def push(request: Request, principal: Principal = Depends(upload_principal)) -> Response:
        limits = limits_of(request)
        return await ingest(request, principal, lambda body: normalize_push(spec, body, limits))

    push.__name__ = f"push_{spec.array_key}"
    return push


_DEFAULT_LIMITS = EventLimits(max_items=1000, max_string_length=1024)

for _spec in SPECS:
    router.add_api_route(
        _spec.path,
        _push_route(_spec),
        methods=["POST"],
        status_code=201,
        summary=f"Push {_spec.noun}",
        responses=schemas.responses(),
        openapi_extra=schemas.request_body(_spec, _DEFAULT_LIMITS),
    )


@router.post("/v1/playfab", status_code=201, summary="PlayFab webhook", responses=schemas.responses())
async def playfab(request: Request, principal: Principal = Depends(playfab_principal)) -> Response:
    limits = limits_of(request)
    return await ingest(request, principal, lambda body: normalize_playfab(body, limits))
