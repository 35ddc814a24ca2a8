"""API keys at rest: hashed secrets, scopes, environment, last use and revocation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from traitbase.storage.models import ApiKey, Member, Organization


def insert_key(
    s: Session,
    *,
    key_id: str,
    org_id: int,
    project_id: str | None,
    environment: str,
    name: str,
    scopes: str,
    secret_hash: str,
    created_by: int | None,
    instance_admin: bool = False,
    secret_encrypted: str | None = None,
) -> ApiKey:
    k = ApiKey(
        key_id=key_id,
        org_id=org_id,
        project_id=project_id,
        environment=environment,
        name=name,
        scopes=scopes,
        secret_hash=secret_hash,
        secret_encrypted=secret_encrypted,
        instance_admin=instance_admin,
        created_at=datetime.now(UTC),
        created_by=created_by,
    )
    s.add(k)
    s.flush()
    return k


def get_key(s: Session, key_id: str) -> ApiKey | None:
    return s.get(ApiKey, key_id)


def key_with_context(s: Session, key_id: str) -> tuple[ApiKey, str, str | None] | None:
    """The key, its organization's plan and its creator's role, in one query."""
    row = s.execute(
        select(ApiKey, Organization.plan, Member.role)
        .join(Organization, Organization.id == ApiKey.org_id)
        .outerjoin(Member, Member.id == ApiKey.created_by)
        .where(ApiKey.key_id == key_id)
    ).first()
    if row is None:
        return None
    return row[0], row[1], row[2]


def list_keys(s: Session, *, org_id: int, project_id: str | None = None) -> list[ApiKey]:
    q = select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at, ApiKey.key_id)
    if project_id is not None:
        q = q.where(ApiKey.project_id == project_id)
    return list(s.scalars(q))


def revoke_key(s: Session, key_id: str) -> None:
    s.execute(update(ApiKey).where(ApiKey.key_id == key_id).values(revoked_at=datetime.now(UTC)))


def touch_key(s: Session, key_id: str, when: datetime) -> None:
    s.execute(update(ApiKey).where(ApiKey.key_id == key_id).values(last_used_at=when))


def touch_key_conn(conn: Connection, key_id: str, when: datetime) -> None:
    conn.execute(update(ApiKey).where(ApiKey.key_id == key_id).values(last_used_at=when))
