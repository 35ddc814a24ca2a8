"""A seekable, buffered reader over one S3 object, made of ranged GETs.

Readers of stored files seek (a profile import resumes at a byte offset and sniffs gzip magic
first); S3's streaming body cannot. Each seek drops the open body and the next read starts a
``Range: bytes=<pos>-`` GET, so sequential reading is one request and memory stays one buffer.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO, cast

BUFFER_BYTES = 1024 * 1024


class _RangeRaw(io.RawIOBase):
    def __init__(self, get_from: Callable[[int], Any], size: int) -> None:
        self._get_from = get_from  # offset -> a body with .read(n) and .close()
        self._size = size
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = max(0, base + offset)
        if target != self._pos:
            self._drop()
            self._pos = target
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        if self._body is None:
            self._body = self._get_from(self._pos)
        data = self._body.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()


def open_ranged(get_from: Callable[[int], Any], size: int) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_RangeRaw(get_from, size), buffer_size=BUFFER_BYTES))
