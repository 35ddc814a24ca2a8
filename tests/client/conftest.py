"""SDK fixtures: clients wired to the real app in-process, and transports that record or inject faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Env
from traitbase.client import Client, RetryPolicy

BASE = "http://testserver"
# Short backoff so retry tests wait for Retry-After only, not for the default exponential steps.
FAST_RETRY = RetryPolicy(attempts=4, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)


class Recorder(httpx.BaseTransport):
    """Passes requests to the real app; first answers with each injected fault (a response or an error)."""

    def __init__(self, inner: httpx.BaseTransport, faults: list[httpx.Response | Exception] | None = None) -> None:
        self.inner = inner
        self.faults = list(faults or [])
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault
        return self.inner.handle_request(request)

    def bodies(self) -> list[Any]:
        return [orjson.loads(r.content) for r in self.requests if r.content]


class AsyncRecorder(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, faults: list[httpx.Response | Exception] | None = None) -> None:
        self.inner = inner
        self.faults = list(faults or [])
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault
        return await self.inner.handle_async_request(request)


def too_many(retry_after: str = "1") -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": retry_after}, json={"code": 429, "message": "slow down"})


def recorder(env: Env, faults: list[httpx.Response | Exception] | None = None) -> Recorder:
    return Recorder(env.transport, faults)


def sdk(env: Env, token: str, transport: httpx.BaseTransport | None = None, **kw: Any) -> Client:
    return Client(BASE, token, transport=transport or env.transport, **kw)


@pytest.fixture
def upload_token(env: Env) -> str:
    return env.key(["upload"])


@pytest.fixture
def admin(env: Env) -> Iterator[Client]:
    with sdk(env, env.boot.admin_token) as c:
        yield c


class LoseAnswerOnce(httpx.BaseTransport):
    """Forwards every request to the app; the first ``times`` answers are lost after the server handled them.

    ``fault`` is raised (a dropped connection) or returned (e.g. a 503 from a proxy) in their place.
    """

    def __init__(self, inner: httpx.BaseTransport, fault: httpx.Response | Exception, times: int = 1) -> None:
        self.inner = inner
        self.fault = fault
        self.times = times
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.inner.handle_request(request)
        if self.times > 0:
            self.times -= 1
            answer.read()
            answer.close()
            if isinstance(self.fault, Exception):
                raise self.fault
            return self.fault
        return answer


def key_parts(token: str) -> tuple[str, str]:
    key_id, secret = token.removeprefix("tb-").split(".", 1)
    return key_id, secret


@pytest.fixture
def env_project(env: Env) -> str:
    return env.boot.project_id
