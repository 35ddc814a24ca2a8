"""Dropping events already stored under the same delivery id (PlayFab ``EventId``) within a window.

At-least-once senders (PlayFab webhooks) repeat deliveries. Each delivery id is remembered in
``idempotency_keys`` — the table that already remembers ``Idempotency-Key`` answers, expired by
the same sweep — under a key of its own namespace, in the same transaction as the events, so a
repeat is dropped whether it comes in the same array, in another request of the same group
commit, or later within the window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from traitbase.storage.warehouse.base import IdempotencyRecord, Step, WriteTx
from traitbase.storage.warehouse.duckdb import _idempotency_table, key_hash


def drop_seen_step(
    table: pa.Table,
    *,
    project: str,
    environment: str,
    namespace: str,
    ids: Sequence[str | None],
    window_seconds: int,
    settled: Callable[[int, int], None],
) -> Step:
    """A writer step: ``table`` without rows whose id was seen; ``settled(stored, dropped)`` is told the counts.

    Rows without an id are always kept. The step runs on the writer thread inside the group's
    transaction, so concurrent requests cannot both store the same id.
    """

    def step(tx: WriteTx) -> pa.Table:
        now = datetime.now(UTC).replace(tzinfo=None)
        digests = [None if i is None else key_hash(project, environment, f"{namespace}:{i}") for i in ids]
        wanted = sorted({d for d in digests if d is not None})
        seen: set[str] = set()
        if wanted:
            rows = tx.execute(
                "SELECT DISTINCT key_hash FROM idempotency_keys "
                "WHERE key_hash IN (SELECT unnest(?)) AND created_at >= ?",
                [wanted, now - timedelta(seconds=window_seconds)],
            )
            seen = {str(r[0]) for r in rows}
        keep: list[bool] = []
        fresh: list[tuple[str, IdempotencyRecord]] = []
        for digest, raw in zip(digests, ids, strict=True):
            if digest is None:
                keep.append(True)
                continue
            new = digest not in seen
            keep.append(new)
            if new:
                seen.add(digest)
                record = IdempotencyRecord(
                    project=project,
                    environment=environment,
                    key=f"{namespace}:{raw}",
                    fingerprint="",
                    status=0,
                    body=b"",
                )
                fresh.append((digest, record))
        if fresh:
            tx.insert_arrow("idempotency_keys", _idempotency_table(fresh, now))
        stored = sum(keep)
        settled(stored, len(keep) - stored)
        return table if stored == len(keep) else table.filter(pa.array(keep, type=pa.bool_()))

    return step
