"""``POST /collect`` (tracker batches) and ``GET /collect/config`` (a page's blocks, elements, goals).

Authenticated only by the public site key (query ``site`` or body ``site``); no API key is
read here, and a site key is accepted nowhere else.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.domain.collect import ingest
from traitbase.domain.collect.ingest import Collector
from traitbase.faces.collect import envelope, schemas
from traitbase.faces.common.auth import ctx_of
from traitbase.faces.common.body import read_capped_body

router = APIRouter(tags=["collect"])


def collector_of(request: Request) -> Collector:
    collector: Collector = ctx_of(request).collector
    return collector


def client_ip(request: Request, header: str | None) -> str:
    """The client's address: from ``header`` (a trusted proxy's, when set) or the socket's peer."""
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",", 1)[0].strip()
    return request.client.host if request.client else ""


def query_site(request: Request) -> str:
    """The ``site`` query parameter (the last one, as Starlette's ``query_params`` reads it), without
    building the whole query mapping: a beacon's query string holds just this one parameter."""
    raw: bytes = request.scope.get("query_string", b"")
    site = ""
    if raw:
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if name == "site":
                site = value
    return site


@router.post("/collect", status_code=204, responses=schemas.RESPONSES, openapi_extra=schemas.BATCH_BODY)
async def collect(request: Request) -> Response:
    ctx = ctx_of(request)
    collector = collector_of(request)
    body = await read_capped_body(request, ctx.settings.collect_max_body_bytes)
    headers = request.headers
    req = ingest.Request(
        body=body,
        query_site=query_site(request),
        user_agent=headers.get("user-agent", ""),
        ip=client_ip(request, ctx.settings.collect_client_ip_header),
        headers={k: v for k in collector.geo_headers if (v := headers.get(k))},
    )
    # A known key needs no read: accept on the event loop; otherwise in a thread (one control-plane read).
    if collector.sites.cached_site(req.query_site) is None:
        site, batch = await run_in_threadpool(collector.accept, req)
    else:
        site, batch = collector.accept(req)
    await collector.store(site, batch, req)
    return envelope.no_content()


@router.get("/collect/config", responses=schemas.CONFIG_RESPONSES)
async def collect_config(request: Request, site: str = "", url: str = "", device: str = "PC") -> Response:
    ctx = ctx_of(request)
    body = await run_in_threadpool(collector_of(request).page_config, site, url, device)
    return envelope.config(body, max_age=ctx.settings.collect_config_cache_seconds)
