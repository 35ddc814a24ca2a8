"""Which warehouse a process opens, chosen by ``warehouse_url``'s scheme from a registry.

- unset (or ``duckdb:``): the embedded DuckDB file at ``warehouse_path``. One process may open
  it; the process holds ``<data_dir>/.lock`` (``fcntl.flock``) so a second server on the same data
  directory stops at start-up with one sentence instead of DuckDB's lock traceback.
- ``clickhouse://user:password@host:port/database``: a ClickHouse server any number of API and
  worker processes share.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from traitbase.config import Settings
from traitbase.storage.warehouse.base import Outcome, ReadResult, StoredAnswer, Warehouse, WriteOp


class DataDirInUse(RuntimeError):
    """Another process already serves this data directory (embedded mode)."""


@dataclass(frozen=True)
class Engine:
    open: Callable[[Settings], Warehouse]
    # Whether many processes may open it at once (then job workers open it too).
    shared: bool


def _open_duckdb(settings: Settings) -> Warehouse:
    from traitbase.storage.warehouse.duckdb import DuckDBWarehouse

    hold_data_dir_lock(settings.data_dir)
    try:
        wh = DuckDBWarehouse(
            settings.resolved_warehouse_path,
            max_batch_ops=settings.warehouse_writer_max_batch,
            max_batch_rows=settings.warehouse_writer_max_rows,
            read_timeout=settings.warehouse_read_timeout_seconds,
            read_max_rows=settings.warehouse_read_max_rows,
            idempotency_ttl=settings.idempotency_ttl_seconds,
            memory_limit=settings.warehouse_memory_limit,
            load_memory_limit=settings.warehouse_load_memory_limit,
            threads=settings.warehouse_threads,
            temp_dir=settings.resolved_warehouse_temp_dir,
        )
    except BaseException:
        release_data_dir_lock(settings.data_dir)
        raise
    return _Locked(wh, settings.data_dir)


class _Locked:
    """The embedded warehouse, holding the data directory's lock until it is closed."""

    def __init__(self, inner: Warehouse, data_dir: Path) -> None:
        self._inner = inner
        self._data_dir = data_dir
        self._released = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def submit(self, op: WriteOp) -> Future[Outcome]:
        return self._inner.submit(op)

    def submit_async(self, op: WriteOp) -> asyncio.Future[Outcome]:
        return self._inner.submit_async(op)

    def read(
        self, sql: str, params: Sequence[Any] = (), *, timeout: float | None = None, max_rows: int | None = None
    ) -> ReadResult:
        return self._inner.read(sql, params, timeout=timeout, max_rows=max_rows)

    def remembered(self, *, project: str, environment: str, key: str) -> StoredAnswer | None:
        return self._inner.remembered(project=project, environment=environment, key=key)

    def ping(self) -> None:
        self._inner.ping()

    def close(self) -> None:
        self._inner.close()
        if not self._released:
            self._released = True
            release_data_dir_lock(self._data_dir)


def _open_clickhouse(settings: Settings) -> Warehouse:
    from traitbase.storage.warehouse.clickhouse import ClickHouseWarehouse

    assert settings.warehouse_url is not None
    return ClickHouseWarehouse(
        settings.warehouse_url,
        max_batch_ops=settings.warehouse_writer_max_batch,
        max_batch_rows=settings.warehouse_writer_max_rows,
        linger=settings.warehouse_writer_linger_seconds,
        read_timeout=settings.warehouse_read_timeout_seconds,
        read_max_rows=settings.warehouse_read_max_rows,
        idempotency_ttl=settings.idempotency_ttl_seconds,
        pending_timeout=settings.warehouse_pending_seconds,
    )


ENGINES: dict[str, Engine] = {
    "duckdb": Engine(open=_open_duckdb, shared=False),
    "clickhouse": Engine(open=_open_clickhouse, shared=True),
}


def engine_for(settings: Settings) -> Engine:
    scheme = urlsplit(settings.warehouse_url).scheme if settings.warehouse_url else "duckdb"
    engine = ENGINES.get(scheme)
    if engine is None:
        raise ValueError(f"warehouse_url scheme {scheme!r} is not supported; use one of {sorted(ENGINES)}")
    return engine


def open_warehouse(settings: Settings) -> Warehouse:
    return engine_for(settings).open(settings)


_held: dict[Path, tuple[IO[str], int]] = {}
_held_lock = threading.Lock()


def hold_data_dir_lock(data_dir: Path) -> None:
    """Take ``<data_dir>/.lock`` for this process (counted, re-entrant); raise DataDirInUse if taken.

    Held until the last holder releases it or the process exits (the kernel drops a flock with its
    descriptor, even on SIGKILL), so a stale lock file never blocks a restart.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = (data_dir / ".lock").resolve()
    with _held_lock:
        if path in _held:
            handle, count = _held[path]
            _held[path] = (handle, count + 1)
            return
        handle = open(path, "a+")  # noqa: SIM115 - held open for the life of the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DataDirInUse(
                f"Another Traitbase server is already using the data directory {data_dir.resolve()} "
                f"(it holds {path}); stop it, or give this one another data directory."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _held[path] = (handle, 1)


def release_data_dir_lock(data_dir: Path) -> None:
    path = (data_dir / ".lock").resolve()
    with _held_lock:
        if path not in _held:
            return
        handle, count = _held.pop(path)
        if count > 1:
            _held[path] = (handle, count - 1)
            return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()
