"""``client.events``: the event ingestion face (pushes) and the admin read-back routes.

A push is split into batches of at most 1,000 items (the server's ``events_max_items``). Each
batch carries its own ``Idempotency-Key``, made once and sent again on every retry of that
batch, so a batch whose answer was lost can be retried like any read: the server stores it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, Literal, TypedDict

from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner, single
from traitbase.client.admin import Environment, _params, _seg
from traitbase.client.errors import APIError

MAX_ITEMS = 1000  # the server's default events_max_items
IDEMPOTENCY_HEADER = "Idempotency-Key"

Kind = Literal["actions", "logins", "purchases", "virtual_purchases", "level_ups", "items", "social_dynamics"]


@dataclass(frozen=True)
class EventEndpoint:
    """Where a kind of push goes and the name of the array its items travel in."""

    path: str
    array_key: str


# One entry per push endpoint of the events face (docs/events.md); ``push(kind, ...)`` looks it up here.
KINDS: dict[str, EventEndpoint] = {
    "actions": EventEndpoint("/v1/actions", "actions"),
    "logins": EventEndpoint("/v1/logins", "users"),
    "purchases": EventEndpoint("/v1/purchases", "purchases"),
    "virtual_purchases": EventEndpoint("/v1/virtual-purchases", "virtual_purchases"),
    "level_ups": EventEndpoint("/v1/level-ups", "level_ups"),
    "items": EventEndpoint("/v1/items", "items"),
    "social_dynamics": EventEndpoint("/v1/social-dynamics", "social_dynamics"),
}


@dataclass(frozen=True)
class PushResult:
    """Totals of a push: items the server acknowledged and the requests (batches) it took."""

    kind: str
    items: int = 0
    batches: int = 0


PushProgressCallback = Callable[[PushResult], None]


class EventCount(TypedDict):
    kind: str
    name: str
    count: int


def endpoint(kind: str) -> EventEndpoint:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown event kind {kind!r}; one of {', '.join(KINDS)}") from None


def wire_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as sent: ``datetime`` values become the face's ``YYYY-MM-DD HH:MM:SS`` in UTC.

    A naive datetime is taken as UTC already.
    """
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC)
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        out[key] = value
    return out


def _chunks(items: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(items)
    while chunk := [wire_item(i) for i in islice(it, size)]:
        yield chunk


def push_op(
    kind: str, items: Iterable[Mapping[str, Any]], *, batch_size: int, progress: PushProgressCallback | None
) -> Op[PushResult]:
    spec = endpoint(kind)
    if not 1 <= batch_size <= MAX_ITEMS:
        raise ValueError(f"batch_size must be between 1 and {MAX_ITEMS}")
    if isinstance(items, Mapping):
        raise TypeError("push takes an iterable of items, not a single item (wrap it in a list)")
    totals = PushResult(kind)
    for batch in _chunks(items, batch_size):
        # Made once per batch: every retry of this Call sends the same key, so the server stores it once.
        call = Call("POST", spec.path, json={spec.array_key: batch}, headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())})
        try:
            yield call
        except APIError as exc:
            first = totals.items + 1
            exc.add_note(
                f"batch {totals.batches + 1} (items {first}-{first + len(batch) - 1}) failed; "
                f"the {totals.items} items before it were stored"
            )
            raise
        totals = replace(totals, items=totals.items + len(batch), batches=totals.batches + 1)
        if progress is not None:
            progress(totals)
    return totals


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def user_events_op(
    project_id: str, user_id: str, environment: str, kind: str | None, limit: int
) -> Op[list[dict[str, Any]]]:
    path = f"/admin/v1/projects/{_seg(project_id)}/users/{_seg(user_id)}/events"
    params = {"environment": environment, "limit": limit} | _params(kind=kind)
    return single(Call("GET", path, params=params))


def counts_op(
    project_id: str, start: date | str, end: date | str, environment: str, kind: str | None
) -> Op[list[EventCount]]:
    params = {"start": _day(start), "end": _day(end), "environment": environment} | _params(kind=kind)
    return single(Call("GET", f"/admin/v1/projects/{_seg(project_id)}/events/counts", params=params))


_PUSH_DOC = """Push events (or catalogue items) of one ``kind``; returns the totals.

``kind`` is one of actions, logins, purchases, virtual_purchases, level_ups, items,
social_dynamics. ``items`` is any iterable of dicts in the face's field names (consumed lazily);
``datetime`` values are sent as ``YYYY-MM-DD HH:MM:SS`` UTC. Items go in batches of
``batch_size`` (at most 1,000), one request each, in order; each batch has its own
``Idempotency-Key``, so retries (429, 5xx, a lost answer) never store a batch twice. A failing
batch raises with a note naming its items; the batches before it stay stored. Needs a project
key with the ``upload`` scope; its environment (production or sandbox) receives the data.
"""

_USER_EVENTS_DOC = "A user's most recent events, newest first (admin key): ``GET .../users/{user_id}/events``."
_COUNTS_DOC = "Events by kind and name on the days ``start``..``end`` (inclusive, UTC), most frequent first."


class Events:
    def __init__(self, run: SyncRunner) -> None:
        self._run = run

    def push(
        self,
        kind: Kind,
        items: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = MAX_ITEMS,
        progress: PushProgressCallback | None = None,
    ) -> PushResult:
        return self._run(push_op(kind, items, batch_size=batch_size, progress=progress))

    def user_events(
        self,
        project_id: str,
        user_id: str,
        *,
        environment: Environment = "production",
        kind: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        return self._run(user_events_op(project_id, user_id, environment, kind, limit))

    def counts(
        self,
        project_id: str,
        start: date | str,
        end: date | str,
        *,
        environment: Environment = "production",
        kind: str | None = None,
    ) -> list[EventCount]:
        return self._run(counts_op(project_id, start, end, environment, kind))

    push.__doc__, user_events.__doc__, counts.__doc__ = _PUSH_DOC, _USER_EVENTS_DOC, _COUNTS_DOC


class AsyncEvents:
    def __init__(self, run: AsyncRunner) -> None:
        self._run = run

    async def push(
        self,
        kind: Kind,
        items: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = MAX_ITEMS,
        progress: PushProgressCallback | None = None,
    ) -> PushResult:
        return await self._run(push_op(kind, items, batch_size=batch_size, progress=progress))

    async def user_events(
        self,
        project_id: str,
        user_id: str,
        *,
        environment: Environment = "production",
        kind: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        return await self._run(user_events_op(project_id, user_id, environment, kind, limit))

    async def counts(
        self,
        project_id: str,
        start: date | str,
        end: date | str,
        *,
        environment: Environment = "production",
        kind: str | None = None,
    ) -> list[EventCount]:
        return await self._run(counts_op(project_id, start, end, environment, kind))

    push.__doc__, user_events.__doc__, counts.__doc__ = _PUSH_DOC, _USER_EVENTS_DOC, _COUNTS_DOC
