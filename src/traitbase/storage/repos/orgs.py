"""Organizations and their members."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from traitbase.storage.models import Member, Organization


def create_org(s: Session, *, name: str, plan: str) -> Organization:
    org = Organization(name=name, plan=plan, created_at=datetime.now(UTC))
    s.add(org)
    s.flush()
    return org


def get_org(s: Session, org_id: int) -> Organization | None:
    return s.get(Organization, org_id)


def list_orgs(s: Session, *, org_ids: list[int] | None = None) -> list[Organization]:
    q = select(Organization).order_by(Organization.id)
    if org_ids is not None:
        q = q.where(Organization.id.in_(org_ids))
    return list(s.scalars(q))


def add_member(s: Session, *, org_id: int, email: str, name: str, role: str) -> Member:
    m = Member(org_id=org_id, email=email, name=name, role=role, created_at=datetime.now(UTC))
    s.add(m)
    s.flush()
    return m


def get_member(s: Session, member_id: int) -> Member | None:
    return s.get(Member, member_id)


def find_member(s: Session, *, org_id: int, email: str) -> Member | None:
    return s.scalar(select(Member).where(Member.org_id == org_id, Member.email == email))


def list_members(s: Session, org_id: int) -> list[Member]:
    return list(s.scalars(select(Member).where(Member.org_id == org_id).order_by(Member.id)))
