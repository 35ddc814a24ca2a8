"""Admin routes for experiences: create, list, read, replace, delete (versions, goals, form, tags)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from traitbase.domain.experiences import service
from traitbase.faces.admin import envelope
from traitbase.faces.admin.router import Admin
from traitbase.faces.common.auth import ctx_of

router = APIRouter(prefix="/admin/v1", tags=["admin", "experiences"])

Environment = Annotated[str, Query(description="production or sandbox")]


class VersionIn(BaseModel):
    id: str | None = Field(None, description="A stored version's id to keep it; omit for a new version.")
    name: str
    weight: float = Field(1, ge=0, description="Traffic weight; versions share traffic in proportion.")
    baseline: bool = Field(False, description="The version uplift is measured against (default: the first).")


class GoalIn(BaseModel):
    id: str | None = Field(None, description="A stored goal's id to keep it; omit for a new goal.")
    name: str
    type: Literal["event", "url", "click"] = Field(description="event name, URL substring, or element click.")
    match: str = Field(description="The event name, the URL substring, or the element name.")
    countBy: Literal["users", "sum", "average"] = Field("users", description="Users reaching it, or a property.")
    property: str | None = Field(None, description="The numeric event property summed or averaged.")


class FieldIn(BaseModel):
    name: str
    label: str | None = None


class FormIn(BaseModel):
    fields: list[FieldIn]


class ExperienceIn(BaseModel):
    name: str
    type: Literal["POPUP", "STICKY_BAR", "INLINE", "ADVANCED", "REDIRECT"]
    status: Literal["DRAFT", "RUNNING", "PAUSE", "SCHEDULED"] = "DRAFT"
    popup: bool = Field(False, description="ADVANCED only: it shows a popup (reports clicks and closes).")
    environment: Literal["production", "sandbox"] = "production"
    versions: list[VersionIn] = Field(min_length=1)
    goals: list[GoalIn] = Field(default_factory=list)
    form: FormIn | None = None
    tags: list[str] = Field(default_factory=list)
    startAt: datetime | None = None
    endAt: datetime | None = None
    member: str | None = Field(None, description="The member making the change (default: the key).")


@router.get("/projects/{project_id}/experiences")
def list_experiences(request: Request, project_id: str, p: Admin, environment: Environment = "production") -> Response:
    with ctx_of(request).db.read() as s:
        return envelope.ok(service.list_all(s, p, project_id=project_id, environment=environment))


@router.post("/projects/{project_id}/experiences", status_code=201)
def create_experience(request: Request, project_id: str, body: ExperienceIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        made = service.create(s, p, project_id=project_id, environment=body.environment, body=body.model_dump())
        return envelope.ok(made, status=201)


@router.get("/projects/{project_id}/experiences/{experience_id}")
def get_experience(
    request: Request, project_id: str, experience_id: str, p: Admin, environment: Environment = "production"
) -> Response:
    with ctx_of(request).db.read() as s:
        found = service.get(s, p, project_id=project_id, environment=environment, experience_id=experience_id)
        return envelope.ok(found)


@router.put("/projects/{project_id}/experiences/{experience_id}")
def put_experience(request: Request, project_id: str, experience_id: str, body: ExperienceIn, p: Admin) -> Response:
    with ctx_of(request).db.uow() as s:
        done = service.update(
            s, p, project_id=project_id, environment=body.environment, experience_id=experience_id,
            body=body.model_dump(),
        )  # fmt: skip
        return envelope.ok(done)


@router.delete("/projects/{project_id}/experiences/{experience_id}")
def delete_experience(
    request: Request, project_id: str, experience_id: str, p: Admin, environment: Environment = "production"
) -> Response:
    with ctx_of(request).db.uow() as s:
        service.delete(s, p, project_id=project_id, environment=environment, experience_id=experience_id)
        return envelope.ok({"deleted": experience_id})
