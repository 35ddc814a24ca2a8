"""Row sources (dicts, CSV files, pandas/polars frames) and their split into wire batches.

Everything here is lazy: a CSV of any size is read one buffer at a time and only one batch of
rows is held in memory. pandas and polars are imported only when a frame is handed in.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from traitbase.client.errors import InvalidRow

USER_ID = "user_id"

Row = Mapping[str, Any]


def cell(value: Any) -> str:
    """The wire string of one value: missing and NaN become "" (leave unchanged)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class _CountingReader(io.RawIOBase):
    """Counts the bytes handed to the CSV parser, so progress can be told as a share of the file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return int(n or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


class RowStream:
    """An iterator of rows that also knows, for files, how far through the file it is."""

    def __init__(self, rows: Iterable[Row], *, counter: _CountingReader | None = None, size: int | None = None):
        self._rows = iter(rows)
        self._counter = counter
        self.bytes_total = size

    @property
    def bytes_read(self) -> int | None:
        return self._counter.count if self._counter else None

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()

    @classmethod
    def open(cls, source: Any) -> RowStream:
        if isinstance(source, str | os.PathLike):
            return cls._csv(Path(source))
        module = type(source).__module__.split(".", 1)[0]
        if module == "pandas" and hasattr(source, "itertuples"):
            return cls(_pandas_rows(source))
        if module == "polars" and hasattr(source, "iter_rows"):
            return cls(source.iter_rows(named=True))
        if isinstance(source, Mapping):
            raise TypeError("upload takes an iterable of rows, not a single row (wrap it in a list)")
        if isinstance(source, Iterable):
            return cls(source)
        raise TypeError(f"cannot upload rows from {type(source).__name__}")

    @classmethod
    def _csv(cls, path: Path) -> RowStream:
        counter = _CountingReader(path.open("rb"))
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front of the header.
        text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", newline="")
        return cls(_csv_rows(text), counter=counter, size=path.stat().st_size)


def _csv_rows(text: IO[str]) -> Iterator[Row]:
    reader = csv.DictReader(text, restval="")
    if reader.fieldnames is None:
        return
    for row in reader:
        if None in row:
            raise InvalidRow(f"CSV line {reader.line_num} has more cells than the header", row=reader.line_num)
        yield row


def _pandas_rows(frame: Any) -> Iterator[Row]:
    from pandas import isna
    from pandas.api.types import is_scalar

    columns = [str(c) for c in frame.columns]
    for record in frame.itertuples(index=False, name=None):
        yield {
            c: (None if not isinstance(v, str) and is_scalar(v) and isna(v) else v)
            for c, v in zip(columns, record, strict=True)
        }


@dataclass(frozen=True)
class Batch:
    body: dict[str, Any]
    first_row: int
    size: int


def batches(rows: Iterable[Row], size: int) -> Iterator[Batch]:
    """Wire bodies of at most ``size`` rows; ``first_row`` is 1-based over the whole source."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    buffer: list[Row] = []
    first = 1
    for row in rows:
        buffer.append(row)
        if len(buffer) == size:
            yield Batch(body(buffer, first_row=first), first, len(buffer))
            first += len(buffer)
            buffer = []
    if buffer:
        yield Batch(body(buffer, first_row=first), first, len(buffer))


def body(rows: list[Row], *, first_row: int) -> dict[str, Any]:
    """``{"field_name": [...], "values": [[...]]}`` with ``user_id`` first and every row's fields."""
    fields = [USER_ID]
    seen = {USER_ID}
    for row in rows:
        for name in row:
            if name not in seen:
                seen.add(name)
                fields.append(str(name))
    values = []
    for n, row in enumerate(rows, first_row):
        user_id = cell(row.get(USER_ID))
        if not user_id:
            raise InvalidRow(f"row {n} has no user_id", row=n)
        values.append([user_id, *(cell(row.get(name)) for name in fields[1:])])
    return {"field_name": fields, "values": values}
