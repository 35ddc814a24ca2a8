"""Running one audience load: check the files, bulk-load them into the warehouse, switch versions.

Called by the background job with the load's id (the job stays thin). A load that fails — a
file that claims to be gzip and is not, a gzip bomb, an unreadable file — is marked ``Failed``
with the reason, and the audience keeps the members it had.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from traitbase.errors import DomainError, Invalid
from traitbase.storage.blobs import BlobStore
from traitbase.storage.db import Database
from traitbase.storage.repos import audiences as repo
from traitbase.storage.warehouse import audiences as members
from traitbase.storage.warehouse.base import Warehouse, WriteOp, Written

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class LoadLimits:
    max_decompressed_bytes: int
    max_id_length: int


def check_gzip(chunks: Iterator[bytes], *, max_decompressed_bytes: int) -> int:
    """Inflate a gzip stream without keeping it, refusing non-gzip data and bombs; returns its size."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    size, first = 0, True
    for chunk in chunks:
        if first and not chunk.startswith(GZIP_MAGIC):
            raise Invalid("file is named .gz but is not gzip data")
        first = False
        data = chunk
        while data:
            try:
                # Bounded output per call: a bomb is caught before it fills memory.
                out = inflater.decompress(data, 1024 * 1024)
            except zlib.error:
                raise Invalid("file is not valid gzip data") from None
            size += len(out)
            if size > max_decompressed_bytes:
                raise Invalid(f"file decompresses to more than {max_decompressed_bytes} bytes")
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:
                # Concatenated gzip members are valid gzip: go on with the next member.
                data = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if first or not inflater.eof:
        raise Invalid("file is not valid gzip data (empty or truncated)")
    return size


def _read_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            yield chunk


@contextlib.contextmanager
def _local_copy(blobs: BlobStore, key: str) -> Iterator[Path]:
    """A path the warehouse can read: the file itself on local disk, a streamed temp copy otherwise."""
    path = blobs.local_path(key)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tb-audience-") as tmp:
        dest = Path(tmp) / key.rsplit("/", 1)[-1]
        with open(dest, "wb") as fh:
            for chunk in blobs.iter_chunks(key):
                fh.write(chunk)
        yield dest


def run_load(db: Database, blobs: BlobStore, warehouse: Warehouse, load_id: str, *, limits: LoadLimits) -> None:
    with db.uow() as s:
        load = repo.get_load(s, load_id)
        # Running too: a worker that died mid-load left it so; the load is idempotent per version.
        if load is None or load.status not in ("Pending", "Running"):
            return  # superseded, deleted, or already done
        repo.update_load(s, load_id, status="Running", updated_at=datetime.now(UTC))
        target = members.Target(
            project=load.project_id, environment=load.environment, audience_id=load.audience_id, version=load.version
        )
        fmt, sources = load.file_format, list(load.sources)
    try:
        with contextlib.ExitStack() as stack:
            prepared = []
            for src in sources:
                key = str(src["blob_key"])
                compressed = key.lower().endswith(".gz")
                path = stack.enter_context(_local_copy(blobs, key))
                if compressed:
                    check_gzip(_read_chunks(path), max_decompressed_bytes=limits.max_decompressed_bytes)
                dt = src.get("device_type")
                device_type = int(str(dt)) if dt is not None else None
                prepared.append(members.Source(path=path, device_type=device_type, compressed=compressed))
            step = functools.partial(
                members.load_members,
                t=target,
                sources=prepared,
                file_format=fmt,
                max_id_length=limits.max_id_length,
            )
            outcome = warehouse.submit(WriteOp(step=step)).result()
            assert isinstance(outcome, Written)
            counts: members.LoadCounts = outcome.value
    except (DomainError, OSError, RuntimeError, ValueError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else f"file could not be read: {exc}"
        with db.uow() as s:
            repo.update_load(s, load_id, status="Failed", error_reason=reason, updated_at=datetime.now(UTC))
        return
    now = datetime.now(UTC)
    with db.uow() as s:
        repo.update_load(
            s,
            load_id,
            status="Completed",
            total_lines=counts.total_lines,
            successful_lines=counts.successful_lines,
            failed_lines=counts.failed_lines,
            updated_at=now,
        )
        repo.set_live_version(s, target.audience_id, version=target.version, record_count=counts.record_count, now=now)


def fail_load(db: Database, load_id: str, reason: str) -> None:
    with db.uow() as s:
        repo.update_load(s, load_id, status="Failed", error_reason=reason, updated_at=datetime.now(UTC))
