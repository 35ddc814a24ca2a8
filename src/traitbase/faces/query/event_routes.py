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
from traitbase.errors import DomainError
from traitbase.faces.query import envelope
from traitbase.faces.query.admission import admit, open_gate
from traitbase.faces.query.catalog import FILES
from traitbase.faces.query.router import OPERATIONS, Call, _route, router

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
    gate = open_gate(request)
    try:
        await admit(request, gate)

        def label(section: str, name: str) -> str:
            return _labels(lang).get(section, {}).get(name) or _labels("EN").get(section, {}).get(name) or name

        return envelope.ok(event_query.fields(label), lang, gate.budget.headers())
    except DomainError as exc:
        return envelope.error(exc, lang, gate.budget.headers())
