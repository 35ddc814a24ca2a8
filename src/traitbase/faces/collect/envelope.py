"""Collection envelope: success is an empty 204; every error is ``{"error": "<reason>"}``.

Answers never describe the project: the body of an error names only what is wrong with the request.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

from traitbase.errors import DomainError
from traitbase.faces.common.envelopes import retry_headers

PREFIXES = ("/collect", "/tb.js")
_json = msgspec.json.Encoder()


def no_content() -> Response:
    return Response(status_code=204)


def config(body: dict[str, Any], *, max_age: int) -> Response:
    return Response(
        _json.encode(body),
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )


def render_error(err: DomainError) -> Response:
    return Response(
        _json.encode({"error": err.message}),
        status_code=err.status,
        media_type="application/json",
        headers=retry_headers(err),
    )
