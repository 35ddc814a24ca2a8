"""Import file formats: each turns the file into chunks of records to apply (or line errors).

A registry maps the ``format`` field of an upload to its reader; add a format by adding a class.
A chunk is what one transaction applies: it names the users it touches (loaded in one go by the
caller), applies its lines in order to their attributes, and says where the next chunk starts.

JSON Lines, the format of big files, takes the fast path (``import_fastpath``) and falls back to
the reference path of ``profile_ops`` line by line; CSV uses the reference path throughout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, BinaryIO, Protocol

from traitbase.domain.imports import fastpath as fast
from traitbase.domain.imports.ops import (
    Applier,
    Change,
    LineError,
    csv_record_complete,
    parse_csv_header,
    parse_csv_row,
    parse_json_line,
)
from traitbase.domain.imports.reader import LineBatch, RawLine, read_batches, read_lines
from traitbase.domain.jobs import JobFailed

# What an empty CSV cell means (the upload's ``empty_cells`` form field): delete the attribute, or
# leave it as it is (for files where empty means "unknown").
EMPTY_CELLS = ("delete", "ignore")
EMPTY_CELLS_DEFAULT = "delete"


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


@dataclass
class ChunkResult:
    changed: set[str]  # users whose attributes changed
    errors: list[tuple[int, bytes, str]]  # (line number, raw line, reason), in line order
    total: int  # records read (empty lines are not records)
    parsed: int  # records that were well-formed


class Chunk(Protocol):
    @property
    def end(self) -> int:
        """Byte offset where the next chunk starts."""
        ...

    @property
    def next_line(self) -> int:
        """Physical line number where the next chunk starts."""
        ...

    @property
    def state(self) -> dict[str, Any]:
        """What the checkpoint must hold to resume reading after this chunk (e.g. the CSV header)."""
        ...

    def user_ids(self) -> set[str]:
        """Every user a line of this chunk may change (to be loaded before ``apply``)."""
        ...

    def apply(self, states: dict[str, dict[str, Any]], applier: Applier) -> ChunkResult:
        """Apply the chunk's lines in order to ``states`` (user id -> attributes); once only."""
        ...


class FileFormat(Protocol):
    def chunks(self, fh: BinaryIO, *, start: int, first_line: int) -> Iterator[Chunk]: ...


def _apply_record(
    rec: Record, states: dict[str, dict[str, Any]], applier: Applier, changed: set[str], errors: list[Any]
) -> None:
    """The reference path for one record: all of its changes, or none and an error."""
    if rec.error is not None:
        errors.append((rec.number, rec.raw, rec.error))
        return
    attrs = states.get(rec.uid)
    if attrs is None:
        attrs = states[rec.uid] = {}
    try:
        applier.apply_line(attrs, rec.changes)
    except LineError as exc:
        errors.append((rec.number, rec.raw, str(exc)))
        return
    changed.add(rec.uid)


@dataclass
class RecordChunk:
    """Records prepared by the reference path."""

    records: list[Record]
    state: dict[str, Any]

    @property
    def end(self) -> int:
        return self.records[-1].end

    @property
    def next_line(self) -> int:
        return self.records[-1].next_line

    def user_ids(self) -> set[str]:
        return {r.uid for r in self.records if r.error is None}

    def apply(self, states: dict[str, dict[str, Any]], applier: Applier) -> ChunkResult:
        changed: set[str] = set()
        errors: list[tuple[int, bytes, str]] = []
        for rec in self.records:
            _apply_record(rec, states, applier, changed, errors)
        parsed = sum(1 for r in self.records if r.error is None)
        return ChunkResult(changed=changed, errors=errors, total=len(self.records), parsed=parsed)


