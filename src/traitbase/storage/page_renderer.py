"""The page-scan renderer: Debian's Chromium driven by Playwright for Python (``pip install traitbase[scan]``).

Never a downloaded browser: ``executable_path`` is the ``scan_chromium_path`` setting (``apt-get install
chromium``). One browser per scan keeps scans independent (no cookies or cache shared between
tenants) and a crashed page cannot poison the next scan; a module lock runs one scan at a time per
process because a Chromium costs a few hundred MB. Unless private addresses are allowed, every request
the page makes — the page itself, each redirect hop, its resources and WebSockets — passes the URL
rule first (``scan_guard``, with the rule of ``domain/scan/urls``), so a scan cannot be pointed into
the server's own network.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from traitbase.errors import Invalid, Unavailable
from traitbase.storage.scan_guard import NetworkGuard, Refusal

Clip = tuple[int, int, int, int]  # x, y, width, height in page pixels

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SECTION_DEPTH = 4
_ONE_AT_A_TIME = threading.Lock()

# Collected in the page: the body and its descendants a few levels down, with page-pixel geometry and a
# selector the tracker's querySelector will find again (an id when unique, else an nth-of-type path).
_SECTIONS_JS = """
(depth) => {
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "LINK", "META", "svg"]);
  const sy = window.scrollY;
  const path = (el) => {
    const parts = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const tag = n.tagName.toLowerCase();
      if (n.id && /^[A-Za-z][\\w-]*$/.test(n.id) && document.querySelectorAll("#" + n.id).length === 1) {
        parts.unshift("#" + n.id);
        break;
      }
      if (tag === "body" || tag === "html") { parts.unshift(tag); break; }
      const same = [...n.parentElement.children].filter((s) => s.tagName === n.tagName);
      parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(n) + 1})` : tag);
    }
    return parts.join(" > ");
  };
  const box = (el, d) => {
    const r = el.getBoundingClientRect();
    const h = el.querySelector("h1, h2, h3");
    return {
      tag: el.tagName.toLowerCase(), selector: path(el), top: Math.round(r.top + sy), height: Math.round(r.height),
      id: el.id || "", label: el.getAttribute("aria-label") || "",
      heading: h ? (h.innerText || h.textContent || "").trim().slice(0, 200) : "",
      children: d > 0 ? [...el.children].filter((c) => !skip.has(c.tagName)).map((c) => box(c, d - 1)) : [],
    };
  };
  return box(document.body, depth);
}
"""
_LOCATE_JS = """
(sel) => {
  let el;
  try { el = document.querySelector(sel); } catch (e) { return null; }
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return [Math.round(r.left + scrollX), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)];
}
"""
_SIZE_JS = """
() => {
  const r = document.documentElement, b = document.body;
  return [Math.max(r.scrollWidth, b ? b.scrollWidth : 0), Math.max(r.scrollHeight, b ? b.scrollHeight : 0)];
}
"""


class RenderedPage:
    """A loaded page: its size, its section tree (plain dicts), element boxes and screenshots."""

    def __init__(self, page: Any) -> None:
        self._page = page
        self.width, self.height = (int(v) for v in page.evaluate(_SIZE_JS))

    def sections(self) -> dict[str, Any]:
        tree: dict[str, Any] = self._page.evaluate(_SECTIONS_JS, SECTION_DEPTH)
        return tree

    def locate(self, selector: str) -> Clip | None:
        found = self._page.evaluate(_LOCATE_JS, selector)
        if not found or found[3] <= 0:
            return None
        return int(found[0]), int(found[1]), int(found[2]), int(found[3])

    def screenshot(self, clip: Clip | None = None) -> bytes:
        if clip is None:
            shot: bytes = self._page.screenshot(full_page=True, type="png")
            return shot
        area = {"x": clip[0], "y": clip[1], "width": clip[2], "height": clip[3]}
        shot = self._page.screenshot(full_page=True, clip=area, type="png")
        return shot


class PlaywrightRenderer:
    """``Renderer`` over Playwright's sync API; call from a worker thread (not the event loop)."""

    def __init__(self, chromium: Path, *, timeout_seconds: float, refuse: Refusal | None) -> None:
        self.chromium = chromium
        self.timeout_ms = timeout_seconds * 1000
        self.refuse = refuse  # a URL -> why the page may not fetch it; None: no rule, no interception

    def _load(self, context: Any, url: str, guard: NetworkGuard | None, error: type[Exception]) -> Any:
        """A page with ``url`` loaded; a redirect of the page itself is followed by loading its end, checked."""
        for _ in range(2):
            page = context.new_page()
            try:
                response = page.goto(url, wait_until="load", timeout=self.timeout_ms)
            except error as exc:
                if guard is not None and guard.redirected_to and guard.redirected_to != url:
                    # A fresh page: the refused navigation is still turning into an error page in the old one.
                    url, guard.redirected_to = guard.redirected_to, None
                    page.close()
                    continue
                first_line = str(getattr(exc, "message", exc)).splitlines()[0]
                raise Invalid(f"the page could not be loaded: {first_line}") from None
            if response is None or response.status >= 400:
                status = response.status if response else "no response"
                raise Invalid(f"the page answered {status}", errors={"url": f"HTTP {status}"})
            return page
        raise Invalid("the page could not be loaded: it keeps redirecting")

    @contextmanager
    def open(
        self, url: str, *, width: int, height: int, user_agent: str | None, mobile: bool
    ) -> Iterator[RenderedPage]:
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise Unavailable("page scans need Playwright: pip install 'traitbase[scan]'") from None
        if not self.chromium.exists():
            raise Unavailable(f"page scans need Chromium at {self.chromium} (apt-get install -y chromium)")
        with _ONE_AT_A_TIME, sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(
                    executable_path=str(self.chromium), args=list(CHROMIUM_ARGS), headless=True
                )
            except PlaywrightError as exc:
                raise Unavailable(f"Chromium could not be started for the scan: {exc.message}") from None
            try:
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    screen={"width": width, "height": height},
                    user_agent=user_agent,
                    is_mobile=mobile,
                    has_touch=mobile,
                    service_workers="block",
                )
                context.set_default_timeout(self.timeout_ms)

                guard = NetworkGuard(self.refuse) if self.refuse is not None else None
                if guard is not None:
                    guard.install(context)
                page = self._load(context, url, guard, PlaywrightError)
                # Late content (fonts, lazy sections) settles; a page that never idles is scanned as it is.
                with suppress(PlaywrightError):
                    page.wait_for_load_state("networkidle", timeout=min(self.timeout_ms, 5000))
                yield RenderedPage(page)
            finally:
                browser.close()
