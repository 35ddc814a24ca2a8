"""Import file formats: each turns raw lines into records (customer id + changes, or a line error).

A registry maps the ``format`` field of an upload to its reader; add a format by adding a class.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from traitbase.domain.import_reader import RawLine
from traitbase.domain.jobs import JobFailed
from traitbase.domain.profile_ops import (
    Change,
    LineError,
    csv_record_complete,
    parse_csv_header,
    parse_csv_row,
    parse_json_line,
)


@dataclass(frozen=True)
class ImportLimits:
    chunk_lines: int
    max_line_bytes: int
    max_value_length: int
    max_attr_length: int
    max_id_length: int
    error_line_max_chars: int


@dataclass
class Record:
    number: int
    raw: bytes
    end: int
    next_line: int
    uid: str = ""
    changes: list[Change] = field(default_factory=list)
    error: str | None = None


class FileFormat(Protocol):
    def records(self, lines: Iterator[RawLine]) -> Iterator[Record]: ...

    def state(self) -> dict[str, Any]:
        """What must be in the checkpoint to resume reading (e.g. the CSV header)."""
        ...


def _too_long(line: RawLine, limits: ImportLimits) -> Record:
    reason = f"line is over {limits.max_line_bytes} bytes"
    return Record(line.number, line.data, line.end, line.number + 1, error=reason)


class JsonLines:
    def __init__(self, limits: ImportLimits, checkpoint: dict[str, Any]) -> None:
        self.limits = limits

    def records(self, lines: Iterator[RawLine]) -> Iterator[Record]:
        max_id = self.limits.max_id_length
        for line in lines:
            if line.too_long:
                yield _too_long(line, self.limits)
                continue
            if not line.data.strip():
                continue
            rec = Record(line.number, line.data, line.end, line.number + 1)
            try:
                rec.uid, rec.changes = parse_json_line(line.data, max_id_length=max_id)
            except LineError as exc:
                rec.error = str(exc)
            yield rec

    def state(self) -> dict[str, Any]:
        return {}


class CsvRows:
    """Header row first; the left-most column is the customer id; each non-empty cell assigns."""

    def __init__(self, limits: ImportLimits, checkpoint: dict[str, Any]) -> None:
        self.limits = limits
        self.header: list[str] | None = checkpoint.get("header")

    def records(self, lines: Iterator[RawLine]) -> Iterator[Record]:
        for number, text, raw, end, nxt, error in self._logical(lines):
            if error is not None:
                yield Record(number, raw, end, nxt, error=error)
                continue
            if not text.strip():
                continue
            if self.header is None:
                try:
                    self.header = parse_csv_header(text)
                except LineError as exc:
                    raise JobFailed(f"line {number}: {exc}") from None
                continue
            rec = Record(number, raw, end, nxt)
            try:
                rec.uid, rec.changes = parse_csv_row(text, self.header, max_id_length=self.limits.max_id_length)
            except LineError as exc:
                rec.error = str(exc)
            yield rec

    def _logical(self, lines: Iterator[RawLine]) -> Iterator[tuple[int, str, bytes, int, int, str | None]]:
        """Join physical lines while a quoted cell is open (cells may contain line breaks)."""
        parts: list[bytes] = []
        first, last_end = 0, 0
        for line in lines:
            last_end = line.end
            if line.too_long:
                parts = []
                too_long = f"line is over {self.limits.max_line_bytes} bytes"
                yield line.number, "", line.data, line.end, line.number + 1, too_long
                continue
            if not parts:
                first = line.number
            parts.append(line.data)
            raw = b"\n".join(parts)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                parts = []
                yield first, "", raw, line.end, line.number + 1, "the row is not valid UTF-8"
                continue
            if csv_record_complete(text) or len(raw) > self.limits.max_line_bytes:
                parts = []
                yield first, text, raw, line.end, line.number + 1, None
        if parts:
            raw = b"\n".join(parts)
            unclosed = "a quoted cell is never closed"
            yield first, raw.decode("utf-8", "replace"), raw, last_end, first + len(parts), unclosed

    def state(self) -> dict[str, Any]:
        return {"header": self.header} if self.header is not None else {}


FORMATS: dict[str, type[JsonLines] | type[CsvRows]] = {"json": JsonLines, "csv": CsvRows}
