"""An MCP server whose tools forward to the query API over HTTP with the caller's key.

Forwarding (rather than calling the domain directly) means a tool answer is, byte for byte, what
the HTTP API answers: the same key check, profile check, budget, validation and envelope. Who the
caller is (the key to forward with, the profile) is fixed for stdio and read off each request for
streamable HTTP (``faces/mcp/http.py``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server

from traitbase.faces.mcp.tools import BY_NAME, TOOLS

# (method, path under /open-api/v1, body or query) -> the API's JSON answer
Forward = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Caller:
    forward: Forward
    profile_id: str


Context = ServerRequestContext[Any, Any]
CallerOf = Callable[[Context], Caller]


def build_caller_server(caller_of: CallerOf) -> Server[Any]:
    async def list_tools(_ctx: Any, _params: Any) -> types.ListToolsResult:
        tools = [types.Tool(name=t.name, description=t.description, input_schema=t.input_schema) for t in TOOLS]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        spec = BY_NAME.get(params.name)
        if spec is None:
            raise ValueError(f"unknown tool {params.name!r}")
        caller = caller_of(ctx)
        args = dict(params.arguments or {})
        profile = {} if spec.method == "GET" else {"profileId": caller.profile_id}
        body = {**profile, **args, **spec.fixed}
        answer = await caller.forward(spec.method, spec.path, body)
        text = json.dumps(answer, ensure_ascii=False)
        return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=answer,
                                    is_error=answer.get("code") != 200)  # fmt: skip

    return Server("traitbase", on_list_tools=list_tools, on_call_tool=call_tool)


def build_server(forward: Forward, profile_id: str) -> Server[Any]:
    """One caller for the server's whole life (stdio: ``--key`` and ``--project``)."""
    caller = Caller(forward, profile_id)
    return build_caller_server(lambda _ctx: caller)


def http_forward(base_url: str, api_key: str) -> Forward:
    """Forward to a running Traitbase server (``traitbase mcp --url ... --key ...``)."""
    import httpx

    async def forward(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=60) as client:
            headers = {"x-api-key": api_key}
            if method == "GET":
                r = await client.get(f"/open-api/v1{path}", params=body, headers=headers)
            else:
                r = await client.post(f"/open-api/v1{path}", json=body, headers=headers)
            data: dict[str, Any] = r.json()
            return data

    return forward


async def serve_stdio(base_url: str, api_key: str, profile_id: str) -> None:
    from mcp.server.stdio import stdio_server

    server = build_server(http_forward(base_url, api_key), profile_id)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
