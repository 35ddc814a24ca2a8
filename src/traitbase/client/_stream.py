"""Streamed answers (a CSV export): the request is retried like any call until its answer starts;
after that the body is read as it arrives, so a large answer is never held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager, contextmanager

import httpx
from tenacity import AsyncRetrying, Retrying

from traitbase.client._core import Call, Core, error_for

SyncStreamer = Callable[[Call], AbstractContextManager[httpx.Response]]
AsyncStreamer = Callable[[Call], AbstractAsyncContextManager[httpx.Response]]


def _failed(resp: httpx.Response) -> Exception:
    return error_for(resp)


@contextmanager
def stream_sync(http: httpx.Client, core: Core, call: Call) -> Iterator[httpx.Response]:
    resp: httpx.Response | None = None
    try:
        for attempt in Retrying(**core.retry_kwargs(call)):
            with attempt:
                request = http.build_request(call.method, call.path, **core.request_kwargs(call))
                resp = http.send(request, stream=True)
                if resp.status_code >= 400:
                    resp.read()
                    resp.close()
                    raise _failed(resp)
    except httpx.TransportError as exc:
        raise core.unreachable(exc) from exc
    assert resp is not None
    try:
        yield resp
    except httpx.TransportError as exc:
        raise core.unreachable(exc) from exc
    finally:
        resp.close()


@asynccontextmanager
async def stream_async(http: httpx.AsyncClient, core: Core, call: Call) -> AsyncIterator[httpx.Response]:
    resp: httpx.Response | None = None
    try:
        async for attempt in AsyncRetrying(**core.retry_kwargs(call)):
            with attempt:
                request = http.build_request(call.method, call.path, **core.request_kwargs(call, asynchronous=True))
                resp = await http.send(request, stream=True)
                if resp.status_code >= 400:
                    await resp.aread()
                    await resp.aclose()
                    raise _failed(resp)
    except httpx.TransportError as exc:
        raise core.unreachable(exc) from exc
    assert resp is not None
    try:
        yield resp
    except httpx.TransportError as exc:
        raise core.unreachable(exc) from exc
    finally:
        await resp.aclose()
