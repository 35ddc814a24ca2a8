"""Storing validated pushes: events into the warehouse, logins into user attributes too.

Writes go through the writers (never direct): the warehouse's group-commit writer for events
and catalogue rows, the user store's writer for login attributes. A login's attributes are
committed before its events; the attribute merge is idempotent, so a client retrying after a
crash between the two commits ends with the same state, and a 201 is only ever sent once both
are on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from traitbase.domain import access
from traitbase.domain.events.levels import LEVEL_POLICIES
from traitbase.domain.events.parse import Batch
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Conflict, Invalid
from traitbase.storage.repos import profiles as profile_repo
from traitbase.storage.warehouse import events as store
from traitbase.storage.warehouse.base import (
    IdempotencyRecord,
    Outcome,
    StoredAnswer,
    Warehouse,
    WriteOp,
    events_table,
)
from traitbase.storage.warehouse.dedupe import drop_seen_step
from traitbase.storage.writer import GroupCommitWriter

MAX_IDEMPOTENCY_KEY = 255
Answer = Callable[[int], tuple[int, bytes]]  # (status, body) of a success answer for N stored items
_json = msgspec.json.Encoder()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def require_project(principal: Principal) -> str:
    """Events belong to a project: the key must be a project key."""
    return access.require_project_key(principal, "events belong to a project: use a key issued for a project")


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    fingerprint: str


def idempotency_key(header: str | None, body: bytes) -> IdempotencyKey | None:
    if header is None:
        return None
    key = header.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise Invalid(
            "bad request",
            errors={"Idempotency-Key": f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"},
        )
    return IdempotencyKey(key=key, fingerprint=hashlib.sha256(body).hexdigest())


def check_replay(wh: Warehouse, principal: Principal, idem: IdempotencyKey | None) -> StoredAnswer | None:
    """The first answer for this key, if the key was used inside its window (same body only)."""
    if idem is None:
        return None
    prior = wh.remembered(project=require_project(principal), environment=principal.environment, key=idem.key)
    return _same_body(prior, idem)


def _same_body(prior: StoredAnswer | None, idem: IdempotencyKey) -> StoredAnswer | None:
    if prior is not None and prior.fingerprint != idem.fingerprint:
        raise Conflict("this Idempotency-Key was already used with a different request body")
    return prior


# --- batches to Arrow --------------------------------------------------------------------------
def _properties_json(props: list[dict[str, Any] | None]) -> list[str | None] | None:
    if all(p is None for p in props):
        return None
    return [None if p is None else _json.encode(p).decode() for p in props]


def event_times(values: list[Any], received_at: datetime) -> pa.Array:
    """Event times from validated wire strings (or datetimes); missing ones are the receive time."""
    if any(isinstance(v, datetime) for v in values):
        parsed = pa.array(values, type=pa.timestamp("us"))
    else:
        parsed = pc.strptime(pa.array(values, type=pa.string()), format="%Y-%m-%d %H:%M:%S", unit="us")
    return parsed.fill_null(pa.scalar(received_at, type=pa.timestamp("us")))


def event_rows(batch: Batch, *, project: str, environment: str, received_at: datetime) -> pa.Table:
    spec = batch.spec
    cols: dict[str, Any] = {
        "project": project,
        "environment": environment,
        "received_at": received_at,
        "kind": spec.kind,
    }
    if spec.event_name is not None:
        cols["name"] = spec.event_name
    for f in spec.fields:
        if f.column is not None:
            cols[f.column] = batch.values[f.name]
    cols["event_time"] = event_times(cols.get("event_time") or [None] * batch.count, received_at)
    cols["properties"] = _properties_json(batch.properties)
    return events_table(cols, rows=batch.count)


def item_rows(batch: Batch, *, project: str, environment: str, received_at: datetime) -> pa.Table:
    n = batch.count
    cols = {f.column: batch.values[f.name] for f in batch.spec.fields if f.column is not None}
    return pa.table(
        {
            "project": [project] * n,
            "environment": [environment] * n,
            "item_id": cols["item_id"],
            "price": pa.array(cols["price"], type=pa.float64()),
            "currency": cols["currency"],
            "name": cols["name"],
            "type": pa.array(cols["type"], type=pa.string()),
            "updated_at": pa.array([received_at] * n, type=pa.timestamp("us")),
        }
    )


def _events_op(batch: Batch, project: str, environment: str, received_at: datetime) -> WriteOp:
    table = event_rows(batch, project=project, environment=environment, received_at=received_at)
    policy = LEVEL_POLICIES.get(batch.spec.levels or "")
    return WriteOp(events=table, step=policy(table) if policy else None)


def _drop_repeats(op: WriteOp, batch: Batch, *, answer: Answer, project: str, environment: str, window: int) -> None:
    """Make ``op`` store each delivery id once.

    Its answer, and the one an Idempotency-Key keeps, counts the events stored (repeats left out).
    """
    field = batch.spec.dedupe_on
    assert field is not None and op.events is not None and op.step is None

    def settled(stored: int, dropped: int) -> None:
        op.result = answer(stored)
        if op.idempotency is not None:
            op.idempotency = replace(op.idempotency, status=op.result[0], body=op.result[1])

    op.step = drop_seen_step(
        op.events,
        project=project,
        environment=environment,
        namespace=f"{batch.spec.kind}-event",
        ids=[None if v is None else str(v) for v in batch.values[field]],
        window_seconds=window,
        settled=settled,
    )


def _items_op(batch: Batch, project: str, environment: str, received_at: datetime) -> WriteOp:
    rows = item_rows(batch, project=project, environment=environment, received_at=received_at)
    return WriteOp(step=store.upsert_items_step(rows))


# Where a push's rows go, by EndpointSpec.target.
TARGETS: dict[str, Callable[[Batch, str, str, datetime], WriteOp]] = {"events": _events_op, "items": _items_op}


def attribute_rows(batch: Batch) -> list[tuple[str, dict[str, str]]]:
    """(user id, attributes) for pushes whose fields are also user attributes (logins).

    The user store keeps attribute values as strings: numbers (level) are stored in decimal.
    """
    fields = [f for f in batch.spec.fields if f.attribute]
    if not fields:
        return []
    users = batch.values["user_id"]
    rows = []
    for i, uid in enumerate(users):
        attrs = {f.name: str(batch.values[f.name][i]) for f in fields if batch.values[f.name][i] is not None}
        if attrs:
            rows.append((uid, attrs))
    return rows


async def push(
    *,
    warehouse: Warehouse,
    writer: GroupCommitWriter,
    principal: Principal,
    batch: Batch,
    answer: Answer,
    idem: IdempotencyKey | None,
    dedupe_window_seconds: int,
) -> Outcome:
    """Store a validated push; resolves once every row is durable (or to the replayed first answer).

    ``answer(n)`` is the success answer for ``n`` stored items; a ``Written`` outcome's value is the
    answer to send (a spec with ``dedupe_on`` counts only the items that were not repeats).
    """
    project = require_project(principal)
    environment = principal.environment
    received_at = utcnow()
    attrs = attribute_rows(batch)
    if attrs:
        scope = profile_repo.app_scope(project)
        stamp = received_at.replace(tzinfo=UTC).timestamp()

        def merge(conn: Connection) -> int:
            return profile_repo.merge_attributes(
                conn,
                org_id=principal.org_id,
                scope=scope,
                environment=environment,
                rows=attrs,
                now=stamp,
            )

        await writer.submit_async(merge)
    op = TARGETS[batch.spec.target](batch, project, environment, received_at)
    first = answer(batch.count)
    op.result = first
    if idem is not None:
        op.idempotency = IdempotencyRecord(
            project=project,
            environment=environment,
            key=idem.key,
            fingerprint=idem.fingerprint,
            status=first[0],
            body=first[1],
        )
    if batch.spec.dedupe_on is not None:
        _drop_repeats(op, batch, answer=answer, project=project, environment=environment, window=dedupe_window_seconds)
    outcome = await warehouse.submit_async(op)
    return outcome


def replay_matches(outcome: Outcome, idem: IdempotencyKey | None) -> Outcome:
    """A replay decided by the writer must still be for the same body."""
    answer = getattr(outcome, "answer", None)
    if idem is not None and answer is not None:
        _same_body(answer, idem)
    return outcome
