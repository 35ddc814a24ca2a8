"""``POST /v1/user/profiles`` dispatched as plain ASGI, ahead of the framework's router.

This is the hottest route (thousands of requests a second). Measured in process
(``bench/route_overhead.py``), the exception middleware, the router's path matching and
FastAPI's per-request handler machinery cost a noticeable share of a request that does nothing
else but parse and queue its rows; none of it is needed here. The route stays declared on the
router (``router.py``), so it keeps its OpenAPI entry, and both ways run the very same handler:
answers, errors and envelopes are identical. The body cap and access log middlewares still wrap
this dispatcher, and an unexpected error still reaches the app's 500 handler.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from traitbase.errors import DomainError
from traitbase.faces.attributes import envelope
from traitbase.faces.attributes.router import upload_profiles

PATH = "/v1/user/profiles"


class AttributeUploadDispatch:
    """Pure-ASGI middleware: the upload route straight to its handler, everything else on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and _route_path(scope) == PATH:
            try:
                response = await upload_profiles(Request(scope, receive))
            except DomainError as exc:
                response = envelope.render_error(exc)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
