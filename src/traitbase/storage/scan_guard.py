"""The network rule of a scanned page, enforced on every request it makes, each redirect hop included.

Playwright calls a route handler only for the first URL of a redirect chain and lets the browser
follow the rest by itself, so checking ``route.request.url`` alone would let ``https://public/`` →
``302 http://169.254.169.254/`` through. Here every request is fetched by the guard itself, one hop
at a time (``max_redirects=0``), each hop checked before it is fetched, and the browser is handed
the final answer: it never opens a connection of its own. A main-frame navigation that redirects is
not fulfilled under the wrong URL (relative links would break); the guard remembers where it ends
and the renderer navigates there instead, through the guard again. WebSockets pass the same rule.

DNS is resolved for the check and again for the fetch; an installation that must also stop DNS
rebinding restricts the server's egress at the network level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

MAX_HOPS = 10
Refusal = Callable[[str], str | None]  # a URL -> why it may not be fetched, or None


class Refused(Exception):
    pass


class NetworkGuard:
    def __init__(self, refuse: Refusal) -> None:
        self.refuse = refuse
        self.redirected_to: str | None = None  # where the last refused main-frame redirect chain ends

    def follow(self, fetch: Callable[[str], Any], url: str) -> tuple[Any, str]:
        """The final answer of ``url`` and the URL it came from, fetching and checking hop by hop."""
        for _ in range(MAX_HOPS):
            reason = self.refuse(url)
            if reason is not None:
                raise Refused(reason)
            answer = fetch(url)
            location = answer.headers.get("location")
            if 300 <= answer.status < 400 and location:
                url = urljoin(url, location)
                continue
            return answer, url
        raise Refused(f"more than {MAX_HOPS} redirects")

    def on_route(self, route: Any) -> None:
        from playwright.sync_api import Error as PlaywrightError

        request = route.request
        try:
            answer, final = self.follow(lambda u: route.fetch(url=u, max_redirects=0), request.url)
        except Refused:
            route.abort("blockedbyclient")
            return
        except PlaywrightError:
            route.abort("failed")
            return
        if final != request.url and request.is_navigation_request() and request.frame.parent_frame is None:
            self.redirected_to = final
            route.abort("blockedbyclient")
            return
        route.fulfill(response=answer)

    def on_websocket(self, ws: Any) -> None:
        url: str = ws.url
        as_http = "https" + url[3:] if url.startswith("wss:") else "http" + url[2:]
        if self.refuse(as_http) is not None:
            ws.close(code=1008, reason="blocked")
            return
        ws.connect_to_server()

    def install(self, context: Any) -> None:
        context.route("**/*", self.on_route)
        context.route_web_socket("**/*", self.on_websocket)
