"""Errors at ``/mcp`` in MCP's own shape: a JSON-RPC error (no request id) with the HTTP status.

``error.data.code`` carries the query API's number (4010, 4011, ...) so a client can tell a
missing key from a wrong one, as it can on ``/open-api/v1/``.
"""

from __future__ import annotations

from mcp_types import INTERNAL_ERROR, INVALID_REQUEST
from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError

PREFIXES = ("/mcp",)
# Framework errors under /mcp (body cap, unknown method) -> the query API's numbers.
_BY_STATUS = {401: 4011, 403: 4031, 404: 4040, 413: 4130, 429: 4290, 503: 5030}


def jsonrpc_error(message: str, status: int, number: int) -> Response:
    code = INTERNAL_ERROR if status >= 500 else INVALID_REQUEST
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message, "data": {"code": number}}}
    return JSONResponse(body, status_code=status)


def render_error(err: DomainError) -> Response:
    number = _BY_STATUS.get(err.status, 5000 if err.status >= 500 else 4013)
    return jsonrpc_error(err.message if err.status < 500 else "internal server error", err.status, number)
