"""Per-request cost of the framework around ``POST /v1/user/profiles``, in process (no network, no disk).

    python bench/route_overhead.py [--requests 3000]

Calls the ASGI app directly with a prebuilt 100-user request, its user-store writer replaced by
one that answers at once, and compares it with calling the route's handler alone: the
difference is what routing and the middleware stack cost a request. Figures are CPU time of the
calling thread, the least of 5 interleaved rounds (robust on a shared machine). Short.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from harness import bootstrap

from traitbase.app import create_app
from traitbase.config import Settings
from traitbase.domain.profiles.parse import UploadResult
from traitbase.faces.attributes.router import upload_profiles

BODY_USERS = 100
ROUNDS = 5


class InstantWriter:
    """Stands in for the user-store writer: every upload is answered at once, nothing is written."""

    def submit(self, fn: Callable[..., Any]) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(UploadResult(received=BODY_USERS, created=BODY_USERS, updated=0))
        return done

    def submit_async(self, fn: Callable[..., Any]) -> asyncio.Future[Any]:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(UploadResult(received=BODY_USERS, created=BODY_USERS, updated=0))
        return done

    def close(self, timeout: float = 0.0) -> None:
        return None


def _body() -> bytes:
    import orjson

    names = ["user_id", *[f"attr_{k:02d}" for k in range(20)]]
    rows = [[f"user-{j:07d}", *[f"v{k}" for k in range(20)]] for j in range(BODY_USERS)]
    return orjson.dumps({"field_name": names, "values": rows})


async def _time(call: Callable[[dict[str, Any], Any, Any], Any], scope: dict[str, Any], body: bytes, n: int) -> float:
    async def send(message: Any) -> None:
        return None

    start = time.thread_time()
    for _ in range(n):
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await call(dict(scope), receive, send)
    return (time.thread_time() - start) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tb-overhead-") as tmp:
        data = Path(tmp)
        _, token = bootstrap(data)
        app = create_app(Settings(data_dir=data, access_log=False, log_level="WARNING"))
        ctx = app.state.ctx
        ctx.writer.close()
        ctx.writer = InstantWriter()
        body = _body()
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/user/profiles",
            "raw_path": b"/v1/user/profiles",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8000),
            "app": app,
        }

        async def handler_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
            from starlette.requests import Request

            response = await upload_profiles(Request(scope, receive))
            await response(scope, receive, send)

        async def run() -> tuple[float, float]:
            await _time(app, scope, body, 200)  # warm-up (key cache, decoders)
            fulls, bares = [], []
            for _ in range(ROUNDS):  # interleaved; the least of each is the least disturbed
                fulls.append(await _time(app, scope, body, args.requests // ROUNDS))
                bares.append(await _time(handler_only, scope, body, args.requests // ROUNDS))
            return min(fulls), min(bares)

        full, bare = asyncio.run(run())
        ctx.close()
    print(f"whole app:        {full * 1e6:8.0f} us a request")
    print(f"handler alone:    {bare * 1e6:8.0f} us a request")
    print(f"framework around: {(full - bare) * 1e6:8.0f} us a request ({(full - bare) / full:.0%})")


if __name__ == "__main__":
    main()
