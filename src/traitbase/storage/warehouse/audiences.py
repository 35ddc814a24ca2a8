"""Audience members in the warehouse: bulk loads with ``read_csv``, counts, export pages, lookups.

Writes are steps for the warehouse's single writer (``WriteOp(step=...)``): the writer owns the
transaction. A load writes the next version beside the live one, so a failed load leaves the live
members intact; the older versions are dropped once the control plane names the new one live
(``drop_older_versions``), on every engine alike. Reads go through the warehouse's bounded ``read``.

The member table has no index or key on purpose: an ART index makes a bulk append of millions of
ids several times slower. Loads append contiguous row groups, so the per-row-group min/max of
(project, audience_id, version) let counts and membership checks skip other audiences' rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from traitbase.storage.warehouse.base import Warehouse, WriteTx

# Header words a file may start with (SPEC 5: "optional header row"); a first line that is one of
# them is dropped before loading (``domain.audience_feed``).
HEADER_WORDS = (
    "id", "ids", "device_id", "deviceid", "customer_id", "user_id", "imei", "idfa", "gaid", "oaid", "idfv",
    "imei_md5", "idfa_md5", "gaid_md5", "oaid_md5", "idfv_md5",
)  # fmt: skip
_TRIM_CHARS = ' "\r\t'  # around an id: spaces, double quotes, CR, tabs
_TRIM = f"'{_TRIM_CHARS}'"

# trim() with a character set costs more than parsing the line; almost no id needs it, so it runs
# only on lines that start or end with one of those characters (cheap byte tests).
_FAST_TRIM = (
    "CASE WHEN ascii(line) IN (9, 13, 32, 34) OR ends_with(line, ' ') OR ends_with(line, chr(34)) "
    "OR ends_with(line, chr(13)) OR ends_with(line, chr(9)) "
    f"THEN trim(line, {_TRIM}) ELSE line END"
)


def is_header(line: str) -> bool:
    return line.strip(_TRIM_CHARS).lower() in HEADER_WORDS


@dataclass(frozen=True)
class Source:
    path: Path  # plain lines (already inflated and checked, header dropped: domain.audience_feed)
    device_type: int | None


@dataclass(frozen=True)
class Target:
    project: str
    environment: str
    audience_id: int
    version: int


@dataclass(frozen=True)
class LoadCounts:
    total_lines: int
    successful_lines: int
    failed_lines: int
    record_count: int


def _read_lines(path: Path) -> str:
    # One VARCHAR per line: no delimiter, no quoting, so any byte sequence is one id candidate.
    # Explicit column and no sniffing: nothing is guessed, and the file is read once (in parallel).
    p = str(path).replace("'", "''")
    return (
        f"read_csv('{p}', columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01', quote='', "
        "escape='', auto_detect=false, compression='none', strict_mode=false)"
    )


def _id_expr(file_format: str) -> str:
    if file_format == "jsonl":
        return f"CASE WHEN json_valid(line) THEN trim(json_extract_string(line, '$.customer_id'), {_TRIM}) END"
    return "t"


def load_members(
    tx: WriteTx, t: Target, *, sources: Sequence[Source], file_format: str, max_id_length: int
) -> LoadCounts:
    """Load every source as ``t.version`` with the loader of the writer's engine (``LOADERS``)."""
    engine = getattr(tx, "engine", "duckdb")
    return LOADERS[engine](tx, t, sources=sources, file_format=file_format, max_id_length=max_id_length)


def load_members_duckdb(
    tx: WriteTx, t: Target, *, sources: Sequence[Source], file_format: str, max_id_length: int
) -> LoadCounts:
    """Load every source as ``t.version`` beside the live version (inside the writer's tx).

    One ``INSERT ... SELECT ... FROM read_csv`` per file straight into ``audience_members`` (no
    staging copy). Older versions stay until the control plane has switched to this one
    (``drop_older_versions``, run by the load job, as on ClickHouse): readers only ever read the
    version it names.
    """
    # The DuckDB writer's transaction shrinks the buffer pool to the bulk-load budget meanwhile.
    with tx.bulk_load():  # type: ignore[attr-defined]
        return _load_duckdb(tx, t, sources=sources, file_format=file_format, max_id_length=max_id_length)


