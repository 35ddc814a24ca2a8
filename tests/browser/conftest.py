"""Real-browser fixtures: Debian's Chromium driven by Playwright, and ASGI servers on 127.0.0.1 ports.

The browser is found and launched in one place (``launch_chromium``); a missing or broken Chromium
FAILS the run, it is never skipped, so CI cannot go green without the browser test having run.

The collector is one fixture (``collector``): an ASGI app wrapped in ``Recorder``, which keeps every
request it sees and the JSON body of every ``POST /collect``. Tests assert on those recorded batches in
the wire form of the /collect contract, so the stand-in below can be replaced by the real server
(``Recorder(create_app(settings))`` with the page configuration set through the admin API) without
touching a single assertion.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from traitbase.faces.collect import tracker_route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SITE_KEY = "site-test-key"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def chromium_path() -> str:
    """Debian's Chromium (``apt-get install -y chromium``); never a downloaded browser."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        pytest.fail(
            f"Chromium is required for the browser tests and is missing ({CHROMIUM}): apt-get install -y chromium"
        )
    return path


def launch_chromium(playwright: Any) -> Any:
    try:
        return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # a browser that cannot start fails the run; it is never skipped
        pytest.fail(f"Chromium could not be launched for the browser tests: {exc}")


# Module scope, not session: Playwright's sync API keeps an event loop running on this thread while
# it is open, which would break any later test in the same worker that calls asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is required for the browser tests: {exc}")
    with sync_playwright() as pw:
        b = launch_chromium(pw)
        try:
            yield b
        finally:
            b.close()


