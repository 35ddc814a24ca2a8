"""Blob storage: uploaded files, error logs and exports, streamed in and out, never held whole in memory.

``BlobStore`` is the interface every backend implements; ``LocalBlobStore`` keeps objects as
files under a directory (the embedded default). Object keys are chosen by the server, never by
a client, and are plain relative paths (``imports/<uuid>/source``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio
import anyio.to_thread

from traitbase.config import Settings
from traitbase.errors import NotFound, TooLarge

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,500}$")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    md5: str


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid blob key {key!r}")
    return key


class BlobStore(Protocol):
    backend: str

    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> BlobInfo: ...

    async def put_async(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None) -> BlobInfo: ...

    def open(self, key: str) -> BinaryIO: ...

    def iter_chunks(self, key: str, *, start: int = 0) -> Iterator[bytes]: ...

    def local_path(self, key: str) -> Path | None: ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def ping(self) -> None:
        """Raise if files can be neither stored nor read (for /readyz)."""
        ...


def _sync_file(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


class LocalBlobStore:
    """Objects as files. Writes go to a temporary file, are fsynced, then renamed into place."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".tmp").mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def ping(self) -> None:
        if not (self.root / ".tmp").is_dir() or not os.access(self.root / ".tmp", os.W_OK | os.X_OK):
            raise OSError(f"{self.root} is not a writable directory")

    def _tmp(self) -> Path:
        return self.root / ".tmp" / uuid.uuid4().hex

    def _commit(self, tmp: Path, key: str) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> BlobInfo:
        tmp = self._tmp()
        md5, size = hashlib.md5(usedforsecurity=False), 0
        try:
            with open(tmp, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"file is over the limit of {max_bytes} bytes")
                    md5.update(chunk)
                    fh.write(chunk)
                _sync_file(fh)
            self._commit(tmp, key)
        finally:
            tmp.unlink(missing_ok=True)
        return BlobInfo(key=key, size=size, md5=md5.hexdigest())

    async def put_async(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None) -> BlobInfo:
        """Like ``put_stream`` for an async source; hashing, writes and fsync run off the event loop."""
        tmp = self._tmp()
        md5, size = hashlib.md5(usedforsecurity=False), 0
        buffered: list[bytes] = []
        pending = 0
        try:
            with open(tmp, "wb") as fh:

                def flush(parts: list[bytes]) -> None:
                    for part in parts:
                        md5.update(part)
                        fh.write(part)

                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"file is over the limit of {max_bytes} bytes")
                    buffered.append(chunk)
                    pending += len(chunk)
                    if pending >= CHUNK:
                        await anyio.to_thread.run_sync(flush, buffered)
                        buffered, pending = [], 0
                await anyio.to_thread.run_sync(flush, buffered)
                await anyio.to_thread.run_sync(_sync_file, fh)
            await anyio.to_thread.run_sync(self._commit, tmp, key)
        finally:
            tmp.unlink(missing_ok=True)
        return BlobInfo(key=key, size=size, md5=md5.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise NotFound(f"no stored file {key}") from None

    def iter_chunks(self, key: str, *, start: int = 0) -> Iterator[bytes]:
        with self.open(key) as fh:
            fh.seek(start)
            while chunk := fh.read(CHUNK):
                yield chunk

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"no stored file {key}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _local_store(settings: Settings) -> BlobStore:
    return LocalBlobStore(settings.blob_dir or settings.data_dir / "blobs")


def _s3_store(settings: Settings) -> BlobStore:
    from traitbase.storage.blobs_s3 import S3BlobStore

    return S3BlobStore(settings)


BACKENDS: dict[str, Callable[[Settings], BlobStore]] = {"local": _local_store, "s3": _s3_store}


def open_blob_store(settings: Settings) -> BlobStore:
    """The blob store the settings name (``blob_backend``)."""
    return BACKENDS[settings.blob_backend](settings)
