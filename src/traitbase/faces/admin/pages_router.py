"""Admin routes for web collection: page configurations (blocks, tracked elements) and goals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from traitbase.domain.collect import pages
from traitbase.faces.admin import envelope
from traitbase.faces.admin.router import Admin
from traitbase.faces.common.auth import ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin", "collect"])

Environment = Annotated[str, Query(description="production or sandbox")]


class BlockIn(BaseModel):
    name: str = Field(description="Block name, unique on the page.")
    selector: str | None = Field(None, description="CSS selector of the block's element.")
    top: int | None = Field(None, description="Pixel band: top edge in page pixels (instead of a selector).")
    bottom: int | None = Field(None, description="Pixel band: bottom edge in page pixels.")


class ElementIn(BaseModel):
    name: str = Field(description="Element name, unique on the page; clicks and impressions carry it.")
    selector: str = Field(description="CSS selector of the element.")
    cta: bool = Field(False, description="Counts in ctaClicks.")


class PageIn(BaseModel):
    url: str = Field(description="Page URL; with match=merged its query string is ignored.")
    match: Literal["exact", "merged"] = "exact"
    device: Literal["PC", "MOBILE", "TABLET"] = "PC"
    environment: Literal["production", "sandbox"] = "production"
    blocks: list[BlockIn] = Field(default_factory=list, description="Blocks in page order.")
    elements: list[ElementIn] = Field(default_factory=list)


class GoalIn(BaseModel):
    name: str
    type: Literal["event", "url", "click"] = Field(description="event name, URL substring, or element click.")
    match: str = Field(description="The event name, the URL substring, or the element name.")
    environment: Literal["production", "sandbox"] = "production"


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [i.model_dump(exclude_none=True) for i in items]


@router.get("/projects/{project_id}/pages")
def list_pages(request: Request, project_id: str, p: Admin, environment: Environment = "production") -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(pages.list_pages(s, p, project_id=project_id, environment=environment))


@router.put("/projects/{project_id}/pages")
def put_page(request: Request, project_id: str, body: PageIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        page = pages.put_page(
            s, p, project_id=project_id, environment=body.environment, url=body.url, match=body.match,
            device=body.device, blocks=_dump(body.blocks), elements=_dump(body.elements),
        )  # fmt: skip
        return envelope.ok(page)


@router.delete("/projects/{project_id}/pages/{page_id}")
def delete_page(
    request: Request, project_id: str, page_id: int, p: Admin, environment: Environment = "production"
) -> Response:
    with ctx_of(request).db.uow() as s:
        pages.delete_page(s, p, project_id=project_id, environment=environment, page_id=page_id)
        return envelope.ok({"deleted": page_id})


@router.get("/projects/{project_id}/goals")
def list_goals(request: Request, project_id: str, p: Admin, environment: Environment = "production") -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(pages.list_goals(s, p, project_id=project_id, environment=environment))


@router.put("/projects/{project_id}/goals")
def put_goal(request: Request, project_id: str, body: GoalIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        goal = pages.put_goal(
            s, p, project_id=project_id, environment=body.environment, name=body.name, type_=body.type,
            match=body.match,
        )  # fmt: skip
        return envelope.ok(goal)


@router.delete("/projects/{project_id}/goals/{name}")
def delete_goal(
    request: Request, project_id: str, name: str, p: Admin, environment: Environment = "production"
) -> Response:
    with ctx_of(request).db.uow() as s:
        pages.delete_goal(s, p, project_id=project_id, environment=environment, name=name)
        return envelope.ok({"deleted": name})
