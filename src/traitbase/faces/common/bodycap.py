"""ASGI middleware that caps request bodies per path prefix before any route parses them.

The framework's own default is unlimited. A declared Content-Length over the cap is refused
at once; a chunked body is counted as it streams and refused the moment it passes the cap.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from traitbase.errors import TooLarge
from traitbase.faces.common.envelopes import EnvelopeRegistry


class BodyCapMiddleware:
    def __init__(self, app: ASGIApp, *, caps: dict[str, int], default_cap: int, envelopes: EnvelopeRegistry) -> None:
        self.app = app
        self.caps = sorted(caps.items(), key=lambda kv: -len(kv[0]))
        self.default_cap = default_cap
        self.envelopes = envelopes

    def cap_for(self, path: str) -> int:
        for prefix, cap in self.caps:
            if path.startswith(prefix):
                return cap
        return self.default_cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        cap = self.cap_for(path)
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            err = TooLarge(f"request body of {int(declared)} bytes is over the limit of {cap} bytes")
            await self.envelopes.for_path(path)(err)(scope, receive, send)
            return
        seen = 0
        refused: TooLarge | None = None
        answered = False
        started = False

        async def counted() -> Message:
            nonlocal seen, refused
            message: dict[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    refused = TooLarge(f"request body is over the limit of {cap} bytes")
                    raise refused
            return message

        async def guarded_send(message: Message) -> None:
            # Routes whose body the framework parses turn any read error into its own 400;
            # once the cap was passed, whatever the route answers is replaced by our 413.
            nonlocal answered, started
            if refused is None or started:
                started = started or message["type"] == "http.response.start"
                await send(message)
                return
            if not answered:
                answered = True
                await self.envelopes.for_path(path)(refused)(scope, receive, send)

        try:
            await self.app(scope, counted, guarded_send)
        except TooLarge:
            if refused is None or answered or started:
                raise
            answered = True
            await self.envelopes.for_path(path)(refused)(scope, receive, send)
