"""Reading request bodies under a cap: refused before parsing, gzip counted decompressed."""

from __future__ import annotations

import zlib

from starlette.requests import Request

from traitbase.errors import Invalid, TooLarge


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
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    async for chunk in request.stream():
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes + 1 - size)
            except zlib.error:
                raise Invalid("request body is not valid gzip", errors={"body": "bad gzip"}) from None
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"request body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
