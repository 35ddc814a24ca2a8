"""Wire models of the admin API and the functions that turn stored rows into them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from traitbase.domain.control.records import ApiKey, Member, Organization, Project

# Organization ids are 32-bit integers in storage; a larger number is a malformed request, not a crash.
ORG_ID_MAX = 2**31 - 1
OrgIdPath = Annotated[int, Path(ge=1, le=ORG_ID_MAX)]
OrgIdQuery = Annotated[int | None, Query(ge=1, le=ORG_ID_MAX)]


class OrgIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    plan: Literal["free", "free_trial", "growth"] = "free"


class ProjectIn(BaseModel):
    org_id: int | None = Field(None, ge=1, le=ORG_ID_MAX, description="Defaults to the key's own organization.")
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"


class MemberIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["owner", "admin", "member"] = "member"


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Literal["upload", "query", "admin"]] = Field(min_length=1)
    environment: Literal["production", "sandbox"] = "production"
    project_id: str | None = Field(None, description="Omit for an organization-scope key.")
    org_id: int | None = Field(None, ge=1, le=ORG_ID_MAX)
    token_auth: bool = Field(
        False, description="Enable the audience-files token scheme (access-key/timestamp/token headers)."
    )


def _ts(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def org_out(o: Organization) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "plan": o.plan, "created_at": _ts(o.created_at)}


def project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "org_id": p.org_id,
        "name": p.name,
        "site_key": p.site_key,
        "sandbox_site_key": p.sandbox_site_key,
        "timezone": p.timezone,
        "environments": ["production", "sandbox"],
        "created_at": _ts(p.created_at),
    }


def member_out(m: Member) -> dict[str, Any]:
    return {"id": m.id, "org_id": m.org_id, "email": m.email, "name": m.name, "role": m.role}


def key_out(k: ApiKey) -> dict[str, Any]:
    return {
        "key_id": k.key_id,
        "org_id": k.org_id,
        "project_id": k.project_id,
        "environment": k.environment,
        "name": k.name,
        "scopes": k.scopes.split(","),
        "created_at": _ts(k.created_at),
        "created_by": k.created_by,
        "last_used_at": _ts(k.last_used_at),
        "revoked": k.revoked_at is not None,
        "revoked_at": _ts(k.revoked_at),
        "token_auth": k.secret_encrypted is not None,
    }
