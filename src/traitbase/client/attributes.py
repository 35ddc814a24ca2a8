"""``client.attributes``: the attribute upload face (``POST /v1/user/profiles``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner
from traitbase.client._rows import RowStream, batches
from traitbase.client.errors import APIError

PATH = "/v1/user/profiles"


@dataclass(frozen=True)
class UploadResult:
    """Totals over every batch: rows the server received, users it created and users it updated."""

    received: int = 0
    created: int = 0
    updated: int = 0
    batches: int = 0


@dataclass(frozen=True)
class UploadProgress:
    """Told to the progress callback after each acknowledged batch.

    ``bytes_read``/``bytes_total`` are set for CSV files (how far the reader is through the file).
    """

    rows: int
    totals: UploadResult
    bytes_read: int | None = None
    bytes_total: int | None = None


ProgressCallback = Callable[[UploadProgress], None]


def upload_op(source: Any, *, batch_size: int, progress: ProgressCallback | None) -> Op[UploadResult]:
    stream = RowStream.open(source)
    totals = UploadResult()
    rows = 0
    try:
        for batch in batches(stream, batch_size):
            try:
                answer = yield Call("POST", PATH, json=batch.body)
            except APIError as exc:
                last = batch.first_row + batch.size - 1
                exc.add_note(
                    f"batch {totals.batches + 1} (rows {batch.first_row}-{last}) failed; "
                    f"the {rows} rows before it were stored"
                )
                raise
            counts = answer["data"]
            rows += batch.size
            totals = replace(
                totals,
                received=totals.received + counts["received"],
                created=totals.created + counts["created"],
                updated=totals.updated + counts["updated"],
                batches=totals.batches + 1,
            )
            if progress is not None:
                progress(UploadProgress(rows, totals, stream.bytes_read, stream.bytes_total))
    finally:
        stream.close()
    return totals


_UPLOAD_DOC = """Upload user attributes; returns the totals over every batch.

``rows`` is an iterable of dicts, a CSV file path, or a pandas/polars DataFrame. Each row needs
``user_id``; values are sent as strings and a missing value is sent as "" (left unchanged).
Rows are sent in batches of ``batch_size`` (default: the client's), one request each, in order;
a failing batch raises with a note naming its rows, and the batches before it stay stored.
"""


class Attributes:
    def __init__(self, run: SyncRunner, batch_size: int) -> None:
        self._run = run
        self._batch_size = batch_size

    def upload(
        self, rows: Any, *, batch_size: int | None = None, progress: ProgressCallback | None = None
    ) -> UploadResult:
        return self._run(upload_op(rows, batch_size=batch_size or self._batch_size, progress=progress))

    upload.__doc__ = _UPLOAD_DOC


class AsyncAttributes:
    def __init__(self, run: AsyncRunner, batch_size: int) -> None:
        self._run = run
        self._batch_size = batch_size

    async def upload(
        self, rows: Any, *, batch_size: int | None = None, progress: ProgressCallback | None = None
    ) -> UploadResult:
        return await self._run(upload_op(rows, batch_size=batch_size or self._batch_size, progress=progress))

    upload.__doc__ = _UPLOAD_DOC
