"""``create_app(settings)``: opens storage, mounts every face, and renders errors per face."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Route

from traitbase import __version__
from traitbase.config import Settings
from traitbase.context import AppContext
from traitbase.errors import DomainError, Invalid
from traitbase.faces import health
from traitbase.faces.admin import audiences_router as admin_audiences_router
from traitbase.faces.admin import envelope as admin_envelope
from traitbase.faces.admin import events_router as admin_events_router
from traitbase.faces.admin import experiences_router as admin_experiences_router
from traitbase.faces.admin import pages_router as admin_pages_router
from traitbase.faces.admin import router as admin_router
from traitbase.faces.admin import scan_router as admin_scan_router
from traitbase.faces.attributes import envelope as attr_envelope
from traitbase.faces.attributes import hot as attributes_hot
from traitbase.faces.attributes import router as attr_router
from traitbase.faces.audience_files import envelope as audience_files_envelope
from traitbase.faces.audience_files import router as audience_files_router
from traitbase.faces.audience_imports import envelope as audience_imports_envelope
from traitbase.faces.audience_imports import router as audience_imports_router
from traitbase.faces.collect import envelope as collect_envelope
from traitbase.faces.collect import experiences_router as collect_experiences_router
from traitbase.faces.collect import hot as collect_hot
from traitbase.faces.collect import router as collect_router
from traitbase.faces.collect import tracker_route
from traitbase.faces.collect.cors import OpenCorsMiddleware
from traitbase.faces.common.bodycap import BodyCapMiddleware
from traitbase.faces.common.envelopes import EnvelopeRegistry
from traitbase.faces.common.hot import HotRoutes
from traitbase.faces.events import envelope as events_envelope
from traitbase.faces.events import router as events_router
from traitbase.faces.imports import envelope as imports_envelope
from traitbase.faces.imports import router as imports_router
from traitbase.faces.mcp import envelope as mcp_envelope
from traitbase.faces.mcp import http as mcp_http
from traitbase.faces.query import envelope as query_envelope
from traitbase.faces.query import event_routes as _event_routes  # noqa: F401  (registers routes)
from traitbase.faces.query import experience_routes as _experience_routes  # noqa: F401  (registers routes)
from traitbase.faces.query import router as query_router
from traitbase.logs import AccessLogMiddleware, configure_logging
from traitbase.redact import redact_path
from traitbase.storage.db import migrate

log = logging.getLogger(__name__)

_HTTP_MESSAGES = {404: "not found", 405: "method not allowed"}


class _HttpError(DomainError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = "http_error"


def _validation_error(exc: RequestValidationError) -> Invalid:
    errors: dict[str, str] = {}
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            # Its location is a character offset, not a field: name the body instead.
            errors["body"] = "request body is not valid JSON"
            continue
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body",)]
        errors[".".join(loc) or "body"] = str(e.get("msg", "invalid"))
    first = next(iter(errors.items()))
    return Invalid(f"{first[0]}: {first[1]}", errors=errors)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    if settings.auto_migrate:
        migrate(settings)
    ctx = AppContext.open(settings)
    mcp_endpoint = mcp_http.McpEndpoint()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ctx.start_workers()
        async with mcp_endpoint.run():
            yield
        ctx.close()

    docs = settings.api_docs_enabled
    app = FastAPI(
        title="Traitbase",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.ctx = ctx

    envelopes = EnvelopeRegistry()
    for prefix in attr_envelope.PREFIXES:
        envelopes.register(prefix, attr_envelope.render_error)
    for prefix in admin_envelope.PREFIXES:
        envelopes.register(prefix, admin_envelope.render_error)
    for prefix in audience_files_envelope.PREFIXES:
        envelopes.register(prefix, audience_files_envelope.render_error)
    for prefix in audience_imports_envelope.PREFIXES:
        envelopes.register(prefix, audience_imports_envelope.render_error)
    for prefix in events_envelope.PREFIXES:
        envelopes.register(prefix, events_envelope.render_error)
    for prefix in imports_envelope.PREFIXES:
        envelopes.register(prefix, imports_envelope.render_error)
    for prefix in collect_envelope.PREFIXES:
        envelopes.register(prefix, collect_envelope.render_error)
    for prefix in query_envelope.PREFIXES:
        envelopes.register(prefix, query_envelope.render_error)
    for prefix in mcp_envelope.PREFIXES:
        envelopes.register(prefix, mcp_envelope.render_error)
    app.state.envelopes = envelopes

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return envelopes.for_path(request.url.path)(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return envelopes.for_path(request.url.path)(_validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return envelopes.for_path(request.url.path)(_HttpError(exc.status_code, message))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, redact_path(request.url.path))
        return envelopes.for_path(request.url.path)(_HttpError(500, "internal server error"))

    app.include_router(health.router)
    app.include_router(attr_router.router)
    # Before admin_router: ``users/{user_id:path}/events`` must win over ``users/{user_id:path}``.
    app.include_router(admin_events_router.router)
    app.include_router(admin_router.router)
    app.include_router(audience_files_router.router)
    app.include_router(audience_imports_router.router)
    app.include_router(admin_audiences_router.router)
    app.include_router(admin_pages_router.router)
    app.include_router(admin_experiences_router.router)
    app.include_router(events_router.push_router(ctx.limits.events))
    app.include_router(events_router.router)
    app.include_router(imports_router.router)
    app.include_router(tracker_route.router)
    app.include_router(admin_scan_router.router)
    app.include_router(collect_router.router)
    app.include_router(collect_experiences_router.router)
    app.include_router(query_router.router)
    # The query API as MCP tools over streamable HTTP (docs/mcp.md), behind the same key check. POST only:
    # the server never sends unasked messages, so it offers no GET stream (a held-open GET would only tie
    # up a connection) and, stateless, has no session to DELETE; both answer 405 as the MCP spec allows.
    app.router.routes.append(Route(mcp_http.PATH, mcp_endpoint, methods=["POST"], include_in_schema=False))

    # Innermost: attribute uploads and tracker batches skip the router (faces/common/hot.py).
    hot_routes = {attributes_hot.PATH: attributes_hot.ROUTE, collect_hot.PATH: collect_hot.ROUTE}
    app.add_middleware(HotRoutes, routes=hot_routes)
    app.add_middleware(
        BodyCapMiddleware,
        caps={
            "/v1/user/": settings.attributes_max_body_bytes,
            "/admin/": settings.admin_max_body_bytes,
            # Form fields and multipart framing come on top of the file itself.
            "/api/open/v1/uploads/": settings.audience_file_max_bytes + 64 * 1024,
            "/v1/imports/audiences/": settings.audience_imports_max_body_bytes,
            **{prefix: settings.events_max_body_bytes for prefix in events_envelope.PUSH_PREFIXES},
            **{prefix: settings.events_csv_max_bytes for prefix in events_envelope.CSV_PREFIXES},
            "/v1/imports/profiles/": settings.imports_max_body_bytes,
            "/collect": settings.collect_max_body_bytes,
            **{prefix: settings.query_max_body_bytes for prefix in query_envelope.PREFIXES},
            # A tool call is a query API body in a JSON-RPC frame: the query API's cap.
            **{prefix: settings.query_max_body_bytes for prefix in mcp_envelope.PREFIXES},
        },
        default_cap=settings.admin_max_body_bytes,
        envelopes=envelopes,
    )
    if settings.access_log:
        app.add_middleware(AccessLogMiddleware, log_query_values=settings.log_query_values)
    # Outermost, so even a body-cap refusal carries the tracker routes' CORS header.
    app.add_middleware(OpenCorsMiddleware)
    return app


def tune_gc(settings: Settings) -> None:
    """Process-wide interpreter tuning for a serving process (not for tests that build many apps).

    Everything built at start-up lives as long as the process: freezing it keeps it out of every
    later collection, and collecting the young generation less often stops a batch request (which
    allocates thousands of short-lived strings) from paying for several full scans of the heap.
    """
    if settings.switch_interval_ms > 0:
        # The storage writers are threads of this process: with Python's 5 ms a writer that needs the
        # interpreter between two steps of a commit waits behind the event loop for up to that long,
        # each time (a group commit takes dozens of such steps).
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
    if settings.gc_young_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(settings.gc_young_threshold, older, oldest)


def app_from_env() -> FastAPI:
    """ASGI factory for process managers: ``uvicorn --factory traitbase.app:app_from_env``."""
    settings = Settings()
    app = create_app(settings)
    tune_gc(settings)
    return app
