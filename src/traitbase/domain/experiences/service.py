"""Experiences through the admin API: every call passes domain.access (admin scope, project, environment)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain.experiences import records
from traitbase.domain.experiences.assign import assign
from traitbase.domain.keys.principal import Principal
from traitbase.errors import NotFound
from traitbase.storage.models import Experience
from traitbase.storage.repos import experiences as repo

MISSING = "experience not found"


def _org(s: Session, p: Principal, project_id: str, environment: str) -> int:
    return int(access.admin_project(s, p, project_id, environment=environment).org_id)


def _member(p: Principal, member: str | None) -> str:
    """Who made the change: the member the caller names, else the key itself."""
    return records.name(member, "member") if member else f"key {p.key_id}"


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def out(e: Experience) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "status": e.status,
        "popup": e.popup,
        "environment": e.environment,
        "versions": e.versions,
        "goals": e.goals,
        "form": e.form,
        "tags": e.tags,
        "createdBy": e.created_by,
        "updatedBy": e.updated_by,
        "createdAt": _iso(e.created_at),
        "updatedAt": _iso(e.updated_at),
        "startAt": _iso(e.start_at),
        "endAt": _iso(e.end_at),
    }


def _apply(e: Experience, body: dict[str, Any]) -> None:
    e.name = records.name(body.get("name"), "name")
    e.type = records.choice(body.get("type"), "type", records.TYPES)
    e.status = records.choice(body.get("status", "DRAFT"), "status", records.STATUSES)
    e.popup = bool(body.get("popup", False))
    seq = e.next_seq or 1
    e.versions, seq = records.check_versions(body.get("versions") or [], list(e.versions or []), seq)
    e.goals, seq = records.check_goals(body.get("goals") or [], list(e.goals or []), seq)
    e.next_seq = seq
    e.form = records.check_form(body.get("form"))
    e.tags = records.check_tags(body.get("tags") or [])
    records.check_period(body.get("startAt"), body.get("endAt"))
    e.start_at, e.end_at = body.get("startAt"), body.get("endAt")


def create(s: Session, p: Principal, *, project_id: str, environment: str, body: dict[str, Any]) -> dict[str, Any]:
    org_id = _org(s, p, project_id, environment)
    now = datetime.now(UTC)
    member = _member(p, body.get("member"))
    e = Experience(id=secrets.token_hex(6), org_id=org_id, project_id=project_id, environment=environment,
                   versions=[], goals=[], tags=[], next_seq=1, created_by=member, updated_by=member,
                   created_at=now, updated_at=now)  # fmt: skip
    _apply(e, body)
    return out(repo.add_experience(s, e))


def _get(s: Session, p: Principal, project_id: str, environment: str, experience_id: str) -> Experience:
    _org(s, p, project_id, environment)
    e = repo.get_experience(s, project_id=project_id, environment=environment, experience_id=experience_id)
    if e is None:
        raise NotFound(MISSING)
    return e


def get(s: Session, p: Principal, *, project_id: str, environment: str, experience_id: str) -> dict[str, Any]:
    return out(_get(s, p, project_id, environment, experience_id))


def update(
    s: Session, p: Principal, *, project_id: str, environment: str, experience_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Replace the experience as sent; versions left out are kept, flagged deleted."""
    e = _get(s, p, project_id, environment, experience_id)
    _apply(e, body)
    e.updated_by, e.updated_at = _member(p, body.get("member")), datetime.now(UTC)
    s.flush()
    return out(e)


def list_all(s: Session, p: Principal, *, project_id: str, environment: str) -> list[dict[str, Any]]:
    _org(s, p, project_id, environment)
    return [out(e) for e in repo.list_experiences(s, project_id=project_id, environment=environment)]


def delete(s: Session, p: Principal, *, project_id: str, environment: str, experience_id: str) -> None:
    _org(s, p, project_id, environment)
    if not repo.delete_experience(s, project_id=project_id, environment=environment, experience_id=experience_id):
        raise NotFound(MISSING)


def running_for(s: Session, *, project_id: str, environment: str, visitor: str) -> list[dict[str, Any]]:
    """What the tracker needs: each RUNNING experience with this visitor's sticky version."""
    found = []
    for e in repo.list_experiences(s, project_id=project_id, environment=environment):
        if e.status != "RUNNING":
            continue
        version = assign(e.id, visitor, e.versions)
        if version is None:
            continue
        found.append({"id": e.id, "type": e.type, "version": version,
                      "goals": [{"id": g["id"], "type": g["type"], "match": g["match"]} for g in e.goals],
                      "form": e.form})  # fmt: skip
    return found


def records_for_project(s: Session, *, project_id: str, environment: str) -> list[Experience]:
    """Stored experiences for the query API (which checked the key itself)."""
    return list(repo.list_experiences(s, project_id=project_id, environment=environment))
