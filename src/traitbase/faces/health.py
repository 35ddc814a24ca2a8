"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from traitbase.faces.common.auth import ctx_of

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> Response:
    ctx = ctx_of(request)
    checks: dict[str, str] = {}
    try:
        ctx.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        ctx.warehouse.ping()
        checks["warehouse"] = "ok"
    except Exception as exc:
        checks["warehouse"] = f"unreachable: {type(exc).__name__}"
    try:
        ctx.blobs.ping()
        checks["files"] = "ok"
    except Exception as exc:
        checks["files"] = f"unreachable: {type(exc).__name__}"
    try:
        checks["rate_limits"] = "ok" if ctx.limiter.ping() else "unreachable"
    except Exception as exc:
        checks["rate_limits"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": "5"},
    )
