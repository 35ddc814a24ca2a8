"""Unpacking one audience file for the warehouse: inflate it once, check it, drop its header.

A load used to inflate a ``.gz`` file once in Python to refuse bombs and non-gzip data, then
have DuckDB inflate it again inside the load, single-threaded. Now the file is streamed from the
blob store (local disk or S3) and inflated exactly once, here, into a plain temporary file; the
checks happen on the way, in constant memory (one chunk at a time). DuckDB then reads the plain
file with all its threads (a plain file splits into ranges; a gzip stream does not).

Everything here runs before the load reaches the warehouse writer, so a file that is not gzip,
is truncated, or inflates past the limit (a bomb, stopped at that size) is refused before any
stored member is touched. The temporary file is at most ``max_decompressed_bytes`` long.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from traitbase.errors import Invalid

GZIP_MAGIC = b"\x1f\x8b"
_OUT = 1024 * 1024  # most bytes one inflate call may produce: a bomb never fills memory
_HEADER_PEEK = 256  # a first line longer than this is not a header


def inflate(chunks: Iterator[bytes], *, max_decompressed_bytes: int) -> Iterator[bytes]:
    """The plain bytes of a gzip stream, refusing non-gzip data, truncation and bombs as they show."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    size, first = 0, True
    for chunk in chunks:
        if not chunk:
            continue
        if first and not chunk.startswith(GZIP_MAGIC):
            raise Invalid("file is named .gz but is not gzip data")
        first = False
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, _OUT)
            except zlib.error:
                raise Invalid("file is not valid gzip data") from None
            size += len(out)
            if size > max_decompressed_bytes:
                raise Invalid(f"file decompresses to more than {max_decompressed_bytes} bytes")
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:
                # Concatenated gzip members are valid gzip: go on with the next member.
                data = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if first or not inflater.eof:
        raise Invalid("file is not valid gzip data (empty or truncated)")


def without_header(pieces: Iterator[bytes], is_header: Callable[[str], bool]) -> Iterator[bytes]:
    """The stream minus its first line when that line is a header (SPEC 5: an optional header row)."""
    head = b""
    for piece in pieces:
        head += piece
        if b"\n" in head or len(head) > _HEADER_PEEK:
            break
    line, nl, rest = head.partition(b"\n")
    if len(line) <= _HEADER_PEEK and is_header(line.decode("utf-8", "replace")):
        head = rest
    elif not nl:
        head = line
    if head:
        yield head
    yield from pieces


class Utf8Lines:
    """Passes whole lines on, dropping (and counting) every line that is not UTF-8 or is absurdly long.

    One bad line used to fail the whole list inside the bulk load. Now it is a failed line, as for
    any other unreadable id. A chunk of valid UTF-8 (the usual case) is checked in one C call and
    passed on as it is; only a chunk that fails is split into lines. A line longer than
    ``max_line_bytes`` (no id is anywhere near) is failed as it streams, never held whole.
    """

    def __init__(self, *, max_line_bytes: int) -> None:
        self.failed = 0
        self._max = max_line_bytes

    def _checked(self, block: bytes) -> bytes:
        try:
            block.decode("utf-8")
            return block
        except UnicodeDecodeError:
            pass
        kept = []
        for line in block.split(b"\n"):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.failed += 1
                continue
            kept.append(line)
        return b"\n".join(kept)

    def __call__(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        carry = b""
        skipping = False  # inside an over-long line: drop bytes up to its end
        for piece in pieces:
            if skipping:
                nl = piece.find(b"\n")
                if nl < 0:
                    continue
                piece, skipping = piece[nl + 1 :], False
            buf = carry + piece if carry else piece
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf
            else:
                carry = buf[cut + 1 :]
                whole = self._checked(buf[: cut + 1])
                if whole:
                    yield whole
            if len(carry) > self._max:
                self.failed += 1
                carry, skipping = b"", True
        if carry and not skipping:
            last = self._checked(carry)
            if last:
                yield last


def unpack(
    chunks: Iterator[bytes],
    dest: Path,
    *,
    compressed: bool,
    max_decompressed_bytes: int,
    is_header: Callable[[str], bool],
    max_line_bytes: int = 64 * 1024,
) -> int:
    """Write the file's plain lines to ``dest`` (without a header row), refusing bad gzip data.

    Returns the number of lines dropped as unreadable (not UTF-8, or over ``max_line_bytes``):
    failed lines the load must count.
    """
    plain = inflate(chunks, max_decompressed_bytes=max_decompressed_bytes) if compressed else chunks
    readable = Utf8Lines(max_line_bytes=max_line_bytes)
    with open(dest, "wb") as out:
        for piece in readable(without_header(plain, is_header)):
            out.write(piece)
    return readable.failed
