"""Reading an uploaded import file line by line from a byte offset, with bounded memory.

Offsets are positions in the (decompressed) byte stream, so a job can checkpoint "the next line
starts at byte N" and resume there. A gzip'd file is recognised by its magic bytes and read
through ``gzip`` whatever format it was announced as (its offsets are decompressed offsets).
A UTF-8 byte-order mark at the start is skipped; CRLF line ends are accepted.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
_DRAIN = 1024 * 1024


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based physical line number (of the first physical line of a record)
    data: bytes  # without the line end; truncated when ``too_long``
    end: int  # offset just after this line
    too_long: bool = False


def open_stream(fh: BinaryIO) -> BinaryIO:
    head = fh.read(2)
    fh.seek(0)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
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