def _load_duckdb(
    tx: WriteTx, t: Target, *, sources: Sequence[Source], file_format: str, max_id_length: int
) -> LoadCounts:
    key = [t.project, t.environment, t.audience_id]
    try:
        # A retried load (the worker died mid-way) may have left this version's rows: start clean.
        tx.execute(
            "DELETE FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? AND version = ?",
            [*key, t.version],
        )
        total = 0
        for src in sources:
            dt = "NULL" if src.device_type is None else str(int(src.device_type))
            # Blank lines are not counted. A failing line is stored as '' for the length of
            # this transaction, counted, then removed: one pass over each file.
            rows = tx.execute(
                f"""
                INSERT INTO audience_members
                SELECT ?, ?, ?, ?, {dt}, coalesce(CASE WHEN length(x) BETWEEN 1 AND ? THEN x END, '')
                FROM (SELECT {_id_expr(file_format)} AS x
                      FROM (SELECT line, {_FAST_TRIM} AS t FROM {_read_lines(src.path)} WHERE line IS NOT NULL)
                      WHERE t <> '')
                """,
                [*key, t.version, max_id_length],
            )
            total += int(rows[0][0]) if rows else 0
        bad = tx.execute(
            "SELECT count(*) FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? "
            "AND version = ? AND member_id = ''",
            [*key, t.version],
        )
        failed = int(bad[0][0]) if bad else 0
        tx.execute(
            "DELETE FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? "
            "AND version = ? AND member_id = ''",
            [*key, t.version],
        )
    except duckdb.Error as exc:
        # The engine's first line names the file and the problem; the load reports it as its error.
        raise ValueError(str(exc).splitlines()[0]) from exc
    ok = total - failed
    return LoadCounts(total_lines=total, successful_lines=ok, failed_lines=failed, record_count=ok)


class Loader(Protocol):
    def __call__(
        self, tx: WriteTx, t: Target, *, sources: Sequence[Source], file_format: str, max_id_length: int
    ) -> LoadCounts: ...


# Writer engine -> how it bulk-loads audience files (ClickHouse's registers from ch_audiences.py).
LOADERS: dict[str, Loader] = {"duckdb": load_members_duckdb}


def drop_members(tx: WriteTx, *, project: str, environment: str, audience_ids: Sequence[int]) -> None:
    for audience_id in audience_ids:
        tx.execute(
            "DELETE FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ?",
            [project, environment, audience_id],
        )


def drop_older_versions(tx: WriteTx, t: Target) -> None:
    """Delete the versions before ``t`` once ``t`` is live (what a load on ClickHouse leaves behind)."""
    tx.execute(
        "DELETE FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? AND version < ?",
        [t.project, t.environment, t.audience_id, t.version],
    )


def count_members(wh: Warehouse, t: Target) -> int:
    res = wh.read(
        "SELECT count(*) FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? "
        "AND version = ?",
        [t.project, t.environment, t.audience_id, t.version],
    )
    return int(res.rows[0][0])


def contains(wh: Warehouse, t: Target, member_id: str) -> bool:
    res = wh.read(
        "SELECT 1 FROM audience_members WHERE project = ? AND environment = ? AND audience_id = ? "
        "AND version = ? AND member_id = ? LIMIT 1",
        [t.project, t.environment, t.audience_id, t.version, member_id],
    )
    return bool(res.rows)


def iter_members(wh: Warehouse, t: Target, *, page: int = 50_000) -> Iterator[list[str]]:
    """Distinct members in id order, a page at a time (keyset paging: each read is bounded)."""
    after = ""
    while True:
        res = wh.read(
            "SELECT DISTINCT member_id FROM audience_members WHERE project = ? AND environment = ? "
            "AND audience_id = ? AND version = ? AND member_id > ? ORDER BY member_id LIMIT ?",
            [t.project, t.environment, t.audience_id, t.version, after, page],
            max_rows=page,
        )
        ids = [str(r[0]) for r in res.rows]
        if not ids:
            return
        yield ids
        after = ids[-1]
