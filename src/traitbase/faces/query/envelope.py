"""Query API envelope (SPEC 7): ``{code, message, msg, data}``; HTTP status from the appendix."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

from traitbase.domain.analytics.errors import STATUS, QueryError
from traitbase.errors import DomainError
from traitbase.faces.query import catalog

PREFIXES = ("/open-api/",)
_json = msgspec.json.Encoder()

# Errors raised outside the face's own handling (framework 404s, the body cap, the store) -> numbers.
_BY_STATUS = {400: 4013, 401: 4011, 403: 4031, 404: 4040, 413: 4130, 429: 4290, 500: 5000, 503: 5030}


def number_of(err: DomainError) -> int:
    if isinstance(err, QueryError):
        return err.number
    return _BY_STATUS.get(err.status, 5000 if err.status >= 500 else 4013)


def ok(data: Any, lang: str, headers: dict[str, str]) -> Response:
    text = catalog.ok(lang)
    body = {"code": 200, "message": text, "msg": text, "data": data}
    return Response(_json.encode(body), status_code=200, media_type="application/json", headers=headers)


def error(err: DomainError, lang: str, headers: dict[str, str] | None = None) -> Response:
    number = number_of(err)
    detail = err.detail if isinstance(err, QueryError) else err.message
    if number == 5000:
        detail = ""  # never leak internals
    text = catalog.message(lang, number, detail)
    h = dict(headers or {})
    retry = getattr(err, "retry_after", None)
    if retry:
        h["Retry-After"] = str(retry)
    body = {"code": number, "message": text, "msg": text, "data": None}
    return Response(_json.encode(body), status_code=STATUS.get(number, 500), media_type="application/json", headers=h)


def render_error(err: DomainError) -> Response:
    """Fallback for errors outside the face's handler (English: the request's lang is not known here)."""
    return error(err, "EN")
