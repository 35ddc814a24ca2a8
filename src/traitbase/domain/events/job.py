"""CSV pushes (SPEC 4): KPI files become events, survey files become user attributes, in jobs.

The upload is stored as a blob and a job is queued; the answer carries an estimate of the
seconds to complete from the file size and the import rate measured on earlier files of the
same kind (an exponential moving average kept in the control plane).

Exactly once across crashes: a KPI chunk is written to the warehouse with an idempotency
record (``job:<id>:<chunk>``) in the same transaction, so a job resumed after a crash skips
chunks already stored; survey chunks and their checkpoint share one control-plane transaction.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy.orm import Session

from traitbase.domain import jobs
from traitbase.domain.events.store import event_times, utcnow
from traitbase.domain.jobs import JobContext, JobFailed
from traitbase.domain.keys.principal import Principal
from traitbase.storage.blobs import BlobStore
from traitbase.storage.repos import instance as instance_repo
from traitbase.storage.repos import profiles as profile_repo
from traitbase.storage.warehouse.base import IdempotencyRecord, Warehouse, WriteOp, events_table

KPI_KIND = "events_kpi_csv"
SURVEY_KIND = "events_survey_csv"
KPI_INTS = ("purchases_count", "items_purchased", "sessions_count", "actions_count")
KPI_FLOATS = ("cpi", "cpa", "ltv", "purchases_value", "avg_sessions_interval", "sessions_length")
KPI_COLUMNS = (
    "timestamp",
    "user_id",
    "register_date",
    "cpi",
    "cpa",
    "ltv",
    "purchases_count",
    "purchases_value",
    "items_purchased",
    "sessions_count",
    "avg_sessions_interval",
    "sessions_length",
    "actions_count",
)
KPI_ALLOWED = frozenset(KPI_COLUMNS)
MAX_REPORTED_ERRORS = 20
_json = msgspec.json.Encoder()


@dataclass(frozen=True)
class CsvLimits:
    chunk_rows: int
    max_value_length: int
    default_bytes_per_second: float


def rate_key(kind: str) -> str:
    return f"events_csv_rate:{kind}"


def estimate_seconds(s: Session, *, kind: str, size: int, default_rate: float) -> int:
    stored = instance_repo.get_state(s, rate_key(kind))
    rate = float(stored) if stored else default_rate
    return max(1, math.ceil(size / max(rate, 1.0)))


def start(s: Session, principal: Principal, *, kind: str, blob: str, size: int, job_id: str, max_attempts: int) -> str:
    assert principal.project_id is not None
    return jobs.enqueue(
        s,
        kind=kind,
        org_id=principal.org_id,
        project_id=principal.project_id,
        environment=principal.environment,
        payload={"blob": blob, "size": size},
        progress={"rows": 0, "ingested": 0, "failed": 0},
        max_attempts=max_attempts,
        job_id=job_id,
    )


# --- reading the file -------------------------------------------------------------------------
Row = dict[str, str] | str  # the row's cells by column, or why the row cannot be read


def _utf8(cells: list[str]) -> bool:
    # Bytes that are not UTF-8 were decoded to lone surrogates, which cannot be encoded back.
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rows(
    blobs: BlobStore, key: str, skip: int, *, check: Callable[[list[str]], None]
) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    """The header (refused by ``check`` with JobFailed) and the rows after it; a row that is not
    valid CSV or UTF-8 is a reason, not a crash.

    The file stays open while the rows are read; it is closed when they end, or at once when the
    header is refused (the rows iterator never starts then, so it could not close it).

    A cell over the csv module's field limit (128 KiB) or a line that is not UTF-8 used to raise out
    of the reader: the job crashed, was retried for about 75 s and failed the whole file. Now such
    a row is a failed row and the reader goes on with the next line.
    """
    fh = blobs.open(key)
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        first = next(reader)
    except StopIteration:
        fh.close()
        raise JobFailed("the file is empty: a header line is required") from None
    except csv.Error as exc:
        fh.close()
        raise JobFailed(f"the header line is not valid CSV: {exc}") from None
    if not _utf8(first):
        fh.close()
        raise JobFailed("the header line is not valid UTF-8")
    header = [h.strip() for h in first]
    try:
        check(header)
    except BaseException:
        fh.close()
        raise

    def rows() -> Iterator[tuple[int, Row]]:
        number = 1
        try:
            while True:
                number += 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if number - 2 >= skip:
                        yield number, f"the row is not valid CSV: {exc}"
                    continue
                if number - 2 < skip:
                    continue
                if not _utf8(row):
                    yield number, "the row is not valid UTF-8"
                    continue
                yield number, dict(zip(header, (c.strip() for c in row), strict=False))
        finally:
            fh.close()

    return header, rows()


class RowError(ValueError):
    pass


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _integer(raw: str, column: str) -> int:
    # A count is stored as a 64-bit integer: a bigger one would come back as a float.
    if not _INTEGER.fullmatch(raw):
        raise RowError(f"{column} must be an integer")
    value = int(raw)
    if not INT_MIN <= value <= INT_MAX:
        raise RowError(f"{column} is outside the 64-bit integer range")
    return value


def _decimal(raw: str, column: str) -> float:
    # NaN, inf and overflowing numbers (1e400) have no JSON form: they were stored as null.
    if not _DECIMAL.fullmatch(raw):
        raise RowError(f"{column} must be a number")
    value = float(raw)
    if not math.isfinite(value):
        raise RowError(f"{column} must be a finite number (it overflows a 64-bit float)")
    return value


def _kpi_row(row: dict[str, str], limits: CsvLimits) -> tuple[str, str | None, dict[str, Any]]:
    uid = row.get("user_id", "")
    if not uid:
        raise RowError("user_id is required")
    if len(uid) > limits.max_value_length:
        raise RowError(f"user_id must be at most {limits.max_value_length} characters")
    stamp = row.get("timestamp") or None
    if stamp is not None:
        try:
            stamp = datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise RowError("timestamp must be YYYY-MM-DD HH:MM:SS or YYYY-MM-DD (UTC)") from None
    props: dict[str, Any] = {}
    for col in KPI_INTS:
        if row.get(col):
            props[col] = _integer(row[col], col)
    for col in KPI_FLOATS:
        if row.get(col):
            props[col] = _decimal(row[col], col)
    if row.get("register_date"):
        props["register_date"] = row["register_date"]
    return uid, stamp, props


def _kpi_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in KPI_ALLOWED]
    if "user_id" not in header or unknown:
        raise JobFailed(
            "the KPI file's header must include user_id and use only these columns: "
            + ", ".join(KPI_COLUMNS)
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )


def _survey_header(header: list[str]) -> None:
    if "user_id" not in header:
        raise JobFailed("the survey file's header must include a user_id column")


# --- the jobs ---------------------------------------------------------------------------------
def run_kpi_csv(run: JobContext, *, blobs: BlobStore, warehouse: Warehouse, limits: CsvLimits) -> dict[str, Any]:
    job = run.job
    began = time.monotonic()
    progress = {k: int(job.progress.get(k, 0)) for k in ("rows", "ingested", "failed")}
    errors: list[dict[str, Any]] = list(job.checkpoint.get("errors", []))
    chunk_no = int(job.checkpoint.get("chunk", 0))
    _, rows = _rows(blobs, job.payload["blob"], progress["rows"], check=_kpi_header)
    assert job.project_id is not None
    while chunk := list(islice(rows, limits.chunk_rows)):
        if run.should_stop():
            raise jobs.Interrupted
        uids, stamps, props = [], [], []
        for number, row in chunk:
            try:
                if isinstance(row, str):
                    raise RowError(row)
                uid, stamp, p = _kpi_row(row, limits)
            except RowError as exc:
                progress["failed"] += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"line": number, "reason": str(exc)})
                continue
            uids.append(uid)
            stamps.append(stamp)
            props.append(_json.encode(p).decode())
        now = utcnow()
        table = events_table(
            {
                "project": job.project_id,
                "environment": job.environment,
                "received_at": now,
                "event_time": event_times(stamps, now),
                "kind": "kpi",
                "name": "daily_kpis",
                "user_id": uids,
                "properties": props,
            },
            rows=len(uids),
        )
        marker = IdempotencyRecord(
            project=job.project_id,
            environment=job.environment,
            key=f"job:{job.id}:{chunk_no}",
            fingerprint="",
            status=0,
            body=b"",
        )
        warehouse.submit(WriteOp(events=table, idempotency=marker)).result()
        chunk_no += 1
        progress["rows"] += len(chunk)
        progress["ingested"] += len(uids)
        with run.step() as s:
            run.save(s, checkpoint={"chunk": chunk_no, "errors": errors}, progress=progress)
    return _finish(run, progress, errors, began)


def run_survey_csv(run: JobContext, *, blobs: BlobStore, limits: CsvLimits) -> dict[str, Any]:
    job = run.job
    began = time.monotonic()
    progress = {k: int(job.progress.get(k, 0)) for k in ("rows", "ingested", "failed")}
    errors: list[dict[str, Any]] = list(job.checkpoint.get("errors", []))
    _, rows = _rows(blobs, job.payload["blob"], progress["rows"], check=_survey_header)
    assert job.project_id is not None
    scope = profile_repo.app_scope(job.project_id)
    while chunk := list(islice(rows, limits.chunk_rows)):
        if run.should_stop():
            raise jobs.Interrupted
        attrs: list[tuple[str, dict[str, str]]] = []
        for number, row in chunk:
            reason: str | None
            if isinstance(row, str):
                uid, values, reason = "", {}, row
            else:
                uid = row.get("user_id", "")
                values = {k: v for k, v in row.items() if k != "user_id" and k and v}
                reason = _survey_problem(uid, values, limits)
            if reason is not None:
                progress["failed"] += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"line": number, "reason": reason})
                continue
            attrs.append((uid, values))
        progress["rows"] += len(chunk)
        progress["ingested"] += len(attrs)
        with run.step() as s:
            profile_repo.merge_attributes(
                s.connection(), org_id=job.org_id, scope=scope, environment=job.environment, rows=attrs, now=time.time()
            )
            run.save(s, checkpoint={"errors": errors}, progress=progress)
    return _finish(run, progress, errors, began)


def _survey_problem(uid: str, values: dict[str, str], limits: CsvLimits) -> str | None:
    if not uid:
        return "user_id is required"
    too_long = [k for k, v in values.items() if len(v) > limits.max_value_length or len(k) > limits.max_value_length]
    if too_long:
        return f"{too_long[0]} is longer than {limits.max_value_length} characters"
    return None


def _finish(run: JobContext, progress: dict[str, int], errors: list[dict[str, Any]], began: float) -> dict[str, Any]:
    job = run.job
    elapsed = max(time.monotonic() - began, 1e-3)
    size = int(job.payload.get("size", 0))
    with run.step() as s:
        # Only a run that read the whole file measures the rate (a resumed run read part of it).
        if size and not job.checkpoint:
            old = instance_repo.get_state(s, rate_key(job.kind))
            measured = size / elapsed
            rate = measured if old is None else 0.7 * float(old) + 0.3 * measured
            instance_repo.set_state(s, rate_key(job.kind), f"{rate:.1f}")
        run.save(s, checkpoint={"done": True, "errors": errors}, progress=progress)
    return {**progress, "errors": errors}
