"""Running one audience load: check the files, bulk-load them into the warehouse, switch versions.

Called by the background job with the load's id (the job stays thin). A load that fails — a
file that claims to be gzip and is not, a gzip bomb, an unreadable file — is marked ``Failed``
with the reason, and the audience keeps the members it had.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from traitbase.domain.audience_feed import Feed
from traitbase.errors import DomainError
from traitbase.storage.blobs import BlobStore
from traitbase.storage.db import Database
from traitbase.storage.repos import audiences as repo
from traitbase.storage.warehouse import audiences as members
from traitbase.storage.warehouse.base import Warehouse, WriteOp, Written


@dataclass(frozen=True)
class LoadLimits:
    max_decompressed_bytes: int
    max_id_length: int


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
        with tempfile.TemporaryDirectory(prefix="tb-audience-") as tmp:
            prepared = []
            for i, src in enumerate(sources):
                key = str(src["blob_key"])
                fifo = Path(tmp) / f"{i}.pipe"
                os.mkfifo(fifo, 0o600)
                # Each file is streamed from the blob store (no local copy, even from S3), checked
                # and inflated once on the way into DuckDB (domain.audience_feed).
                feed = Feed(
                    fifo,
                    functools.partial(blobs.iter_chunks, key),
                    compressed=key.lower().endswith(".gz"),
                    max_decompressed_bytes=limits.max_decompressed_bytes,
                    is_header=members.is_header,
                )
                dt = src.get("device_type")
                device_type = int(str(dt)) if dt is not None else None
                prepared.append(members.Source(device_type=device_type, lines=functools.partial(_entered, feed)))
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


def _entered(feed: Feed) -> Feed:
    return feed


def fail_load(db: Database, load_id: str, reason: str) -> None:
    with db.uow() as s:
        repo.update_load(s, load_id, status="Failed", error_reason=reason, updated_at=datetime.now(UTC))
