"""Page scans over the admin API (issue 12 point 7): render a URL an admin names, store its screenshots.

``POST /admin/v1/projects/{project_id}/scans`` renders the page in headless Chromium for one device
type and answers with signed screenshot URLs for the page and each block (configured, given in the
body, or proposed from the page's sections). Only admins start scans, and a scan loads only the URL in
the request — public requests never make the server fetch anything. The screenshot route needs no key:
its signature is the credential, so the URL works in an ``<img>`` tag until it expires.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from traitbase.domain.scan import service as scans
from traitbase.faces.admin import envelope
from traitbase.faces.admin.router import Admin
from traitbase.faces.common.auth import ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin", "scan"])


class BlockIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    selector: str | None = Field(None, max_length=1000, description="CSS selector of the block.")
    top: int | None = Field(None, ge=0, description="Pixel band: top edge in page pixels.")
    bottom: int | None = Field(None, ge=1, description="Pixel band: bottom edge in page pixels.")


class ScanIn(BaseModel):
    url: str = Field(min_length=1, max_length=4000, description="The page to render (http or https).")
    device: Literal["PC", "MOBILE", "TABLET"] = Field("PC", description="Device type to emulate.")
    blocks: list[BlockIn] | None = Field(
        None, description="Blocks to screenshot; none configured or given: blocks are proposed from the page."
    )


def _hooks(request: Request) -> scans.ScanHooks:
    return ctx_of(request).scan_hooks


def _signed(request: Request, result: dict[str, Any]) -> dict[str, Any]:
    ctx = ctx_of(request)
    expires = int(time.time()) + ctx.settings.scan_screenshot_url_seconds
    base = ctx.settings.public_url or str(request.base_url)
    return scans.with_urls(result, lambda key: scans.shot_url(ctx.signer, base, key, expires=expires))


@router.post("/projects/{project_id}/scans", status_code=201)
async def start_scan(request: Request, project_id: str, body: ScanIn, p: Admin) -> Response:
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        project = scans.project_for_scan(s, p, project_id)
    scan = scans.scan_request(
        project, body.model_dump(exclude_none=True), allow_private=ctx.settings.scan_allow_private_addresses
    )
    renderer = scans.playwright_renderer(ctx.settings)
    # Playwright's sync API and Chromium's screenshots block: off the event loop, in a worker thread.
    result = await run_in_threadpool(scans.run_scan, scan, renderer=renderer, blobs=ctx.blobs, hooks=_hooks(request))
    return envelope.ok(_signed(request, result), status=201)


@router.get("/projects/{project_id}/scans/{scan_id}")
def get_scan(request: Request, project_id: str, scan_id: str, p: Admin) -> Response:
    """A stored scan again, with freshly signed screenshot URLs."""
    ctx = ctx_of(request)
    with ctx.db.read() as s:
        project = scans.project_for_scan(s, p, project_id)
    return envelope.ok(_signed(request, scans.load_scan(ctx.blobs, project, scan_id)))


@router.get("/scan-shots/{project_id}/{scan_id}/{file}", response_class=Response)
def scan_shot(
    request: Request, project_id: str, scan_id: str, file: str, expires: int = 0, signature: str = ""
) -> Response:
    """A stored screenshot (PNG); the signed URL from a scan answer is the only credential."""
    ctx = ctx_of(request)
    chunks = scans.verified_shot(ctx.signer, ctx.blobs, project_id, scan_id, file, expires, signature)
    return StreamingResponse(chunks, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
