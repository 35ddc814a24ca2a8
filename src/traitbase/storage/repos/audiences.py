"""SQL for audience metadata, loads (activities) and presigned uploads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from traitbase.storage.models import Audience, AudienceLoad, AudienceUpload

# --- audiences ---------------------------------------------------------------------------


def insert_audience(s: Session, **fields: Any) -> Audience:
    a = Audience(**fields)
    s.add(a)
    s.flush()
    return a


def get_audience(s: Session, audience_id: int, *, project_id: str, environment: str) -> Audience | None:
    a = s.get(Audience, audience_id)
    if a is None or a.project_id != project_id or a.environment != environment:
        return None
    return a


def count_audiences(s: Session, *, project_id: str, environment: str, source: str | None = None) -> int:
    q = (
        select(func.count())
        .select_from(Audience)
        .where(Audience.project_id == project_id, Audience.environment == environment)
    )
    if source is not None:
        q = q.where(Audience.source == source)
    return int(s.scalar(q) or 0)


def list_audiences(
    s: Session,
    *,
    project_id: str,
    environment: str,
    source: str | None = None,
    ids: Sequence[int] | None = None,
    name_like: str | None = None,
    platform: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Audience], int]:
    """One page of audiences and the total matching count."""
    where = [Audience.project_id == project_id, Audience.environment == environment]
    if source is not None:
        where.append(Audience.source == source)
    if ids:
        where.append(Audience.id.in_(list(ids)))
    if name_like:
        escaped = name_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(Audience.name).like(f"%{escaped.lower()}%", escape="\\"))
    if platform is not None:
        where.append(Audience.platform == platform)
    total = int(s.scalar(select(func.count()).select_from(Audience).where(*where)) or 0)
    q = select(Audience).where(*where).order_by(Audience.id).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(s.scalars(q)), total


def delete_audience(s: Session, audience_id: int) -> None:
    s.execute(delete(AudienceLoad).where(AudienceLoad.audience_id == audience_id))
    s.execute(delete(Audience).where(Audience.id == audience_id))


# --- loads -------------------------------------------------------------------------------


def insert_load(s: Session, **fields: Any) -> AudienceLoad:
    load = AudienceLoad(**fields)
    s.add(load)
    s.flush()
    return load


def get_load(s: Session, load_id: str) -> AudienceLoad | None:
    return s.get(AudienceLoad, load_id)


def latest_load_version(s: Session, audience_id: int) -> int:
    return int(s.scalar(select(func.max(AudienceLoad.version)).where(AudienceLoad.audience_id == audience_id)) or 0)


def list_loads(s: Session, audience_id: int, *, limit: int) -> list[AudienceLoad]:
    """An audience's loads, newest first."""
    q = select(AudienceLoad).where(AudienceLoad.audience_id == audience_id)
    return list(s.scalars(q.order_by(AudienceLoad.version.desc()).limit(limit)))


def active_load(s: Session, audience_id: int) -> AudienceLoad | None:
    return s.scalars(
        select(AudienceLoad)
        .where(AudienceLoad.audience_id == audience_id, AudienceLoad.status.in_(("Pending", "Running")))
        .limit(1)
    ).first()


def update_load(s: Session, load_id: str, **values: Any) -> None:
    s.execute(update(AudienceLoad).where(AudienceLoad.id == load_id).values(**values))


# --- presigned uploads -------------------------------------------------------------------


def insert_upload(s: Session, **fields: Any) -> AudienceUpload:
    u = AudienceUpload(**fields)
    s.add(u)
    s.flush()
    return u


def get_upload(s: Session, upload_id: str) -> AudienceUpload | None:
    return s.get(AudienceUpload, upload_id)


def upload_by_blob_key(s: Session, blob_key: str) -> AudienceUpload | None:
    return s.scalars(select(AudienceUpload).where(AudienceUpload.blob_key == blob_key)).first()


def upload_by_data_path(s: Session, data_path: str) -> AudienceUpload | None:
    return s.scalars(select(AudienceUpload).where(AudienceUpload.data_path == data_path)).first()


def claim_upload(s: Session, upload_id: str, *, from_state: str, to_state: str) -> bool:
    """Move an upload between states atomically; False when another request got there first."""
    res = s.execute(
        update(AudienceUpload)
        .where(AudienceUpload.id == upload_id, AudienceUpload.state == from_state)
        .values(state=to_state)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def set_upload(s: Session, upload_id: str, **values: Any) -> None:
    s.execute(update(AudienceUpload).where(AudienceUpload.id == upload_id).values(**values))


def last_load_time(s: Session, audience_id: int) -> datetime | None:
    # Ordered select, not max(): max() loses the column type on SQLite and comes back as text.
    value: datetime | None = s.scalar(
        select(AudienceLoad.created_at)
        .where(AudienceLoad.audience_id == audience_id)
        .order_by(AudienceLoad.created_at.desc())
        .limit(1)
    )
    return value


def set_live_version(s: Session, audience_id: int, *, version: int, record_count: int, now: datetime) -> None:
    s.execute(
        update(Audience)
        .where(Audience.id == audience_id)
        .values(version=version, record_count=record_count, updated_at=now)
    )
