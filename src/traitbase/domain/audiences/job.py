"""Running one audience load: check the files, bulk-load them into the warehouse, switch versions.

Called by the background job with the load's id (the job stays thin). A load that fails — a
file that claims to be gzip and is not, a gzip bomb, an unreadable file — is marked ``Failed``
with the reason, and the audience keeps the members it had.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from traitbase.domain.audiences.feed import unpack
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
    work_dir: Path | None = None  # where the plain copies go (the warehouse's temp dir); None: system temp


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
        if limits.work_dir is not None:
            limits.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tb-audience-", dir=limits.work_dir) as tmp:
            prepared = []
            unreadable = 0
            for i, src in enumerate(sources):
                key = str(src["blob_key"])
                plain = Path(tmp) / f"{i}.txt"
                # Streamed from the blob store (even from S3), checked and inflated once; nothing
                # reaches the warehouse writer unless every file passed (domain.audience_feed).
                unreadable += unpack(
                    blobs.iter_chunks(key),
                    plain,
                    compressed=key.lower().endswith(".gz"),
                    max_decompressed_bytes=limits.max_decompressed_bytes,
                    is_header=members.is_header,
                )
                dt = src.get("device_type")
                device_type = int(str(dt)) if dt is not None else None
                prepared.append(members.Source(path=plain, device_type=device_type))
            step = functools.partial(
                members.load_members,
                t=target,
                sources=prepared,
                file_format=fmt,
                max_id_length=limits.max_id_length,
            )
            outcome = warehouse.submit(WriteOp(step=step)).result()
            assert isinstance(outcome, Written)
            loaded: members.LoadCounts = outcome.value
            # Lines dropped before the load (not UTF-8) are failed lines like any other bad id.
            counts = replace(
                loaded,
                total_lines=loaded.total_lines + unreadable,
                failed_lines=loaded.failed_lines + unreadable,
            )
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
    # Only now may the older versions go: until the switch, readers still count the live one.
    warehouse.submit(WriteOp(step=functools.partial(members.drop_older_versions, t=target))).result()


def fail_load(db: Database, load_id: str, reason: str) -> None:
    with db.uow() as s:
        repo.update_load(s, load_id, status="Failed", error_reason=reason, updated_at=datetime.now(UTC))
