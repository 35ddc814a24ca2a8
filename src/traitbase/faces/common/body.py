"""Reading request bodies under a cap: refused before parsing, gzip counted decompressed."""

from __future__ import annotations

import zlib

from starlette.requests import Request

from traitbase.errors import Invalid, TooLarge

_GZIP = 16 + zlib.MAX_WBITS


def _bad_gzip(why: str) -> Invalid:
    return Invalid(f"request body is not valid gzip: {why}", errors={"body": f"bad gzip ({why})"})


class GzipBody:
    """Inflates a gzip body chunk by chunk; only a whole stream (every member with its trailer) is accepted.

    zlib on its own stops quietly at the end of the first member and keeps whatever follows, and
    says nothing when the stream just ends early: a body cut before its CRC and length trailer,
    or followed by bytes that are not another gzip member, is corrupt and is refused.
    """

    def __init__(self, max_bytes: int) -> None:
        self._inflater = zlib.decompressobj(_GZIP)
        self._max = max_bytes
        self._size = 0
        self._started = False
        self._members = 0  # complete members before the current one

    def feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        data = chunk
        while data:
            if self._inflater.eof:
                # Bytes after a complete member: valid only as the start of the next member.
                self._inflater = zlib.decompressobj(_GZIP)
                self._members += 1
            self._started = True
            try:
                piece = self._inflater.decompress(data, self._max + 1 - self._size)
            except zlib.error:
                raise _bad_gzip("data after the end of the stream" if self._members else "corrupt data") from None
            self._size += len(piece)
            if self._size > self._max:
                raise TooLarge(f"request body is over the limit of {self._max} bytes")
            out.append(piece)
            data = self._inflater.unconsumed_tail or (self._inflater.unused_data if self._inflater.eof else b"")
        return b"".join(out)

    def finish(self) -> None:
        if not self._started:
            raise _bad_gzip("empty body")
        if not self._inflater.eof:
            raise _bad_gzip("the stream ends before its trailer (truncated)")


async def read_capped_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, or TooLarge as soon as it (decompressed) passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    encoding = request.headers.get("content-encoding", "identity").lower().strip()
    if encoding not in ("identity", "gzip", ""):
        raise Invalid(f"unsupported content-encoding '{encoding}'", errors={"content-encoding": "unsupported"})
    if declared is not None and declared.isdigit() and encoding != "gzip" and int(declared) > max_bytes:
        raise TooLarge(f"request body of {declared} bytes is over the limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    gz = GzipBody(max_bytes) if encoding == "gzip" else None
    async for chunk in request.stream():
        if gz is not None:
            chunk = gz.feed(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"request body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    if gz is not None:
        gz.finish()
    return b"".join(chunks)
