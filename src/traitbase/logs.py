"""Structured logging (structlog over the standard library) and a redacting access log.

Secrets never reach a log line: no header is logged, and paths and query strings pass through
``traitbase.redact`` (query values masked unless ``log_query_values``; anything shaped like a key
or secret masked always).
"""

from __future__ import annotations

import logging
import sys
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from traitbase.redact import redact_path, redact_query


def configure_logging(level: str, *, json: bool) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


class AccessLogMiddleware:
    """One line per request: method, path, redacted query, status, duration. Replaces uvicorn's."""

    def __init__(self, app: ASGIApp, *, log_query_values: bool = False) -> None:
        self.app = app
        self.log_query_values = log_query_values
        self.log = structlog.get_logger("traitbase.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            query = redact_query(scope.get("query_string", b"").decode("latin-1"), log_values=self.log_query_values)
            self.log.info(
                "request",
                method=scope["method"],
                path=redact_path(scope["path"]) + (f"?{query}" if query else ""),
                status=status,
                ms=round((time.perf_counter() - start) * 1000, 2),
            )
