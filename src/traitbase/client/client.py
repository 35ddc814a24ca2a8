"""``Client`` and ``AsyncClient``: one configuration, one core, one namespace object per API area."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import TypeVar

import httpx

from traitbase.client._core import DEFAULT_URL, Core, Op, RetryEvent, RetryPolicy, run_async, run_sync
from traitbase.client._stream import stream_async, stream_sync
from traitbase.client.admin import Admin, AsyncAdmin
from traitbase.client.attributes import AsyncAttributes, Attributes
from traitbase.client.audiences import AsyncAudiences, Audiences
from traitbase.client.events import AsyncEvents, Events
from traitbase.client.experiences import AsyncExperiences, Experiences
from traitbase.client.imports import AsyncImports, Imports
from traitbase.client.pages import AsyncPages, Pages
from traitbase.client.query import Query
from traitbase.client.query_async import AsyncQuery

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 100  # the attribute face's per-request user limit (SPEC section 2)
DEFAULT_TIMEOUT = 30.0


class _Base:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        batch_size: int,
        retry: RetryPolicy | None,
        on_retry: Callable[[RetryEvent], None] | None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self._core = Core(self.base_url, token, retry or RetryPolicy(), on_retry)


class Client(_Base):
    """Synchronous client. ``transport`` replaces the network (tests pass an in-process app's)."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        super().__init__(base_url, token, batch_size=batch_size, retry=retry, on_retry=on_retry)
        self._http = httpx.Client(
            base_url=self.base_url, headers=self._core.headers(), timeout=timeout, transport=transport
        )
        self.attributes = Attributes(self._run, batch_size)
        self.admin = Admin(self._run)
        self.pages = Pages(self._run)
        self.experiences = Experiences(self._run)
        self.query = Query(self._run, token or "")
        self.imports = Imports(self._run, self._core)
        self.events = Events(self._run)
        self.audiences = Audiences(self._run, partial(stream_sync, self._http, self._core), token)

    def _run(self, op: Op[T]) -> T:
        return run_sync(self._http, self._core, op)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Base):
    """Asynchronous client (``async with AsyncClient(...) as c: await c.attributes.upload(rows)``)."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        super().__init__(base_url, token, batch_size=batch_size, retry=retry, on_retry=on_retry)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._core.headers(), timeout=timeout, transport=transport
        )
        self.attributes = AsyncAttributes(self._run, batch_size)
        self.admin = AsyncAdmin(self._run)
        self.pages = AsyncPages(self._run)
        self.experiences = AsyncExperiences(self._run)
        self.query = AsyncQuery(self._run, token or "")
        self.imports = AsyncImports(self._run, self._core)
        self.events = AsyncEvents(self._run)
        self.audiences = AsyncAudiences(self._run, partial(stream_async, self._http, self._core), token)

    async def _run(self, op: Op[T]) -> T:
        return await run_async(self._http, self._core, op)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
