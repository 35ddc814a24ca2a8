"""Hot routes dispatched as plain ASGI, ahead of the framework's router.

For the most frequent requests (attribute uploads, tracker batches) the exception middleware, the
router's path matching and FastAPI's per-request handler machinery cost a noticeable share of a
request that otherwise only parses and queues rows (``bench/route_overhead.py``). A face names
its hot route (``faces/<face>/hot.py``); one middleware sends a POST to that path straight to the
face's handler. The route stays declared on the face's router, so it keeps its OpenAPI entry, and
both ways run the very same handler: answers, errors and envelopes are identical. The middlewares
added after this one (body cap, CORS, access log) still wrap it, and an unexpected error still
reaches the app's 500 handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from traitbase.errors import DomainError


@dataclass(frozen=True)
class HotRoute:
    handler: Callable[[Request], Awaitable[Response]]
    render_error: Callable[[DomainError], Response]  # the face's own envelope


class HotRoutes:
    """Pure-ASGI middleware: a POST to a hot path straight to its handler, everything else on to the app."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, HotRoute]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(route_path(scope)) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await route.handler(Request(scope, receive))
        except DomainError as exc:
            response = route.render_error(exc)
        await response(scope, receive, send)


def route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
