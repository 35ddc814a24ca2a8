"""Structured logging (structlog over the standard library) and a redacting access log.

Secrets never reach a log line: Authorization, token and key headers are not logged, and
query strings are logged with ``api_key``, ``signature``, ``token`` and similar values masked.
"""

from __future__ import annotations

import logging
import sys
import time
from urllib.parse import parse_qsl, urlencode

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECRET_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "token",
        "signature",
        "sig",
        "secret",
        "key",
        "policy",
        "ossaccesskeyid",
        "x-amz-signature",
    }
)


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


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs])


class AccessLogMiddleware:
    """One line per request: method, path, redacted query, status, duration. Replaces uvicorn's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
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
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            self.log.info(
                "request",
                method=scope["method"],
                path=scope["path"] + (f"?{query}" if query else ""),
                status=status,
                ms=round((time.perf_counter() - start) * 1000, 2),
            )
