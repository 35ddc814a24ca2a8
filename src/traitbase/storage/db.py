"""Engine, unit of work and migrations for the control plane and user store.

SQLite (embedded default) runs in WAL mode with ``synchronous=FULL`` so that a committed
transaction is on disk before the server answers; PostgreSQL is used as configured.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from traitbase.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(cache_mb: int | None, wal_autocheckpoint: int | None) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        if cache_mb is not None:
            # A negative size is in KiB. SQLite's default (2 MB) makes a bulk import re-read most
            # pages it updates from the OS; pages are only allocated as they are used.
            cur.execute(f"PRAGMA cache_size={-1024 * int(cache_mb)}")
        if wal_autocheckpoint is not None:
            # The commit that crosses this WAL size runs the checkpoint (copy back + fsync of the
            # database file). At 1,000 pages, a group commit of random-id upserts crossed it every
            # time; measured in docs/attributes.md.
            cur.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
        cur.close()

    return apply


def make_engine(
    url: str, *, writer: bool = True, cache_mb: int | None = None, wal_autocheckpoint: int | None = None
) -> Engine:
    """An engine for ``url``; on SQLite, ``cache_mb`` (the setting ``sqlite_cache_mb``) sizes each
    connection's page cache, and None keeps SQLite's default."""
    if url.startswith("sqlite"):
        # The sqlite3 module's own transaction handling is switched off so that
        # SQLAlchemy's BEGIN is the real one (and BEGIN IMMEDIATE can be issued for writers).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "isolation_level": None},
            pool_size=8,
            max_overflow=16,
        )
        event.listen(engine, "connect", _sqlite_pragmas(cache_mb, wal_autocheckpoint))

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the lock up front (no read-to-write upgrade that fails under WAL
            # when another process committed in between); readers never take it.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_migration_engine(url: str) -> Engine:
    return make_engine(url) if not url.startswith("sqlite") else create_engine(url, poolclass=NullPool)


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        cache_mb, pages = settings.sqlite_cache_mb, settings.sqlite_wal_autocheckpoint_pages
        self.engine = make_engine(self.url, cache_mb=cache_mb, wal_autocheckpoint=pages)
        self.dialect = self.engine.dialect.name
        self.read_engine = self.engine
        if self.dialect == "sqlite":
            self.read_engine = make_engine(self.url, writer=False, cache_mb=cache_mb, wal_autocheckpoint=pages)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time; serialising writers in process avoids busy waits.
        self.write_lock = threading.Lock() if self.dialect == "sqlite" else None

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        lock = self.write_lock
        if lock is not None:
            lock.acquire()
        try:
            with self._sessions() as session, session.begin():
                yield session
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (no lock taken on SQLite)."""
        # Closing (not rolling back) keeps loaded attributes readable after the block.
        with self._read_sessions() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(settings: Settings, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (idempotent)."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.resolved_database_url), revision)
