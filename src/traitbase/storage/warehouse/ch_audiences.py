"""Audience loads on ClickHouse: the plain-lines files streamed in blocks, columnar inserts.

No transaction spans the load, so versions keep readers consistent instead: the load writes
``t.version`` beside the live version, and readers only ever read the version the control plane
names as current (``audiences.count_members`` etc. filter on it), which changes only after the
load finished. A retried load first deletes whatever a dead attempt left of its version. Older
versions are deleted only after the control plane switched to the new one (``drop_older_versions``,
run by the load job): a mutation deletes part by part, so deleting the live version before the
switch would let a reader count a half-deleted version. So no reader sees a mix of two versions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from traitbase.storage.warehouse.audiences import _TRIM_CHARS, LOADERS, LoadCounts, Source, Target
from traitbase.storage.warehouse.base import WriteTx

BLOCK_LINES = 200_000  # ids per insert block: large inserts, bounded memory
_COLUMNS = ["project", "environment", "audience_id", "version", "device_type", "member_id"]


def _plain_id(line: str) -> str:
    return line.strip(_TRIM_CHARS)


def _json_id(line: str) -> str:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return ""
    value = doc.get("customer_id") if isinstance(doc, dict) else None
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip(_TRIM_CHARS)


_ID_OF = {"jsonl": _json_id}


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as f:
        for raw in f:
            yield raw.rstrip(b"\n").decode("utf-8", "replace")


def load_members_clickhouse(
    tx: WriteTx, t: Target, *, sources: Sequence[Source], file_format: str, max_id_length: int
) -> LoadCounts:
    key: list[Any] = [t.project, t.environment, t.audience_id]
    tx.execute(
        "DELETE FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? AND version = ?",
        [*key, t.version],
    )
    id_of = _ID_OF.get(file_format, _plain_id)
    total = failed = 0
    for src in sources:
        block: list[str] = []
        for line in _lines(src.path):
            if not line.strip(_TRIM_CHARS):
                continue  # blank lines are not counted (as on DuckDB)
            total += 1
            member = id_of(line)
            if not 1 <= len(member) <= max_id_length:
                failed += 1
                continue
            block.append(member)
            if len(block) >= BLOCK_LINES:
                _insert(tx, t, src.device_type, block)
                block = []
        if block:
            _insert(tx, t, src.device_type, block)
    ok = total - failed
    return LoadCounts(total_lines=total, successful_lines=ok, failed_lines=failed, record_count=ok)


def _insert(tx: WriteTx, t: Target, device_type: int | None, ids: list[str]) -> None:
    n = len(ids)
    tx.insert_columns(  # type: ignore[attr-defined]
        "audience_members",
        _COLUMNS,
        [[t.project] * n, [t.environment] * n, [t.audience_id] * n, [t.version] * n, [device_type] * n, ids],
    )


LOADERS["clickhouse"] = load_members_clickhouse
