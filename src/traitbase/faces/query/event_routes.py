"""``POST event/query`` on the query frame, and ``GET event/fields?lang=`` (key, scope and budget; no profile).

Registered on the frame's router at import (app.py imports this module before including it).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.responses import Response

from traitbase.domain.analytics import event_query, parse
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.limits import Budget, LimitExceeded
from traitbase.domain.analytics.tenant import require_query_scope
from traitbase.errors import DomainError, Unauthenticated
from traitbase.faces.common.auth import ctx_of, verify_token
from traitbase.faces.query import envelope
from traitbase.faces.query.catalog import FILES
from traitbase.faces.query.router import OPERATIONS, Call, _route, limiter_of, router

_DIR = Path(__file__).with_name("event_messages")


@cache
def _labels(lang: str) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((_DIR / FILES.get(lang, "en.json")).read_text(encoding="utf-8"))
    return data


def _query(c: Call) -> Any:
    return event_query.query(c.reader, c.tenant, c.body, today=c.today, retention=c.retention_days)


OPERATIONS["/event/query"] = _query
router.add_api_route("/event/query", _route(_query), methods=["POST"], name="query_event_query")


@router.get("/event/fields")
async def event_fields(request: Request) -> Response:
    lang = parse.lang_of(request.query_params.get("lang"))
    ctx = ctx_of(request)
    limiter = limiter_of(request)
    budget: Budget = limiter.peek("", ctx.settings.default_plan)
    try:
        token = request.headers.get("x-api-key", "").strip()
        if not token:
            raise QueryError(4010)
        try:
            principal = await verify_token(request, token)
        except Unauthenticated:
            raise QueryError(4011) from None
        budget = limiter.peek(principal.key_id, principal.plan)
        require_query_scope(principal)
        try:
            budget = limiter.hit(principal.key_id, principal.plan)
        except LimitExceeded as exc:
            budget = exc.budget
            raise

        def label(section: str, name: str) -> str:
            return _labels(lang).get(section, {}).get(name) or _labels("EN").get(section, {}).get(name) or name

        return envelope.ok(event_query.fields(label), lang, budget.headers())
    except DomainError as exc:
        return envelope.error(exc, lang, budget.headers())
