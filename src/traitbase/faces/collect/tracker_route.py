"""``GET /tb.js``: the minified tracker, cacheable and open to every origin (SPEC 6, the /collect contract).

The script is read once from the package (it is committed pre-built, see ``tools/build_tracker``) and
served with a strong ETag, so browsers revalidate cheaply after ``max-age`` and a new release reaches
every site within five minutes. ``site`` is not checked here: the script reads it from its own URL and
the collector authenticates every batch, so an unknown key learns nothing from this route.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

router = APIRouter(tags=["collect"])

SCRIPT_PATH = Path(__file__).resolve().parent / "tracker" / "tb.min.js"
CACHE_CONTROL = "public, max-age=300"


@lru_cache(maxsize=1)
def _script() -> tuple[bytes, str]:
    data = SCRIPT_PATH.read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _headers(etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
        # Pages that isolate themselves (COEP) may only embed scripts that opt in to being embedded.
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("/tb.js", response_class=Response, responses={200: {"content": {"application/javascript": {}}}})
def tracker_script(
    request: Request,
    site: str = Query("", description="The project's public site key; the script reads it from its own URL."),
) -> Response:
    """The tracker. Embed with ``<script src="https://HOST/tb.js?site=SITE_KEY" async></script>``."""
    data, etag = _script()
    headers = _headers(etag)
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/javascript", headers=headers)