# --- servers -------------------------------------------------------------------------------------------


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServerThread:
    """One uvicorn server on a free 127.0.0.1 port, in a thread; stopped by the fixture that made it."""

    def __init__(self, app: ASGIApp, sock: socket.socket | None = None) -> None:
        self.sock = sock or bound_socket()
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                pytest.fail("a test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass
class Recorder:
    """ASGI middleware that records requests (method, path, headers) and every POSTed /collect body."""

    app: ASGIApp
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    config_queries: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.lock:
            self.requests.append((scope["method"], scope["path"], headers))
            if scope["path"] == "/collect/config":
                self.config_queries.append(dict(parse_qsl(scope["query_string"].decode("latin-1"))))
        if scope["method"] != "POST" or scope["path"] != "/collect":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        with self.lock:
            self.batches.append(json.loads(raw))
        replayed = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)

    def events(self) -> list[dict[str, Any]]:
        """Every recorded event, each with the batch's visitor, in arrival order."""
        with self.lock:
            return [dict(e, visitor=b["visitor"]) for b in self.batches for e in b["events"]]

    def wait_for(self, done: Callable[[list[dict[str, Any]]], bool], *, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Poll the recorded events until ``done`` holds (the browser's beacons arrive asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            if done(events):
                return events
            if time.monotonic() > deadline:
                pytest.fail(f"the collector did not receive the expected events in {timeout}s; got {events}")
            time.sleep(0.02)


@dataclass
class Collector:
    """What a browser test needs from a collector: where it is, its site key, and what it recorded."""

    origin: str
    site_key: str
    recorder: Recorder
    #: The stand-in's knobs (the real server ignores them): status codes to answer before the 204s.
    fail_next: list[int] = field(default_factory=list)


def stand_in_collector(configs: dict[str, dict[str, Any]], fail_next: list[int]) -> FastAPI:
    """The /collect contract's stand-in: the real /tb.js route, fixed configs per URL, POST /collect → 204."""
    app = FastAPI()
    app.include_router(tracker_route.router)
    cors = {"Access-Control-Allow-Origin": "*"}

    @app.get("/collect/config")
    def collect_config(site: str = "", url: str = "", device: str = "") -> Response:
        empty = {"blocks": [], "elements": [], "goals": [], "respect_dnt": True}
        known = site == SITE_KEY and device in ("PC", "MOBILE", "TABLET")
        body = configs.get(url, configs.get("*", empty)) if known else empty
        return JSONResponse(body, headers={**cors, "Cache-Control": "public, max-age=60"})

    @app.post("/collect")
    async def collect(request: Request) -> Response:
        await request.body()
        if fail_next:
            return Response(status_code=fail_next.pop(0), headers=cors)
        return Response(status_code=204, headers=cors)

    return app


GOALS = [
    {"name": "Thanks page", "type": "url", "match": "/thanks"},
    {"name": "Buy click", "type": "click", "match": "Buy button"},
    {"name": "Purchase", "type": "event", "match": "purchase"},
]


def page_configs(site_origin: str) -> dict[str, dict[str, Any]]:
    """The configuration per page URL ("*": every other page of the site). Goals belong to the project."""
    landing = {
        "blocks": [
            {"name": "Hero", "selector": "#hero"},
            {"name": "Features", "selector": "#features"},
            {"name": "Pricing", "selector": "#pricing"},
            {"name": "FAQ", "selector": "#faq"},
            {"name": "Footer", "selector": "#footer"},
            {"name": "Deep band", "top": 2900, "bottom": 3400},
        ],
        "elements": [
            {"name": "Buy button", "selector": "#buy", "cta": True},
            {"name": "Footer link", "selector": "#footer a", "cta": False},
        ],
        "goals": GOALS,
        "respect_dnt": True,
    }
    broken = {  # what a hand-edited configuration can hold: the tracker must still track what it can
        "blocks": [{"name": "Bad", "selector": "##"}, None, {"selector": "#x"}, {"name": "Hero", "selector": "#hero"}],
        "elements": [None, {"name": "Odd", "selector": ":::"}, {"name": "Buy button", "selector": "#buy"}],
        "goals": "not a list",
        "respect_dnt": True,
    }
    return {
        f"{site_origin}/": landing,
        f"{site_origin}/?broken": broken,
        "*": {"blocks": [], "elements": [], "goals": GOALS, "respect_dnt": True},
    }


@pytest.fixture
def site_socket() -> Iterator[socket.socket]:
    """The site's port, bound first: the page configuration is keyed by the site's URLs."""
    sock = bound_socket()
    yield sock
    sock.close()


def origin_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def collector(site_socket: socket.socket) -> Iterator[Collector]:
    """THE swappable fixture: replace its body with the real server to run the same assertions on it.

    With the real server: ``Recorder(create_app(settings))`` in the ``ServerThread``, a project whose site
    key goes in ``Collector.site_key``, and ``page_configs(origin_of(site_socket))`` stored through the
    admin API (the "*" entry's goals as project goals). Nothing else changes.
    """
    fail_next: list[int] = []
    recorder = Recorder(stand_in_collector(page_configs(origin_of(site_socket)), fail_next))
    with ServerThread(recorder) as server:
        yield Collector(origin=server.origin, site_key=SITE_KEY, recorder=recorder, fail_next=fail_next)


# --- the site that embeds the tracker ---------------------------------------------------------------------

SECTION_CSS = "body{margin:0;font:16px sans-serif} section{margin:0;overflow:hidden} h1,h2{margin:0}"


def landing_page(snippet: str) -> str:
    """Five sections stacked at known page offsets (0, 700, 1400, 2000, 2900; 3500 px tall in all)."""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Landing</title>
<style>{SECTION_CSS}
#buy{{position:absolute;left:583px;top:300px;width:200px;height:60px;display:block;text-align:center}}
</style>{snippet}</head><body>
<section id="hero" style="height:700px"><h1>Hero</h1></section>
<section id="features" style="height:700px"><h2>Features</h2></section>
<section id="pricing" style="height:600px;position:relative"><h2>Pricing</h2>
  <a id="buy" href="/thanks"><span>Buy   now</span></a></section>
<section id="faq" style="height:900px"><h2>FAQ</h2></section>
<section id="footer" style="height:600px"><a href="/about">About</a></section>
</body></html>"""


def thanks_page(snippet: str) -> str:
    # The queue stub: calls made before tb.js has loaded are replayed by it, in order.
    stub = '<script>window.tb = window.tb || {q: []}; tb.q.push(["conversion", "Purchase"]);</script>'
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Thanks</title>{stub}{snippet}</head>
<body><main id="done" style="height:400px"><h1>Thank you</h1></main></body></html>"""


@dataclass
class Site:
    origin: str
    requests: list[str]


@pytest.fixture
def site(collector: Collector, site_socket: socket.socket) -> Iterator[Site]:
    """The embedding site, on its own port: a different origin from the collector (cross-origin)."""
    snippet = f'<script src="{collector.origin}/tb.js?site={collector.site_key}" async></script>'
    pages = {"/": landing_page(snippet), "/thanks": thanks_page(snippet)}
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        seen.append(scope["path"])
        html = pages.get(scope["path"])
        body = (html or "not found").encode()
        headers = [(b"content-type", b"text/html; charset=utf-8" if html else b"text/plain")]
        await send({"type": "http.response.start", "status": 200 if html else 404, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    with ServerThread(app, site_socket) as server:
        yield Site(origin=server.origin, requests=seen)
