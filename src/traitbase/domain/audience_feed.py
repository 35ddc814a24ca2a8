"""Feeding one audience file to the warehouse through a named pipe, checking it on the way.

A load used to inflate a ``.gz`` file once in Python to refuse bombs and non-gzip data, then
have DuckDB inflate it again inside the load. Now the file is inflated exactly once, here, on
its own thread (zlib releases the GIL), while DuckDB's ``read_csv`` parses the plain lines from
a FIFO and inserts them on the writer thread: the check costs no extra pass and runs on the
other core. Memory stays constant (one chunk plus the pipe's buffer).

Nothing can reach the audience's stored members before the checks pass: the rows land in the
writer's open transaction as a new version beside the live one, the feed's outcome is checked
(``Feed.__exit__`` raises) before the load deletes anything or commits, and a raise rolls the
whole transaction back. A bomb stops the feed at the size limit (DuckDB sees the end of the
file), so it never costs more than that many bytes of work.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

from traitbase.errors import Invalid

GZIP_MAGIC = b"\x1f\x8b"
_OUT = 1024 * 1024  # most bytes one inflate call may produce: a bomb never fills memory
_HEADER_PEEK = 256  # a first line longer than this is not a header


def _widen(fd: int) -> None:
    # A pipe holds 64 KiB by default: the reader would wake for every 64 KiB. A 1 MiB pipe (the
    # unprivileged maximum on Linux) lets DuckDB read in large blocks; elsewhere keep the default.
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, set_size, _OUT)


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


class Feed:
    """A context manager: while open, a thread writes the checked plain lines into ``fifo``.

    ``open_chunks`` is called afresh on each entry (the writer may run a step twice when a group
    commit is retried). On exit the pipe is released even if DuckDB never opened it, the thread
    is joined, and the feed's own error (not gzip, bomb, truncated) is raised.
    """

    def __init__(
        self,
        fifo: Path,
        open_chunks: Callable[[], Iterator[bytes]],
        *,
        compressed: bool,
        max_decompressed_bytes: int,
        is_header: Callable[[str], bool],
    ) -> None:
        self.fifo = fifo
        self._open_chunks = open_chunks
        self._compressed = compressed
        self._max = max_decompressed_bytes
        self._is_header = is_header
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _pieces(self) -> Iterator[bytes]:
        chunks = self._open_chunks()
        plain = inflate(chunks, max_decompressed_bytes=self._max) if self._compressed else chunks
        return without_header(plain, self._is_header)

    def _pump(self) -> None:
        try:
            # open() blocks until the reader opens the pipe; a broken pipe means the reader stopped
            # (its own error is the one reported).
            with contextlib.suppress(BrokenPipeError), open(self.fifo, "wb") as out:
                _widen(out.fileno())
                for piece in self._pieces():
                    out.write(piece)
        except BaseException as exc:  # reported by __exit__ on the writer thread
            self._error = exc

    def __enter__(self) -> Path:
        self._error = None
        self._thread = threading.Thread(target=self._pump, name="audience-feed", daemon=True)
        self._thread.start()
        return self.fifo

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._thread is not None
        self._release_writer()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _release_writer(self) -> None:
        # If the reader never opened the pipe (the query failed first), the pump is still blocked
        # in open(); opening the read end without blocking lets it through to a broken pipe.
        while self._thread is not None and self._thread.is_alive():
            try:
                fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:  # pragma: no cover - the FIFO is ours and exists
                if exc.errno != errno.ENOENT:
                    raise
                return
            os.close(fd)
            self._thread.join(0.05)
