"""One page scan: render the page for a device, screenshot it whole and block by block, store the images.

The browser is behind ``Renderer`` (``storage/page_renderer.py`` drives Chromium through Playwright;
tests may pass a fake). Screenshots go to the blob store under ``scans/<project>/<scan id>/`` beside a
``scan.json`` that describes them, and are handed out as signed, expiring URLs (``shot_url``), the
same scheme as import error logs: the signature is the only credential, so an ``<img src>`` works.

The page configuration is another module's: ``ScanHooks`` is how a scan reads a page's configured
blocks and hands back its proposals. By default a scan uses the blocks given in the request and
proposes blocks when there are none.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

import orjson
from sqlalchemy.orm import Session

from traitbase.config import Settings
from traitbase.domain import access
from traitbase.domain.keys.principal import Principal
from traitbase.domain.scan.propose import ProposedBlock, propose_blocks, section_from_raw
from traitbase.domain.scan.urls import check_scan_url, refusal
from traitbase.errors import Forbidden, Invalid, NotFound
from traitbase.security import Signer
from traitbase.storage.blobs import BlobStore

Device = Literal["PC", "MOBILE", "TABLET"]
SIGN_PURPOSE = "scan-shot"
MAX_SHOT_HEIGHT = 16384  # px: Chromium cannot capture taller images in one piece
_SCAN_ID = re.compile(r"^[0-9a-f]{32}$")
_SHOT = re.compile(r"^(page|block-\d{1,3})\.png$")
MAX_BLOCKS = 200


@dataclass(frozen=True)
class DeviceProfile:
    """How a device type is emulated: its viewport, user agent, and touch/mobile flags."""

    width: int
    height: int
    user_agent: str | None  # None: the browser's own (desktop) user agent
    mobile: bool


DEVICES: dict[str, DeviceProfile] = {
    "PC": DeviceProfile(1366, 768, None, mobile=False),
    "MOBILE": DeviceProfile(
        390,
        844,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        mobile=True,
    ),
    "TABLET": DeviceProfile(
        820,
        1180,
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        mobile=True,
    ),
}


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


Clip = tuple[int, int, int, int]  # x, y, width, height in page pixels: the renderer's plain form


class RenderedPage(Protocol):
    """A page loaded in the browser, as the scan needs it (``storage/page_renderer.RenderedPage``)."""

    width: int
    height: int

    def sections(self) -> dict[str, Any]: ...

    def locate(self, selector: str) -> Clip | None: ...

    def screenshot(self, clip: Clip | None = None) -> bytes: ...


class Renderer(Protocol):
    def open(
        self, url: str, *, width: int, height: int, user_agent: str | None, mobile: bool
    ) -> AbstractContextManager[RenderedPage]: ...


@dataclass(frozen=True)
class BlockSpec:
    """A configured block: a CSS selector, or a pixel band (top/bottom in page pixels)."""

    name: str
    selector: str | None = None
    top: int | None = None
    bottom: int | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> BlockSpec:
        name = str(raw.get("name") or "").strip()
        selector = raw.get("selector")
        top, bottom = raw.get("top"), raw.get("bottom")
        if not name:
            raise Invalid("every block needs a name", errors={"blocks": "a block without a name"})
        if selector:
            return cls(name=name, selector=str(selector))
        if isinstance(top, int) and isinstance(bottom, int) and 0 <= top < bottom:
            return cls(name=name, top=top, bottom=bottom)
        raise Invalid(f"block {name!r} needs a selector or a pixel band (0 <= top < bottom)", errors={"blocks": name})


@dataclass(frozen=True)
class ScanRequest:
    project_id: str
    url: str
    device: Device
    blocks: list[BlockSpec] = field(default_factory=list)


def _none_configured(project_id: str, url: str, device: str) -> list[BlockSpec]:
    return []


def _keep_nothing(request: ScanRequest, proposals: list[ProposedBlock]) -> None:
    return None


@dataclass
class ScanHooks:
    """Where a scan meets the page configuration (owned elsewhere): read configured blocks, take proposals."""

    configured_blocks: Callable[[str, str, str], list[BlockSpec]] = _none_configured
    receive_proposals: Callable[[ScanRequest, list[ProposedBlock]], None] = _keep_nothing


def scan_prefix(project_id: str, scan_id: str) -> str:
    return f"scans/{project_id}/{scan_id}"


def _put(blobs: BlobStore, key: str, data: bytes) -> None:
    blobs.put_stream(key, iter([data]))


def _clip(box: Box, page_width: int) -> Box | None:
    top = max(0, box.y)
    height = min(box.height - (top - box.y), MAX_SHOT_HEIGHT)
    if height <= 0:
        return None
    return Box(x=0, y=top, width=max(1, page_width), height=height)


def run_scan(
    request: ScanRequest, *, renderer: Renderer, blobs: BlobStore, hooks: ScanHooks, now: float | None = None
) -> dict[str, Any]:
    """Render, screenshot and store; the answer is what ``scan.json`` holds (blob keys, not URLs)."""
    profile = DEVICES[request.device]
    configured = request.blocks or hooks.configured_blocks(request.project_id, request.url, request.device)
    scan_id = uuid.uuid4().hex
    prefix = scan_prefix(request.project_id, scan_id)
    opened = renderer.open(
        request.url, width=profile.width, height=profile.height, user_agent=profile.user_agent, mobile=profile.mobile
    )
    with opened as page:
        proposals: list[ProposedBlock] = []
        if not configured:
            proposals = propose_blocks(section_from_raw(page.sections()), page_height=page.height)
            configured = [BlockSpec(name=p.name, selector=p.selector) for p in proposals]
        _put(blobs, f"{prefix}/page.png", page.screenshot(None))
        blocks: list[dict[str, Any]] = []
        for i, spec in enumerate(configured[:MAX_BLOCKS]):
            found = page.locate(spec.selector) if spec.selector else None
            box = Box(*found) if found else None
            if box is None and spec.top is not None and spec.bottom is not None:
                box = Box(x=0, y=spec.top, width=page.width, height=spec.bottom - spec.top)
            clip = _clip(box, page.width) if box else None
            entry: dict[str, Any] = {
                "name": spec.name,
                "selector": spec.selector,
                "top": box.y if box else spec.top,
                "bottom": box.y + box.height if box else spec.bottom,
                "found": clip is not None,
                "screenshot": None,
            }
            if clip is not None:
                entry["screenshot"] = f"{prefix}/block-{i}.png"
                _put(blobs, entry["screenshot"], page.screenshot((clip.x, clip.y, clip.width, clip.height)))
            blocks.append(entry)
        result: dict[str, Any] = {
            "scan_id": scan_id,
            "project_id": request.project_id,
            "url": request.url,
            "device": request.device,
            "viewport": [profile.width, profile.height],
            "page": {"width": page.width, "height": page.height, "screenshot": f"{prefix}/page.png"},
            "proposed": bool(proposals),
            "blocks": blocks,
            "scanned_at": int(now if now is not None else time.time()),
        }
    _put(blobs, f"{prefix}/scan.json", orjson.dumps(result))
    if proposals:
        hooks.receive_proposals(request, proposals)
    return result


def load_scan(blobs: BlobStore, project_id: str, scan_id: str) -> dict[str, Any]:
    if not _SCAN_ID.fullmatch(scan_id):
        raise NotFound("scan not found")
    key = f"{scan_prefix(project_id, scan_id)}/scan.json"
    if not blobs.exists(key):
        raise NotFound("scan not found")
    with blobs.open(key) as fh:
        data: dict[str, Any] = orjson.loads(fh.read())
    return data


# --- signed screenshot URLs ------------------------------------------------------------------------


def shot_url(signer: Signer, base_url: str, key: str, *, expires: int) -> str:
    """``<base>/admin/v1/scan-shots/<project>/<scan>/<file>?expires=..&signature=..`` for a stored shot."""
    subject = key.removeprefix("scans/")
    sig = signer.sign(SIGN_PURPOSE, subject, expires)
    return f"{base_url.rstrip('/')}/admin/v1/scan-shots/{subject}?expires={expires}&signature={sig}"


def with_urls(result: dict[str, Any], url_for: Callable[[str], str]) -> dict[str, Any]:
    """The stored scan with each blob key replaced by a (signed) URL."""
    out = dict(result)
    out["page"] = dict(result["page"], screenshot_url=url_for(result["page"]["screenshot"]))
    del out["page"]["screenshot"]
    blocks = []
    for b in result["blocks"]:
        shown = {k: v for k, v in b.items() if k != "screenshot"}
        shown["screenshot_url"] = url_for(b["screenshot"]) if b.get("screenshot") else None
        blocks.append(shown)
    out["blocks"] = blocks
    return out


def verified_shot(
    signer: Signer, blobs: BlobStore, project_id: str, scan_id: str, file: str, expires: int, signature: str
) -> Iterator[bytes]:
    """The bytes of a shot whose URL signature holds (the signature is the only credential)."""
    subject = f"{project_id}/{scan_id}/{file}"
    if not (_SCAN_ID.fullmatch(scan_id) and _SHOT.fullmatch(file)) or not signer.verify(
        SIGN_PURPOSE, subject, expires, signature
    ):
        raise Forbidden("this screenshot link is invalid or has expired")
    key = f"scans/{subject}"
    if not blobs.exists(key):
        raise NotFound("screenshot not found")
    return blobs.iter_chunks(key)


def playwright_renderer(settings: Settings) -> Renderer:
    """The production renderer: Debian's Chromium through Playwright, every request checked by ``urls``."""
    from traitbase.storage.page_renderer import PlaywrightRenderer

    def refuse(url: str) -> str | None:
        # data: and blob: URLs are the page's own content, not a fetch from the network.
        if url.startswith(("data:", "blob:", "about:")):
            return None
        return refusal(url, allow_private=False)

    # With private addresses allowed there is nothing to refuse beyond the scan URL's own scheme (checked
    # before the scan starts), and the browser loads the page without interception.
    rule = None if settings.scan_allow_private_addresses else refuse
    return PlaywrightRenderer(settings.scan_chromium_path, timeout_seconds=settings.scan_timeout_seconds, refuse=rule)


def project_for_scan(s: Session, p: Principal, project_id: str) -> str:
    """The project id, if this admin key reaches the project (else 'not found', as every admin route)."""
    return access.admin_project(s, p, project_id).id


def scan_request(project_id: str, raw: dict[str, Any], *, allow_private: bool) -> ScanRequest:
    """A scan request from an admin's body: a URL it may load, a device type, optional blocks."""
    url = str(raw.get("url") or "")
    check_scan_url(url, allow_private=allow_private)
    device = str(raw.get("device") or "PC").upper()
    if device not in DEVICES:
        raise Invalid("device must be PC, MOBILE or TABLET", errors={"device": "unknown device type"})
    blocks = [BlockSpec.parse(b) for b in (raw.get("blocks") or [])]
    if len(blocks) > MAX_BLOCKS:
        raise Invalid(f"at most {MAX_BLOCKS} blocks per scan", errors={"blocks": "too many blocks"})
    return ScanRequest(project_id=project_id, url=url, device=cast(Device, device), blocks=blocks)
