"""Open CORS for the tracker's routes only (``/collect``, ``/collect/...``, ``/tb.js``).

The tracker runs on the customer's site, another origin than this server. Those routes carry
no credentials (the site key is public and write-only), so any origin may call them; every
other route keeps the browser's same-origin default (no CORS headers at all).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = ("/collect", "/tb.js")
_ALLOW = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-max-age", b"86400"),
]


def is_open(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in OPEN_PATHS)


class OpenCorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            asked = headers.get(b"access-control-request-headers", b"content-type")
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [*_ALLOW, (b"access-control-allow-headers", asked[:200])],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                # This middleware is the one place that decides the header: a route's own copy is replaced.
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"access-control-allow-origin"]
                message["headers"] = [*kept, (b"access-control-allow-origin", b"*")]
            await send(message)

        await self.app(scope, receive, with_cors)
