"""The one core both clients share: calls, retries and error mapping, with the I/O left to a driver.

An operation is a generator that yields ``Call`` objects and receives each call's decoded JSON
answer; it is written once and run by ``run_sync`` (``httpx.Client``) or ``run_async``
(``httpx.AsyncClient``). So batching, progress and totals exist in one copy for both clients.
An operation that polls yields ``Sleep`` between calls; each runner waits in its own way.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Protocol, TypeVar

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from traitbase import __version__
from traitbase.client.errors import APIError, AuthError, BadToken, Invalid, NotFound, RateLimited, Unreachable

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

DEFAULT_URL = "http://127.0.0.1:8600"


@dataclass(frozen=True)
class Call:
    """One HTTP request of an operation. ``idempotent`` calls may be retried after a 5xx or a lost answer.

    Every retry sends the same ``Call``, so its ``headers`` (an ``Idempotency-Key``) are the same
    on each attempt. ``files`` are sent as a streamed multipart body with the form ``data``;
    httpx rewinds a file to its start before each attempt. ``basic_auth`` replaces the bearer
    token with HTTP Basic (key id, secret) for this call.
    """

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    idempotent: bool = True
    headers: dict[str, str] | None = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, IO[bytes], str]] | None = None
    basic_auth: tuple[str, str] | None = None
    # More httpx request arguments (auth, a file body, ...), made anew for each attempt so a retry
    # re-reads its body; called with True for the async client, whose bodies must be async iterables.
    extra: Callable[[bool], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Sleep:
    """Yielded by a polling operation between calls; the runner sleeps (or awaits) this long."""

    seconds: float


Op = Generator[Call | Sleep, Any, T]


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry 429s, 5xx answers and connection errors.

    The wait before attempt n+1 is ``min(initial_backoff * 2**(n-1), max_backoff)`` plus up to
    ``jitter`` seconds at random; a ``Retry-After`` from the server raises it to at least that.
    A ``Retry-After`` longer than ``max_retry_after`` (e.g. a daily quota) is not waited out:
    ``RateLimited`` is raised at once.
    """

    attempts: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.5
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class RetryEvent:
    """Told to ``on_retry`` before each wait: which attempt failed, why, and how long the client waits."""

    attempt: int
    wait: float
    error: BaseException


@dataclass
class Core:
    """Configuration and the pure parts of talking to the server."""

    base_url: str
    token: str | None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    on_retry: Callable[[RetryEvent], None] | None = None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"User-Agent": f"traitbase-python/{__version__}", "Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h | (extra or {})

    def request_kwargs(self, call: Call, *, asynchronous: bool = False) -> dict[str, Any]:
        kw: dict[str, Any] = {"params": call.params}
        headers = dict(call.headers or {})
        if call.json is not None:
            kw["content"] = orjson.dumps(call.json)
            headers["Content-Type"] = "application/json"
        if call.files is not None:
            kw["files"] = call.files
            kw["data"] = call.data
        if call.basic_auth is not None:
            kw["auth"] = httpx.BasicAuth(*call.basic_auth)
        if headers:
            kw["headers"] = headers
        if call.extra is not None:
            kw |= call.extra(asynchronous)
        return kw

    def key_credentials(self) -> tuple[str, str]:
        """Key id and secret, the two halves of the token ``tb-<key id>.<secret>`` (for HTTP Basic faces)."""
        token = self.token or ""
        prefix, _, rest = token.partition("-")
        key_id, _, secret = rest.partition(".")
        if prefix != "tb" or not key_id or not secret:
            raise BadToken("this call needs an API key token of the form tb-<key id>.<secret>")
        return key_id, secret

    def retry_kwargs(self, call: Call) -> dict[str, Any]:
        policy = self.retry
        return {
            "stop": stop_after_attempt(max(1, policy.attempts)),
            "wait": _Wait(policy),
            "retry": retry_if_exception(lambda exc: retryable(exc, call, policy)),
            "reraise": True,
            "before_sleep": self._before_sleep,
        }

    def _before_sleep(self, state: RetryCallState) -> None:
        if self.on_retry is None or state.outcome is None:
            return
        wait = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception()
        if error is not None:
            self.on_retry(RetryEvent(attempt=state.attempt_number, wait=wait, error=error))

    def unreachable(self, exc: httpx.TransportError) -> Unreachable:
        return Unreachable(f"cannot reach {self.base_url}: {exc.__class__.__name__}: {exc}")


