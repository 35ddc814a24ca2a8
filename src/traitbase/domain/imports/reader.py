"""Reading an uploaded import file line by line from a byte offset, with bounded memory.

Offsets are positions in the (decompressed) byte stream, so a job can checkpoint "the next line
starts at byte N" and resume there. A gzip'd file is recognised by its magic bytes and read
through ``gzip`` whatever format it was announced as (its offsets are decompressed offsets).
A UTF-8 byte-order mark at the start is skipped; CRLF line ends are accepted.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from traitbase.domain.jobs import JobFailed

BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
_DRAIN = 1024 * 1024


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based physical line number (of the first physical line of a record)
    data: bytes  # without the line end; truncated when ``too_long``
    end: int  # offset just after this line
    too_long: bool = False


class _CheckedGzip(gzip.GzipFile):
    """A gzip file whose corruption (cut short, bytes after the stream) fails the job with the reason.

    Without this, a truncated file raised ``EOFError`` deep in a read: the job crashed and was
    retried, always failing the same way. Zero padding after the stream is tolerated, as gzip does.
    """

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(-1 if size is None else size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise JobFailed(f"the file is not valid gzip: {_gzip_reason(exc)}") from None

    def readline(self, size: int | None = -1) -> bytes:
        try:
            return super().readline(-1 if size is None else size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise JobFailed(f"the file is not valid gzip: {_gzip_reason(exc)}") from None

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return super().seek(offset, whence)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise JobFailed(f"the file is not valid gzip: {_gzip_reason(exc)}") from None


def _gzip_reason(exc: Exception) -> str:
    if isinstance(exc, EOFError):
        return "it ends before its end-of-stream marker (truncated)"
    if isinstance(exc, gzip.BadGzipFile) and str(exc).startswith("Not a gzipped file"):
        return "data after the end of the stream"
    return f"corrupt data ({exc})"


def open_stream(fh: BinaryIO) -> BinaryIO:
    head = fh.read(2)
    fh.seek(0)
    if head == GZIP_MAGIC:
        return _CheckedGzip(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def read_lines(fh: BinaryIO, *, start: int, first_line: int, max_line_bytes: int) -> Iterator[RawLine]:
    """Lines from byte ``start`` (which begins physical line ``first_line``)."""
    stream = open_stream(fh)
    stream.seek(start)
    offset, number = start, first_line
    while True:
        data = stream.readline(max_line_bytes + 1)
        if not data:
            return
        offset += len(data)
        too_long = False
        if len(data) > max_line_bytes and not data.endswith(b"\n"):
            too_long = True
            # Skip the rest of an over-long line in pieces, never holding it whole.
            while True:
                rest = stream.readline(_DRAIN)
                offset += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
        if start == 0 and number == first_line and data.startswith(BOM):
            data = data[len(BOM) :]
        yield RawLine(number=number, data=data.rstrip(b"\r\n")[:max_line_bytes], end=offset, too_long=too_long)
        number += 1


@dataclass
class LineBatch:
    """Consecutive physical lines: ``lines[i]`` is line number ``first + i``.

    Lines come without their ``\\n`` (a CRLF line keeps its ``\\r``; JSON ignores it, callers strip
    it where the text matters). ``too_long`` holds the indexes of lines over the limit, whose data
    is cut to the limit. ``end`` is the offset just after the last line.
    """

    first: int
    lines: list[bytes]
    end: int
    too_long: frozenset[int]
    # The line number of each line when they are not consecutive (a batch of a sorted import).
    numbers: list[int] | None = None

    @property
    def next_line(self) -> int:
        return self.first + len(self.lines)

    def number(self, i: int) -> int:
        return self.first + i if self.numbers is None else self.numbers[i]


def read_batches(
    fh: BinaryIO, *, start: int, first_line: int, max_line_bytes: int, batch_lines: int, block_bytes: int = _DRAIN
) -> Iterator[LineBatch]:
    """The lines from byte ``start`` in batches of ``batch_lines``, read a block at a time.

    Same lines, numbers and offsets as ``read_lines``, without a Python call per line: a block is
    split in C and a batch's end offset is the sum of its lines' lengths, corrected for the few
    lines whose consumed bytes differ from ``len(data) + 1`` (a BOM, an over-long line, a last line
    without ``\\n``). Memory: one block, one batch, and at most ``max_line_bytes`` of a pending line.
    """
    stream = open_stream(fh)
    stream.seek(start)
    pending = _Pending(first=first_line, offset=start, bom=start == 0)
    carry = b""
    draining = False  # inside an over-long line: skip up to its "\n"
    while True:
        block = stream.read(block_bytes)
        if not block:
            if carry:
                pending.add([carry], max_line_bytes, eof=True)
            yield from pending.take(batch_lines, final=True)
            return
        if draining:
            nl = block.find(b"\n")
            pending.extra[len(pending.lines) - 1] += (nl + 1) if nl >= 0 else len(block)
            if nl < 0:
                continue
            draining = False
            block = block[nl + 1 :]
        parts = (carry + block).split(b"\n") if carry else block.split(b"\n")
        carry = parts.pop()
        pending.add(parts, max_line_bytes)
        if len(carry) > max_line_bytes:
            # An over-long line: keep its head for the error log, skip the rest as it streams in.
            pending.add([carry], max_line_bytes, eof=True)  # consumed so far: len(carry)
            carry, draining = b"", True
        else:
            yield from pending.take(batch_lines, final=False)


@dataclass
class _Pending:
    """Lines read but not yet handed out, with what is needed to compute exact offsets."""

    first: int
    offset: int  # offset of lines[0]
    bom: bool  # the next line added is the first line of the file
    lines: list[bytes] = field(default_factory=list)
    # index -> consumed bytes minus (len(data) + 1), for lines where that is not 0
    extra: dict[int, int] = field(default_factory=dict)
    too_long: set[int] = field(default_factory=set)

    def add(self, parts: list[bytes], max_line_bytes: int, *, eof: bool = False) -> None:
        base = len(self.lines)
        file_first = self.bom and bool(parts)
        if file_first:
            self.bom = False
            if parts[0].startswith(BOM) and len(parts[0]) <= max_line_bytes:
                parts[0] = parts[0][len(BOM) :]
                self.extra[base] = len(BOM)
        if parts and max(map(len, parts)) > max_line_bytes:
            for i, data in enumerate(parts):
                if len(data) > max_line_bytes:
                    # What ``read_lines`` keeps: the first max+1 bytes, BOM and CRs dropped, cut to max.
                    head = data[: max_line_bytes + 1]
                    if file_first and i == 0 and head.startswith(BOM):
                        head = head[len(BOM) :]
                    parts[i] = head.rstrip(b"\r\n")[:max_line_bytes]
                    self.extra[base + i] = self.extra.get(base + i, 0) + len(data) - len(parts[i])
                    self.too_long.add(base + i)
        if eof:  # the last line has no "\n" (or its "\n" is still to come while draining)
            self.extra[base + len(parts) - 1] = self.extra.get(base + len(parts) - 1, 0) - 1
        self.lines.extend(parts)

    def take(self, size: int, *, final: bool) -> Iterator[LineBatch]:
        while len(self.lines) >= size or (final and self.lines):
            n = min(size, len(self.lines))
            lines = self.lines[:n]
            end = self.offset + sum(map(len, lines)) + n + sum(v for i, v in self.extra.items() if i < n)
            too_long = frozenset(i for i in self.too_long if i < n)
            yield LineBatch(first=self.first, lines=lines, end=end, too_long=too_long)
            del self.lines[:n]
            self.extra = {i - n: v for i, v in self.extra.items() if i >= n}
            self.too_long = {i - n for i in self.too_long if i >= n}
            self.first += n
            self.offset = end
