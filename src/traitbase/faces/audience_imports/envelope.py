"""Audience imports envelope: bare JSON objects on success (as the vendor), ``{"code", "message"}`` on failure."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError
from traitbase.faces.common.envelopes import retry_headers

PREFIXES = ("/v1/imports/audiences/",)


def ok(data: Any, *, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)


def render_error(err: DomainError) -> Response:
    body: dict[str, Any] = {"code": err.status, "message": err.message}
    if err.details.get("errors"):
        body["errors"] = err.details["errors"]
    return JSONResponse(body, status_code=err.status, headers=retry_headers(err))