class JsonChunk:
    """A batch of JSON lines decoded by the fast path; lines it cannot take go the reference way."""

    def __init__(self, batch: LineBatch, decoder: Any, limits: ImportLimits) -> None:
        self.batch, self.limits = batch, limits
        self.end, self.next_line = batch.end, batch.next_line
        self.state: dict[str, Any] = {}
        entries = fast.decode_lines(decoder, batch.lines)
        for i in batch.too_long:
            entries[i] = None
        uids = {line.customer_id for line in entries if line is not None}
        max_id = limits.max_id_length
        odd = {u for u in uids if type(u) is not str or len(u) > max_id or not u.strip()}
        if odd:  # integer, blank or over-long ids: the reference path converts or refuses them
            entries = [None if line is not None and line.customer_id in odd else line for line in entries]
            uids -= odd
        # Lines the fast path did not decode, parsed the reference way now (None: an empty line).
        self.slow: dict[int, Record | None] = {i: self._record(i) for i, line in enumerate(entries) if line is None}
        slow_records = [r for r in self.slow.values() if r is not None]
        uids.update(r.uid for r in slow_records if r.error is None)
        self.uids: set[str] = uids
        self.entries = entries
        self.total = len(entries) - (len(self.slow) - len(slow_records))
        self.parsed = self.total - sum(1 for r in slow_records if r.error is not None)

    def _record(self, i: int) -> Record | None:
        number, data = self.batch.number(i), self.batch.lines[i].rstrip(b"\r\n")
        if i in self.batch.too_long:
            return Record(number, data, 0, 0, error=f"line is over {self.limits.max_line_bytes} bytes")
        if not data.strip():
            return None
        rec = Record(number, data, 0, 0)
        try:
            rec.uid, rec.changes = parse_json_line(data, max_id_length=self.limits.max_id_length)
        except LineError as exc:
            rec.error = str(exc)
        return rec

    def user_ids(self) -> set[str]:
        return self.uids

    def apply(self, states: dict[str, dict[str, Any]], applier: Applier) -> ChunkResult:
        changed: set[str] = set()
        errors: list[tuple[int, bytes, str]] = []

        def slow(i: int) -> None:
            rec = self.slow[i] if i in self.slow else self._record(i)
            if rec is not None:
                _apply_record(rec, states, applier, changed, errors)

        fast.apply_fast(states, self.entries, changed, slow)
        self.batch.lines.clear()  # applied once; the raw lines are no longer needed
        return ChunkResult(changed=changed, errors=errors, total=self.total, parsed=self.parsed)


class JsonLines:
    def __init__(self, limits: ImportLimits, checkpoint: dict[str, Any], options: Mapping[str, str]) -> None:
        self.limits = limits
        self.decoder = fast.line_decoder(limits.max_value_length, limits.max_attr_length)

    def chunks(self, fh: BinaryIO, *, start: int, first_line: int) -> Iterator[Chunk]:
        lim = self.limits
        batches = read_batches(
            fh, start=start, first_line=first_line, max_line_bytes=lim.max_line_bytes, batch_lines=lim.chunk_lines
        )
        for batch in batches:
            yield JsonChunk(batch, self.decoder, lim)


class CsvRows:
    """Header row first; the left-most column is the customer id; each non-empty cell assigns.

    An empty cell deletes the attribute, unless the upload sent ``empty_cells=ignore``.
    """

    def __init__(self, limits: ImportLimits, checkpoint: dict[str, Any], options: Mapping[str, str]) -> None:
        self.limits = limits
        self.header: list[str] | None = checkpoint.get("header")
        self.empty_deletes = options.get("empty_cells", EMPTY_CELLS_DEFAULT) == "delete"

    def chunks(self, fh: BinaryIO, *, start: int, first_line: int) -> Iterator[Chunk]:
        lines = read_lines(fh, start=start, first_line=first_line, max_line_bytes=self.limits.max_line_bytes)
        records = self.records(lines)
        while part := list(islice(records, self.limits.chunk_lines)):
            yield RecordChunk(part, state={"header": self.header})

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
                rec.uid, rec.changes = parse_csv_row(
                    text, self.header, max_id_length=self.limits.max_id_length, empty_deletes=self.empty_deletes
                )
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


FORMATS: dict[str, type[JsonLines] | type[CsvRows]] = {"json": JsonLines, "csv": CsvRows}
