"""``GET /collect/experiences?site=&visitor=``: the running experiences and this visitor's sticky versions.

Site-key auth like the rest of /collect; an unknown key gets the same empty answer as a site with
no experiences (no hint which keys exist).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from traitbase.domain.experiences import service
from traitbase.faces.collect.router import collector_of
from traitbase.faces.common.auth import ctx_of

router = APIRouter(tags=["collect"])
MAX_VISITOR = 128


@router.get("/collect/experiences")
async def collect_experiences(request: Request, site: str = "", visitor: str = "") -> Response:
    ctx = ctx_of(request)

    def load() -> dict[str, Any]:
        found = collector_of(request).sites.resolve(site)
        if found is None or not visitor or len(visitor) > MAX_VISITOR:
            return {"experiences": []}
        with ctx.db.read() as s:
            return {"experiences": service.running_for(s, project_id=found.project, environment=found.environment,
                                                       visitor=visitor)}  # fmt: skip

    # Assignments are per visitor: a shared cache must not serve one visitor's versions to another.
    body = await run_in_threadpool(load)
    return JSONResponse(body, headers={"Cache-Control": "private, no-store"})
