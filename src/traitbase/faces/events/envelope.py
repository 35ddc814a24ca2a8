"""12traits envelope: ``{"code": 201, "message": ..., "data": ...}``; errors carry ``errors`` by field path."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

from traitbase.domain.events.records import Outcome, Replayed, StoredAnswer
from traitbase.errors import DomainError, Invalid
from traitbase.faces.common.envelopes import retry_headers

PUSH_PATHS = (
    "/v1/actions",
    "/v1/logins",
    "/v1/purchases",
    "/v1/virtual-purchases",
    "/v1/level-ups",
    "/v1/items",
    "/v1/social-dynamics",
)
CSV_PREFIXES = ("/v1/kpis/", "/v1/survey-data/")
PUSH_PREFIXES = (*PUSH_PATHS, "/v1/playfab")
PREFIXES = (*PUSH_PREFIXES, *CSV_PREFIXES)

_json = msgspec.json.Encoder()
REPLAYED_HEADER = "Idempotent-Replayed"


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(_json.encode(body), status_code=status, media_type="application/json", headers=headers)


def created_body(count: int, noun: str) -> tuple[int, bytes]:
    message = f"{count} {noun} have been successfully ingested"
    return 201, _json.encode({"code": 201, "message": message, "data": None})


def started(data: dict[str, Any]) -> Response:
    return _json_response({"code": 201, "message": "ingestion has been started", "data": data}, 201)


def replay(prior: StoredAnswer) -> Response:
    return Response(
        prior.body, status_code=prior.status, media_type="application/json", headers={REPLAYED_HEADER: "true"}
    )


def answer(outcome: Outcome) -> Response:
    if isinstance(outcome, Replayed):
        return replay(outcome.answer)
    status, body = outcome.value
    return Response(body, status_code=status, media_type="application/json")


def render_error(err: DomainError) -> Response:
    if isinstance(err, Invalid) and err.errors:
        body: dict[str, Any] = {"code": 400, "message": "bad request", "errors": err.errors}
        return _json_response(body, 400)
    return _json_response({"code": err.status, "message": err.message}, err.status, retry_headers(err))
