"""Projects (a website or app) of an organization."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from traitbase.storage.models import Project


def create_project(
    s: Session, *, project_id: str, org_id: int, name: str, site_key: str, sandbox_site_key: str, timezone: str
) -> Project:
    p = Project(
        id=project_id,
        org_id=org_id,
        name=name,
        site_key=site_key,
        sandbox_site_key=sandbox_site_key,
        timezone=timezone,
        created_at=datetime.now(UTC),
    )
    s.add(p)
    s.flush()
    return p


def get_project(s: Session, project_id: str) -> Project | None:
    return s.get(Project, project_id)


def project_exists(s: Session, project_id: str) -> bool:
    return s.get(Project, project_id) is not None


def get_by_site_key(s: Session, site_key: str) -> tuple[Project, str] | None:
    """The project a public site key writes into, and the environment it writes (its production or sandbox key)."""
    found = s.scalar(select(Project).where(or_(Project.site_key == site_key, Project.sandbox_site_key == site_key)))
    if found is None:
        return None
    return found, "production" if found.site_key == site_key else "sandbox"


def list_projects(s: Session, *, org_id: int | None = None) -> list[Project]:
    q = select(Project).order_by(Project.created_at, Project.id)
    if org_id is not None:
        q = q.where(Project.org_id == org_id)
    return list(s.scalars(q))
