"""A thin client adapter for ClickHouse, so the warehouse never imports a driver directly.

``ClickHouseClient`` is what the warehouse needs: run a query under a time limit, insert
columns as data (never rows as SQL literals: inline ``VALUES`` through the native driver hung on
18.16, and data blocks are what ClickHouse inserts fastest), ping. ``DriverClient`` implements it
over ``clickhouse-driver`` (native protocol, works against 18.16); another client can replace it
by registering a factory in ``CLIENTS``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from traitbase.errors import Unavailable


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


class ClickHouseClient(Protocol):
    database: str

    def query(self, sql: str, *, settings: dict[str, Any] | None = None) -> QueryResult: ...

    def command(self, sql: str, *, settings: dict[str, Any] | None = None) -> None: ...

    def insert_columns(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int: ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


class ClickHouseTimeout(Exception):
    """The server stopped the query at its ``max_execution_time``."""


# Server error codes the adapter translates (ClickHouse ErrorCodes.cpp).
_TIMEOUT_EXCEEDED = 159


class DriverClient:
    """``clickhouse-driver`` connections in a small pool (a driver connection is not thread-safe)."""

    def __init__(self, url: str, *, pool_size: int = 8, connect_timeout: float = 5.0) -> None:
        from clickhouse_driver import Client

        parts = urlsplit(url)
        self.database = (parts.path or "/").lstrip("/") or "default"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 9000
        self._kwargs: dict[str, Any] = {
            "host": self._host,
            "port": self._port,
            "user": parts.username or "default",
            "password": parts.password or "",
            "database": self.database,
            "connect_timeout": connect_timeout,
            "send_receive_timeout": 300,
            "settings": dict(parse_qsl(parts.query)),
        }
        self._factory: Callable[[], Any] = lambda: Client(**self._kwargs)
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._closed = False

    def without_database(self) -> DriverClient:
        """The same server with the ``default`` database (to create the warehouse's own)."""
        other = DriverClient.__new__(DriverClient)
        other.__dict__.update(self.__dict__)
        other._kwargs = {**self._kwargs, "database": "default"}
        other.database = "default"
        other._factory = lambda: type(self._factory())(**other._kwargs)
        other._pool = queue.LifoQueue()
        other._slots = threading.BoundedSemaphore(2)
        return other

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        from clickhouse_driver.errors import NetworkError, SocketTimeoutError, UnexpectedPacketFromServerError

        self._slots.acquire()
        try:
            try:
                client = self._pool.get_nowait()
            except queue.Empty:
                client = self._factory()
            try:
                yield client
            except (NetworkError, SocketTimeoutError, UnexpectedPacketFromServerError, OSError, EOFError) as exc:
                client.disconnect()
                # The server is down or restarting: a retryable answer (503), not a failure of the request.
                raise Unavailable(f"the warehouse at {self._host}:{self._port} is unreachable", retry_after=1) from exc
            except BaseException:
                # A failed call may leave the connection mid-packet: drop it instead of reusing it.
                client.disconnect()
                raise
            self._pool.put(client)
        finally:
            self._slots.release()

    def query(self, sql: str, *, settings: dict[str, Any] | None = None) -> QueryResult:
        from clickhouse_driver.errors import ServerException

        with self._conn() as c:
            try:
                rows, types = c.execute(sql, settings=settings or {}, with_column_types=True)
            except ServerException as exc:
                if exc.code == _TIMEOUT_EXCEEDED:
                    raise ClickHouseTimeout(str(exc).splitlines()[0]) from exc
                raise
        # DateTime('UTC') columns come back timezone-aware; the warehouse speaks naive UTC (as DuckDB).
        stamps = [i for i, (_, t) in enumerate(types) if "DateTime" in t]
        out = [tuple(r) for r in rows]
        if stamps and out:
            out = [_naive(r, stamps) for r in out]
        return QueryResult(columns=[name for name, _ in types], rows=out)

    def command(self, sql: str, *, settings: dict[str, Any] | None = None) -> None:
        with self._conn() as c:
            c.execute(sql, settings=settings or {})

    def insert_columns(self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]) -> int:
        cols = ", ".join(f"`{c}`" for c in columns)
        with self._conn() as c:
            written = c.execute(f"INSERT INTO {table} ({cols}) VALUES", list(data), columnar=True)
        return int(written or 0)

    def ping(self) -> None:
        self.query("SELECT 1")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._pool.get_nowait().disconnect()
            except queue.Empty:
                return


def _naive(row: tuple[Any, ...], stamps: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in stamps:
        v = values[i]
        if isinstance(v, datetime) and v.tzinfo is not None:
            values[i] = v.astimezone(UTC).replace(tzinfo=None)
    return tuple(values)


# URL scheme -> client factory (a registry: another client registers its own scheme or replaces this).
CLIENTS: dict[str, Callable[[str], ClickHouseClient]] = {"clickhouse": DriverClient}


def connect(url: str) -> ClickHouseClient:
    scheme = urlsplit(url).scheme
    factory = CLIENTS.get(scheme)
    if factory is None:
        raise ValueError(f"no ClickHouse client for URL scheme {scheme!r}; known: {sorted(CLIENTS)}")
    return factory(url)
