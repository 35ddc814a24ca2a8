"""``/open-api/v1/`` routes: one frame (key, scope, budget, profile, language) around each operation.

Order of checks, so that every answer is the one a Ptengine client expects: language (query,
then body), key present (4010) and valid (4011), query scope (4031), the plan's budget (4290 /
4291, only counted here, so other faces' traffic never uses it), profileId = the key's project
(4030), then the operation's own validation. Every answer carries the five X-RateLimit-* headers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from traitbase.domain.analytics import parse, service
from traitbase.domain.analytics.errors import QueryError, missing
from traitbase.domain.analytics.limits import QueryLimiter
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.domain.analytics.tenant import tenant_for
from traitbase.errors import DomainError
from traitbase.faces.common.auth import ctx_of
from traitbase.faces.common.body import read_capped_body
from traitbase.faces.query import catalog, envelope
from traitbase.faces.query.admission import admit, limiter_of, open_gate

router = APIRouter(prefix="/open-api/v1", tags=["query"])
log = logging.getLogger(__name__)


def _today(limiter: QueryLimiter) -> date:
    return datetime.fromtimestamp(limiter.clock(), UTC).date()


def _body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise QueryError(4013, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise QueryError(4013, "the body must be a JSON object")
    return body


@dataclass(frozen=True)
class Call:
    """What an operation gets: where to read, whose data, the body, the plan's retention, today."""

    reader: Reader
    tenant: Tenant
    body: dict[str, Any]
    retention_days: int
    today: date
    values_limit: int


Operation = Callable[[Call], Any]


async def _frame(request: Request, operation: Operation) -> Response:
    ctx = ctx_of(request)
    limiter = limiter_of(request)
    lang = parse.lang_of(request.query_params.get("lang"))
    gate = open_gate(request)
    try:
        body = _body(await read_capped_body(request, ctx.settings.query_max_body_bytes))
        if "lang" in body:
            lang = parse.lang_of(body.get("lang"))
        principal = await admit(request, gate)
        profile = body.get("profileId")
        if not isinstance(profile, str) or not profile:
            raise missing("profileId")

        def run() -> Any:
            with ctx.db.read() as s:
                tenant = tenant_for(s, principal, profile)
            reader = Reader(ctx.warehouse, ctx.db.read, ctx.settings.query_read_timeout_seconds,
                            ctx.settings.query_read_max_rows)  # fmt: skip
            retention = ctx.settings.plan_retention_days(principal.plan)
            return operation(Call(reader, tenant, body, retention, _today(limiter), ctx.settings.query_values_limit))

        data = await run_in_threadpool(run)
        return envelope.ok(data, lang, gate.budget.headers())
    except DomainError as exc:
        return envelope.error(exc, lang, gate.budget.headers())
    except Exception:  # a bug: answered 5000 in the caller's language, details only in the log
        log.exception("query API failure on %s", request.url.path)
        return envelope.error(QueryError(5000), lang, gate.budget.headers())


def _heatmap(c: Call) -> Any:
    q = parse.heatmap(c.body, types=service.METRICS_OF, today=c.today, retention_days=c.retention_days)
    lang = q.lang
    return service.heatmap(c.reader, c.tenant, q, lambda section, raw: catalog.label(lang, section, raw))


def _values(fn: Callable[..., list[str]]) -> Operation:
    def op(c: Call) -> Any:
        return fn(c.reader, c.tenant, c.body, today=c.today, retention=c.retention_days, limit=c.values_limit)

    return op


# path -> operation (SPEC 7; the four list paths are the ones the seed lost, named by SPEC 7).
OPERATIONS: dict[str, Operation] = {
    "/heatmap/query": _heatmap,
    "/heatmap/filter-values": _values(service.filter_values),
    "/heatmap/custom-dimensions": _values(service.custom_dimensions),
    "/heatmap/custom-dimension-values": _values(service.custom_dimension_values),
    "/heatmap/event-variables": _values(service.event_variables),
    "/heatmap/event-variable-values": _values(service.event_variable_values),
}


def _route(op: Operation) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        return await _frame(request, op)

    return handler


for _path, _op in OPERATIONS.items():
    router.add_api_route(_path, _route(_op), methods=["POST"], name=f"query{_path.replace('/', '_')}")
