"""Ptengine-style envelope: ``{"code": <http status>, "message": ...}`` (+ ``data`` on success)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError
from traitbase.faces.common.envelopes import retry_headers

PREFIXES = ("/v1/user/",)


def ok(data: Any) -> Response:
    return JSONResponse({"code": 200, "message": "OK", "data": data})


def render_error(err: DomainError) -> Response:
    return JSONResponse(
        {"code": err.status, "message": err.message}, status_code=err.status, headers=retry_headers(err)
    )
