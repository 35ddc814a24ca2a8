"""The pieces of an audience-file upload and export that need no server: the token scheme, the
file's MD5, the upload bodies (with progress) and the parser of the members CSV."""

from __future__ import annotations

import csv
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import anyio.to_thread
import httpx

CHUNK = 1 << 20  # bytes read from the file at a time: hashing and sending use constant memory

# Mintegral device types and platforms (docs/audience-files.md), by name for callers and the CLI.
DEVICE_TYPES = {
    "imei": 1,
    "idfa": 2,
    "gaid": 3,
    "oaid": 4,
    "imei_md5": 6,
    "idfa_md5": 7,
    "gaid_md5": 8,
    "oaid_md5": 9,
    "idfv": 10,
    "idfv_md5": 11,
}
PLATFORMS = {"android": 1, "ios": 2, "mix": 3}
# Cells the server's export prefixes with a quote so a spreadsheet does not run them as formulas.
_ESCAPED = ("'=", "'+", "'-", "'@", "''")


@dataclass(frozen=True)
class FileProgress:
    """Told to an upload's progress callback: ``stage`` is "md5" (hashing the file) or "upload"."""

    stage: Literal["md5", "upload"]
    done: int
    total: int


FileProgressCallback = Callable[[FileProgress], None]


def code_of(value: int | str, names: dict[str, int], what: str) -> int:
    """A device type or platform given as its number or its name (case-insensitive)."""
    if isinstance(value, int):
        return value
    text = value.strip().lower()
    if text.isdigit():
        return int(text)
    if text not in names:
        raise ValueError(f"unknown {what} {value!r}; one of {', '.join(names)} or its number")
    return names[text]


def split_token(token: str | None) -> tuple[str, str]:
    """Key id and secret of a ``tb-<key id>.<secret>`` token: the token scheme signs with the secret."""
    if not token or not token.startswith("tb-") or "." not in token:
        raise ValueError("audience file uploads need a client token of the form tb-<key id>.<secret>")
    key_id, secret = token[3:].split(".", 1)
    return key_id, secret


def compute_token(secret: str, timestamp: int) -> str:
    inner = hashlib.md5(str(timestamp).encode(), usedforsecurity=False).hexdigest()
    return hashlib.md5((secret + inner).encode(), usedforsecurity=False).hexdigest()


class TokenAuth(httpx.Auth):
    """The audience files face's headers (access-key, timestamp, token), made anew for every attempt.

    The server accepts each token once, and a token depends only on the key and the second, so two
    calls in one second get successive timestamps (the server allows a window around its clock).
    """

    def __init__(self, token: str | None) -> None:
        self.key_id, self._secret = split_token(token)
        self._last = 0
        self._lock = threading.Lock()

    def _timestamp(self) -> int:
        with self._lock:
            self._last = max(int(time.time()), self._last + 1)
            return self._last

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        ts = self._timestamp()
        request.headers.pop("Authorization", None)
        request.headers.update(
            {"access-key": self.key_id, "timestamp": str(ts), "token": compute_token(self._secret, ts)}
        )
        yield request


class Bare(httpx.Auth):
    """No client credentials: a presigned URL carries its own proof, and a Bearer header would break an
    S3 signature (and must not reach a storage host)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.pop("Authorization", None)
        yield request


def file_md5(path: Path, progress: FileProgressCallback | None) -> tuple[str, int]:
    """Lowercase hex MD5 and size of a file, read a chunk at a time."""
    total = path.stat().st_size
    digest = hashlib.md5(usedforsecurity=False)
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(FileProgress("md5", done, total))
    return digest.hexdigest(), total


class _Counting:
    """A read-only file that reports how far it has been read; httpx's multipart encoder reads it."""

    def __init__(self, f: BinaryIO, total: int, progress: FileProgressCallback | None) -> None:
        self._f, self._total, self._progress = f, total, progress

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        if data and self._progress is not None:
            self._progress(FileProgress("upload", self._f.tell(), self._total))
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def fileno(self) -> int:
        return self._f.fileno()


@dataclass(frozen=True)
class FileBody:
    """The file as a request body, streamed; each attempt opens it again from the start."""

    path: Path
    size: int
    progress: FileProgressCallback | None
    # Files opened for POST forms (httpx reads them while sending); closed by ``close``.
    _opened: list[BinaryIO] = field(default_factory=list)

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()

    def put(self, asynchronous: bool) -> dict[str, Any]:
        content = self._async_chunks() if asynchronous else self._chunks()
        # A declared length keeps httpx from chunked encoding, which S3 refuses for a PUT.
        return {"content": content, "headers": {"Content-Length": str(self.size)}, "auth": Bare()}

    def post(self, fields: dict[str, str]) -> dict[str, Any]:
        handle = self.path.open("rb")
        self._opened.append(handle)
        f = _Counting(handle, self.size, self.progress)
        # Data fields precede the file in httpx's encoding, as S3 and OSS POST forms require.
        return {"data": fields, "files": {"file": (self.path.name, f, "application/octet-stream")}, "auth": Bare()}

    def _chunks(self) -> Iterator[bytes]:
        done = 0
        with self.path.open("rb") as f:
            while chunk := f.read(CHUNK):
                done += len(chunk)
                yield chunk
                if self.progress is not None:
                    self.progress(FileProgress("upload", done, self.size))

    async def _async_chunks(self) -> AsyncIterator[bytes]:
        done = 0
        with self.path.open("rb") as f:
            while chunk := await anyio.to_thread.run_sync(f.read, CHUNK):
                done += len(chunk)
                yield chunk
                if self.progress is not None:
                    self.progress(FileProgress("upload", done, self.size))


class MemberParser:
    """Member ids out of the export's CSV text, fed as it arrives: header dropped, quote escape undone."""

    def __init__(self) -> None:
        self._pending = ""
        self._header = True

    def feed(self, text: str) -> list[str]:
        self._pending += text
        end = self._pending.rfind("\n")
        if end < 0:
            return []
        region, self._pending = self._pending[: end + 1], self._pending[end + 1 :]
        if '"' not in region:
            cells = region[:-1].split("\n")  # the common case: no quoted cells in this region
        else:
            cells, rest = self._quoted(region)
            self._pending = rest + self._pending
        return self._clean(cells)

    def finish(self) -> list[str]:
        text, self._pending = self._pending, ""
        if not text:
            return []
        return self._clean([row[0] if row else "" for row in csv.reader([text])])

    @staticmethod
    def _quoted(region: str) -> tuple[list[str], str]:
        # Only whole records are parsed; a record whose quotes are still open waits for more text.
        cells: list[str] = []
        start = 0
        while (nl := region.find("\n", start)) >= 0:
            record = region[start : nl + 1]
            while record.count('"') % 2 and (more := region.find("\n", start + len(record))) >= 0:
                record = region[start : more + 1]
            if record.count('"') % 2:
                break
            row = next(csv.reader([record]), [])
            cells.append(row[0] if row else "")
            start += len(record)
        return cells, region[start:]

    def _clean(self, cells: list[str]) -> list[str]:
        if self._header and cells:
            self._header = False
            cells = cells[1:]
        return [c[1:] if c.startswith(_ESCAPED) else c for c in cells]
