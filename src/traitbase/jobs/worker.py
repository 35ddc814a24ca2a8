"""``python -m traitbase.jobs.worker`` (and ``traitbase worker``): a process that only runs jobs.

Scale mode runs any number of these next to the API processes, all claiming from the same
PostgreSQL database. ``--once`` runs jobs until none is runnable, then exits.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from traitbase.config import Settings
from traitbase.jobs.registry import Resources, load_handlers
from traitbase.jobs.runner import Worker, WorkerPool
from traitbase.limits import Limits
from traitbase.logs import configure_logging
from traitbase.security import Signer, load_master_key
from traitbase.storage.blobs import open_blob_store
from traitbase.storage.db import Database, migrate
from traitbase.storage.warehouse.engines import engine_for

log = logging.getLogger(__name__)


def open_resources(settings: Settings) -> Resources:
    # A shared warehouse (ClickHouse) is opened here too, so every job kind runs in this process;
    # the embedded DuckDB file stays with the server process.
    engine = engine_for(settings)
    return Resources(
        settings=settings,
        db=Database(settings),
        blobs=open_blob_store(settings),
        signer=Signer(load_master_key(settings)),
        limits=Limits.from_settings(settings),
        warehouse=engine.open(settings) if engine.shared else None,
    )


def run(settings: Settings, *, once: bool = False, workers: int | None = None) -> int:
    """Run jobs until SIGTERM/SIGINT (or, with ``once``, until the queue is idle). Returns jobs run when once."""
    configure_logging(settings.log_level, json=settings.log_json)
    if settings.auto_migrate:
        migrate(settings)
    res = open_resources(settings)
    load_handlers()
    try:
        if once:
            return Worker(res, name="once", stop=threading.Event(), wake=threading.Event()).run_until_idle()
        pool = WorkerPool(res, count=workers or max(1, settings.job_workers))
        done = threading.Event()

        def _stop(_sig: int, _frame: FrameType | None) -> None:
            done.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        pool.start()
        log.info("worker started with %d threads", pool.count)
        done.wait()
        pool.stop()
        return 0
    finally:
        if res.warehouse is not None:
            res.warehouse.close()
        res.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="traitbase worker", description="Run background jobs.")
    parser.add_argument("--data-dir", type=Path, default=None, help="data directory (overrides TRAITBASE_DATA_DIR)")
    parser.add_argument("--once", action="store_true", help="run jobs until none is runnable, then exit")
    parser.add_argument("--workers", type=int, default=None, help="worker threads (default: job_workers, min 1)")
    args = parser.parse_args(argv)
    overrides = {"data_dir": args.data_dir} if args.data_dir is not None else {}
    settings = Settings(**overrides)
    run(settings, once=args.once, workers=args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
