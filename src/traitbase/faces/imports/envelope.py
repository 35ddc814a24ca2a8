"""Imports envelope: errors are ``{"code": <http status>, "message": ..., "errors"?: {field: reason}}``.

The vendor documents only status codes for its errors, so the body is ours; clients act on the
status (401 credentials, 403 no access to the org/app, 429 throttled with ``Retry-After``).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError
from traitbase.faces.common.envelopes import retry_headers

PREFIXES = ("/v1/imports/",)


def render_error(err: DomainError) -> Response:
    body: dict[str, object] = {"code": err.status, "message": err.message}
    if err.details.get("errors"):
        body["errors"] = err.details["errors"]
    return JSONResponse(body, status_code=err.status, headers=retry_headers(err))
