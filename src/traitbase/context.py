"""The running server's shared objects, built once in the app's lifespan and reached by faces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from traitbase.config import Settings
from traitbase.domain.analytics.limits import QueryLimiter
from traitbase.domain.collect.ingest import Collector
from traitbase.domain.collect.setup import open_collector
from traitbase.domain.keys.tokenauth import TokenVerifier
from traitbase.domain.keys.verify import KeyVerifier
from traitbase.domain.scan.pages import page_config_hooks
from traitbase.domain.scan.service import ScanHooks
from traitbase.jobs.registry import Resources
from traitbase.jobs.runner import WorkerPool
from traitbase.limits import Limits
from traitbase.security import SecretBox, Signer, load_master_key
from traitbase.storage.blobs import BlobStore, open_blob_store
from traitbase.storage.db import Database
from traitbase.storage.ratelimit import RateLimiter
from traitbase.storage.replay import open_replay_guard
from traitbase.storage.repos import keys as key_repo
from traitbase.storage.warehouse.base import Warehouse
from traitbase.storage.warehouse.engines import open_warehouse as _open_engine
from traitbase.storage.windows import open_window_counters
from traitbase.storage.writer import GroupCommitWriter


@dataclass
class AppContext:
    settings: Settings
    db: Database
    writer: GroupCommitWriter
    verifier: KeyVerifier
    limiter: RateLimiter
    signer: Signer
    blobs: BlobStore
    warehouse: Warehouse
    limits: Limits
    # Encrypts the plain secrets of keys enabled for the audience-files token scheme (SPEC 9.5).
    key_box: SecretBox
    token_verifier: TokenVerifier
    # Receives tracker batches (POST /collect) for every project's site key.
    collector: Collector
    # How a page scan finds the blocks configured for the page it renders.
    scan_hooks: ScanHooks
    # The query API's plan budgets (per minute, per UTC day), shared by every API process via Redis.
    query_limiter: QueryLimiter
    jobs: WorkerPool | None = None

    @classmethod
    def open(cls, settings: Settings) -> AppContext:
        db = Database(settings)
        writer = GroupCommitWriter(
            db.engine,
            max_batch=settings.profile_writer_max_batch,
            linger=settings.profile_writer_linger_ms / 1000,
            lock=db.write_lock,
            name="profile-writer",
        )

        def touch(key_id: str, when: datetime) -> None:
            # Fire and forget: last-used time is advisory and must not slow the request.
            def apply(conn: Connection) -> None:
                key_repo.touch_key_conn(conn, key_id, when)

            writer.submit(apply)

        verifier = KeyVerifier(
            db,
            cache_seconds=settings.key_cache_seconds,
            touch_every=settings.key_last_used_resolution_seconds,
            touch=touch,
        )
        signer = Signer(load_master_key(settings))
        key_box = SecretBox.for_key_secrets(signer)
        limiter = RateLimiter(settings.redis_url, exact_max=settings.rate_limit_exact_max)
        warehouse = open_warehouse(settings)
        limits = Limits.from_settings(settings)
        return cls(
            settings=settings,
            db=db,
            writer=writer,
            verifier=verifier,
            limiter=limiter,
            signer=signer,
            blobs=open_blob_store(settings),
            warehouse=warehouse,
            limits=limits,
            key_box=key_box,
            token_verifier=TokenVerifier(
                db,
                box=key_box,
                guard=open_replay_guard(settings.redis_url) if settings.token_auth_single_use else None,
                window_seconds=settings.audience_token_window_seconds,
            ),
            collector=open_collector(
                settings, db=db, limiter=limiter, warehouse=warehouse, writer=writer, limits=limits.collect
            ),
            scan_hooks=page_config_hooks(db),
            query_limiter=QueryLimiter(settings.plan_limits, open_window_counters(settings.redis_url)),  # type: ignore[arg-type]
        )

    def start_workers(self) -> None:
        """Start the in-process job workers (``job_workers`` threads); idempotent."""
        if self.jobs is None:
            res = Resources(
                settings=self.settings,
                db=self.db,
                blobs=self.blobs,
                signer=self.signer,
                limits=self.limits,
                warehouse=self.warehouse,
            )
            self.jobs = WorkerPool(res, count=max(0, self.settings.job_workers))
            self.jobs.start()

    def wake_workers(self) -> None:
        """Tell idle in-process workers a job was just enqueued (others find it on their next poll)."""
        if self.jobs is not None:
            self.jobs.wake()

    def close(self) -> None:
        # Workers first: a running job stops at its next checkpoint and is released for resumption.
        if self.jobs is not None:
            self.jobs.stop()
            self.jobs = None
        self.warehouse.close()
        self.writer.close()
        self.db.dispose()


def open_warehouse(settings: Settings) -> Warehouse:
    # The engine comes from warehouse_url's scheme (storage/warehouse/engines.py's registry).
    return _open_engine(settings)
