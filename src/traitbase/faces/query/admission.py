"""Who may call the query API: the key (4010 / 4011), its query scope (4031), its plan's budget (4290 / 4291).

Shared by the frame's routes (``router``, ``event_routes``) and, for the key itself, by ``/mcp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.limits import Budget, LimitExceeded, QueryLimiter
from traitbase.domain.analytics.tenant import require_query_scope
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Unauthenticated
from traitbase.faces.common.auth import ctx_of, verify_token


def limiter_of(request: Request) -> QueryLimiter:
    """The app's query budget counter (tests move its ``clock``)."""
    return ctx_of(request).query_limiter


async def verified_key(request: Request, token: str) -> Principal:
    """The key's principal: 4010 when no key was sent, 4011 when it is not a valid key."""
    if not token:
        raise QueryError(4010)
    try:
        return await verify_token(request, token)
    except Unauthenticated:
        raise QueryError(4011) from None


@dataclass
class Gate:
    """The budget an answer reports: the anonymous one until the key is known, then the key's."""

    budget: Budget


async def admit(request: Request, gate: Gate) -> Principal:
    """The key (4010 / 4011), its query scope (4031) and one hit on its plan's budget (4290 / 4291).

    ``gate.budget`` is kept current at each step, so an error answer carries the headers of the
    budget as it stood when the call was refused.
    """
    limiter = limiter_of(request)
    principal = await verified_key(request, request.headers.get("x-api-key", "").strip())
    gate.budget = limiter.peek(principal.key_id, principal.plan)
    require_query_scope(principal)
    try:
        gate.budget = limiter.hit(principal.key_id, principal.plan)
    except LimitExceeded as exc:
        gate.budget = exc.budget
        raise
    return principal


def open_gate(request: Request) -> Gate:
    return Gate(limiter_of(request).peek("", ctx_of(request).settings.default_plan))