class _Wait:
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, state: RetryCallState) -> float:
        p = self.policy
        exponent = max(0, state.attempt_number - 1)
        wait = min(p.initial_backoff * 2.0**exponent, p.max_backoff) + random.uniform(0, p.jitter)
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            # Jitter on top of Retry-After keeps many clients told the same time from returning at once.
            wait = max(wait, retry_after + random.uniform(0, self.policy.jitter))
        return wait


def retryable(exc: BaseException, call: Call, policy: RetryPolicy) -> bool:
    """429 and 503 mean "not processed"; other 5xx and lost answers only for calls safe to repeat."""
    if isinstance(exc, RateLimited):
        return exc.retry_after is None or exc.retry_after <= policy.max_retry_after
    if isinstance(exc, APIError):
        return exc.status == 503 or (exc.status >= 500 and call.idempotent)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    return isinstance(exc, httpx.TransportError) and call.idempotent


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header, which may be a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_for(resp: httpx.Response) -> APIError:
    """The typed error of a failed answer, carrying the server's own message and body."""
    try:
        body: Any = resp.json()
    except ValueError:
        body = resp.text
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        message = (body if isinstance(body, str) and body else resp.reason_phrase) or "error"
    status = resp.status_code
    if status in (401, 403):
        return AuthError(status, message, body)
    if status == 404:
        return NotFound(status, message, body)
    if status == 429:
        return RateLimited(status, message, body, retry_after=parse_retry_after(resp.headers.get("retry-after")))
    if status in (400, 413, 422):
        errors = body.get("errors") if isinstance(body, dict) else None
        return Invalid(status, message, body, errors=errors if isinstance(errors, dict) else None)
    return APIError(status, message, body)


def decode(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        raise error_for(resp)
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        raise APIError(resp.status_code, "the server's answer is not JSON", resp.text) from None


class SyncRunner(Protocol):
    def __call__(self, op: Op[T]) -> T: ...


class AsyncRunner(Protocol):
    async def __call__(self, op: Op[T]) -> T: ...


def run_sync(http: httpx.Client, core: Core, op: Op[T]) -> T:
    def send(call: Call) -> Any:
        try:
            for attempt in Retrying(**core.retry_kwargs(call)):
                with attempt:
                    return decode(http.request(call.method, call.path, **core.request_kwargs(call)))
        except httpx.TransportError as exc:
            raise core.unreachable(exc) from exc
        raise AssertionError("tenacity either returns or raises")

    try:
        step = next(op)
        while True:
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
                step = op.send(None)
                continue
            try:
                answer = send(step)
            except Exception as exc:
                # Thrown into the operation so it can say how far it got; it re-raises.
                step = op.throw(exc)
            else:
                step = op.send(answer)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def run_async(http: httpx.AsyncClient, core: Core, op: Op[T]) -> T:
    async def send(call: Call) -> Any:
        try:
            async for attempt in AsyncRetrying(**core.retry_kwargs(call)):
                with attempt:
                    kw = core.request_kwargs(call, asynchronous=True)
                    return decode(await http.request(call.method, call.path, **kw))
        except httpx.TransportError as exc:
            raise core.unreachable(exc) from exc
        raise AssertionError("tenacity either returns or raises")

    try:
        step = next(op)
        while True:
            if isinstance(step, Sleep):
                await asyncio.sleep(step.seconds)
                step = op.send(None)
                continue
            try:
                answer = await send(step)
            except Exception as exc:
                step = op.throw(exc)
            else:
                step = op.send(answer)
    except StopIteration as stop:
        result: T = stop.value
        return result


def single(call: Call) -> Op[Any]:
    """An operation of one call whose answer is the ``data`` of the admin envelope."""
    answer = yield call
    return answer["data"] if isinstance(answer, dict) and "data" in answer else answer
