"""Audience members in the warehouse (DuckDB): bulk loads with ``read_csv``, counts, export, lookups.

Every function takes a DuckDB connection and is meant to run on the warehouse's single writer
(loads, deletes) or on a read cursor (counts, exports, lookups). Members of one audience are kept
per version: a load writes the next version beside the live one and drops the old version only in
the same transaction that makes the new one complete, so a failed load leaves the live one intact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

DDL = """
CREATE TABLE IF NOT EXISTS audience_members (
    audience_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    device_type SMALLINT,
    member_id VARCHAR NOT NULL
)
"""

# Header words a file may start with (SPEC 5: "optional header row"); never valid ids themselves.
HEADER_WORDS = (
    "id", "ids", "device_id", "deviceid", "customer_id", "user_id", "imei", "idfa", "gaid", "oaid", "idfv",
    "imei_md5", "idfa_md5", "gaid_md5", "oaid_md5", "idfv_md5",
)  # fmt: skip


@dataclass(frozen=True)
class Source:
    path: Path
    device_type: int | None
    compressed: bool


@dataclass(frozen=True)
class LoadCounts:
    total_lines: int
    successful_lines: int
    failed_lines: int
    record_count: int


def ensure_schema(con: Any) -> None:
    con.execute(DDL)


def _lines(src: Source) -> str:
    # One VARCHAR per line: no delimiter, no quoting, so any byte sequence is one id candidate.
    compression = "gzip" if src.compressed else "none"
    path = str(src.path).replace("'", "''")
    return (
        f"read_csv('{path}', columns={{'line': 'VARCHAR'}}, header=false, delim='\\x01', quote='', "
        f"escape='', auto_detect=false, compression='{compression}', strict_mode=false)"
    )


def _id_expr(file_format: str) -> str:
    if file_format == "jsonl":
        return "CASE WHEN json_valid(line) THEN trim(json_extract_string(line, '$.customer_id')) END"
    return "trim(line, ' \"\r\t')"


def load_members(
    con: Any, *, audience_id: int, version: int, sources: Sequence[Source], file_format: str, max_id_length: int
) -> LoadCounts:
    """Load every source as ``version`` of the audience and make it the only version; one transaction."""
    ensure_schema(con)
    headers = ", ".join(f"'{h}'" for h in HEADER_WORDS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM audience_members WHERE audience_id = ? AND version = ?", [audience_id, version])
        total = 0
        for src in sources:
            dt = "NULL" if src.device_type is None else str(int(src.device_type))
            # Blank lines and a header word are not counted; anything else is a line that loads or fails.
            # A failed line is stored as NULL for one statement, counted, then removed: one pass per file.
            row = con.execute(
                f"""
                INSERT INTO audience_members
                SELECT ?, ?, {dt}, coalesce(m, '')
                FROM (
                    SELECT CASE WHEN length(x) BETWEEN 1 AND ? THEN x END AS m
                    FROM (SELECT {_id_expr(file_format)} AS x FROM {_lines(src)}
                          WHERE line IS NOT NULL AND trim(line, ' \"\r\t') <> ''
                            AND lower(trim(line, ' \"\r\t')) NOT IN ({headers}))
                )
                """,
                [audience_id, version, max_id_length],
            ).fetchone()
            total += int(row[0]) if row else 0
        bad = con.execute(
            "SELECT count(*) FROM audience_members WHERE audience_id = ? AND version = ? AND member_id = ''",
            [audience_id, version],
        ).fetchone()
        failed = int(bad[0]) if bad else 0
        con.execute(
            "DELETE FROM audience_members WHERE audience_id = ? AND (version <> ? OR member_id = '')",
            [audience_id, version],
        )
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            # The engine's own message names the file and the problem; callers report it as the load's error.
            raise ValueError(str(exc).splitlines()[0]) from exc
        raise
    return LoadCounts(
        total_lines=total, successful_lines=total - failed, failed_lines=failed, record_count=total - failed
    )


def drop_members(con: Any, audience_ids: Sequence[int]) -> None:
    ensure_schema(con)
    con.execute("DELETE FROM audience_members WHERE audience_id IN (SELECT unnest(?::BIGINT[]))", [list(audience_ids)])


def count_members(con: Any, *, audience_id: int, version: int) -> int:
    row = con.execute(
        "SELECT count(*) FROM audience_members WHERE audience_id = ? AND version = ?", [audience_id, version]
    ).fetchone()
    return int(row[0]) if row else 0


def contains(con: Any, *, audience_id: int, version: int, member_id: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM audience_members WHERE audience_id = ? AND version = ? AND member_id = ? LIMIT 1",
        [audience_id, version, member_id],
    ).fetchone()
    return row is not None


def iter_members(con: Any, *, audience_id: int, version: int, batch: int = 50_000) -> Iterator[list[str]]:
    """Members in batches, for streamed exports (memory holds one batch)."""
    cur = con.execute(
        "SELECT member_id FROM audience_members WHERE audience_id = ? AND version = ? ORDER BY member_id",
        [audience_id, version],
    )
    while rows := cur.fetchmany(batch):
        yield [r[0] for r in rows]
