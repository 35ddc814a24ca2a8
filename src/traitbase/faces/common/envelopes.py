"""Which envelope an error is rendered in, chosen by path prefix (longest match wins).

Each face registers a renderer for its prefixes; errors raised anywhere under a prefix —
auth, body caps, validation, unknown paths — come out in that face's own shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response

from traitbase.errors import DomainError

Renderer = Callable[[DomainError], Response]


def retry_headers(err: DomainError) -> dict[str, str]:
    retry = err.details.get("retry_after")
    return {"Retry-After": str(retry)} if retry is not None else {}


def default_renderer(err: DomainError) -> Response:
    body: dict[str, object] = {"code": err.status, "message": err.message}
    if err.details.get("errors"):
        body["errors"] = err.details["errors"]
    return JSONResponse(body, status_code=err.status, headers=retry_headers(err))


@dataclass
class EnvelopeRegistry:
    _by_prefix: dict[str, Renderer]

    def __init__(self) -> None:
        self._by_prefix = {}

    def register(self, prefix: str, renderer: Renderer) -> None:
        self._by_prefix[prefix] = renderer

    def for_path(self, path: str) -> Renderer:
        best = ""
        for prefix in self._by_prefix:
            if path.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self._by_prefix.get(best, default_renderer)
