"""``/mcp``: the query API's MCP tools over the SDK's streamable-HTTP transport, behind the query key check.

The key travels as on the query API (``x-api-key``; ``Authorization: Bearer`` is accepted too, since
some MCP clients can only send that). It is checked here, before the SDK sees the request: missing
or unknown keys, keys without the ``query`` scope, and an organization key without a ``profileId``
are answered with a JSON-RPC error and the query API's number (4010, 4011, 4031, 4013) with its
4xx status, never a 5xx. A tool call then forwards to the HTTP API in process (the same app,
through httpx's ASGI transport) with that same key, exactly as ``traitbase mcp`` does over the
network, so the tenant (project + environment) comes from the key alone and the answer is the API's.

The session manager runs stateless with JSON answers: each POST stands alone, so any number of
API processes can serve ``/mcp`` behind a plain load balancer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from traitbase.domain.analytics.errors import STATUS, QueryError
from traitbase.domain.analytics.tenant import require_query_scope
from traitbase.faces.mcp import envelope
from traitbase.faces.mcp.server import Caller, Forward, build_caller_server
from traitbase.faces.query.admission import verified_key

PATH = "/mcp"
_INTERNAL_BASE = "http://traitbase.internal"


class QueryKeyUser(AuthenticatedUser):
    """The verified caller: the raw key (forwarded with every tool call) and the project it queries."""

    def __init__(self, token: str, key_id: str, scopes: list[str], profile_id: str) -> None:
        super().__init__(AccessToken(token=token, client_id=key_id, scopes=scopes))
        self.profile_id = profile_id


def _token_of(request: Request) -> str:
    token = request.headers.get("x-api-key", "").strip()
    if token:
        return token
    scheme, _, rest = request.headers.get("authorization", "").partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else ""


async def _caller(request: Request) -> QueryKeyUser:
    """Verify the key and pick the profile: the key's own project, or ``?profileId=`` for an organization key."""
    token = _token_of(request)
    principal = await verified_key(request, token)
    require_query_scope(principal)
    profile = principal.project_id or request.query_params.get("profileId", "").strip()
    if not profile:
        raise QueryError(4013, "profileId (an organization key names its project: /mcp?profileId=...)")
    return QueryKeyUser(token, principal.key_id, sorted(principal.scopes), profile)


def _forward(app: ASGIApp, token: str) -> Forward:
    async def forward(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=_INTERNAL_BASE, timeout=60) as client:
            headers = {"x-api-key": token}
            url = f"/open-api/v1{path}"
            if method == "GET":
                r = await client.get(url, params=body, headers=headers)
            else:
                r = await client.post(url, json=body, headers=headers)
            data: dict[str, Any] = r.json()
            return data

    return forward


def _caller_of(ctx: ServerRequestContext[Any, Any]) -> Caller:
    request = ctx.request
    if not isinstance(request, Request) or not isinstance(request.scope.get("user"), QueryKeyUser):
        raise PermissionError("no verified query key on this request")  # cannot happen behind McpEndpoint
    user: QueryKeyUser = request.scope["user"]
    return Caller(_forward(request.scope["app"], user.access_token.token), user.profile_id)


class McpEndpoint:
    """The ASGI app at ``/mcp``: the key check, then the SDK's streamable-HTTP session manager."""

    def __init__(self) -> None:
        self.manager = self._new_manager()
        self._running = False

    @staticmethod
    def _new_manager() -> StreamableHTTPSessionManager:
        return StreamableHTTPSessionManager(build_caller_server(_caller_of), stateless=True, json_response=True)

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        # The SDK's manager runs once per instance; an app started again (a test client per test
        # over one app, a server restarted in-process) gets a fresh one for each lifespan.
        self.manager = self._new_manager()
        async with self.manager.run():
            self._running = True
            try:
                yield
            finally:
                self._running = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            scope["user"] = await _caller(request)
        except QueryError as exc:
            await envelope.jsonrpc_error(exc.message, STATUS[exc.number], exc.number)(scope, receive, send)
            return
        if not self._running:  # the app was not started with its lifespan (e.g. mounted without it)
            await envelope.jsonrpc_error("MCP endpoint not started", 503, 5030)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)
