"""``POST /collect`` dispatched as plain ASGI, ahead of the framework's router.

Tracker batches are the most frequent request this server takes (every page of every site
sends several). The framework's router, dependency machinery and exception middleware cost a
noticeable share of a request that otherwise only parses and queues a few rows, and none of
it is needed here. The route stays declared on the router (``router.py``), so it keeps its
OpenAPI entry, and both ways run the very same handler: answers, errors and envelopes are
identical (the attribute face does the same, ``faces/attributes/hot.py``). The CORS and body cap
middlewares still wrap this dispatcher.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from traitbase.errors import DomainError
from traitbase.faces.collect import envelope
from traitbase.faces.collect.router import collect

PATH = "/collect"


class CollectDispatch:
    """Pure-ASGI middleware: tracker batches straight to their handler, everything else on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and _route_path(scope) == PATH:
            try:
                response = await collect(Request(scope, receive))
            except DomainError as exc:
                response = envelope.render_error(exc)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
