"""Audience-files envelope: ``{"code", "msg", "message", "data"}`` on every answer, errors included.

The vendor's clients read ``msg``; its documentation shows ``message``; both are always sent.
The HTTP status equals ``code`` so that plain HTTP clients see failures too.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError
from traitbase.faces.common.envelopes import retry_headers

PREFIXES = ("/api/open/v1/",)


def ok(data: Any) -> Response:
    return JSONResponse({"code": 200, "msg": "success", "message": "success", "data": data})


def render_error(err: DomainError) -> Response:
    body = {"code": err.status, "msg": err.message, "message": err.message, "data": None}
    return JSONResponse(body, status_code=err.status, headers=retry_headers(err))
