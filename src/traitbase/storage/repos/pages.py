"""Page configurations and goals of a project environment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from traitbase.storage.models import Goal, PageConfig


def list_pages(s: Session, *, project_id: str, environment: str) -> Sequence[PageConfig]:
    q = select(PageConfig).where(PageConfig.project_id == project_id, PageConfig.environment == environment)
    return s.scalars(q.order_by(PageConfig.url, PageConfig.match, PageConfig.device)).all()


def find_pages(
    s: Session, *, project_id: str, environment: str, device: str, keys: Sequence[tuple[str, str]]
) -> Sequence[PageConfig]:
    """Configurations for any of (match, url_key) on this device."""
    q = select(PageConfig).where(
        PageConfig.project_id == project_id,
        PageConfig.environment == environment,
        PageConfig.device == device,
        PageConfig.url_key.in_([k for _, k in keys]),
    )
    wanted = set(keys)
    return [p for p in s.scalars(q).all() if (p.match, p.url_key) in wanted]


def put_page(
    s: Session,
    *,
    org_id: int,
    project_id: str,
    environment: str,
    match: str,
    url: str,
    url_key: str,
    device: str,
    blocks: list[dict[str, Any]],
    elements: list[dict[str, Any]],
) -> PageConfig:
    found = s.scalar(
        select(PageConfig).where(
            PageConfig.project_id == project_id,
            PageConfig.environment == environment,
            PageConfig.match == match,
            PageConfig.url_key == url_key,
            PageConfig.device == device,
        )
    )
    now = datetime.now(UTC)
    if found is None:
        found = PageConfig(
            org_id=org_id, project_id=project_id, environment=environment, match=match, url=url, url_key=url_key,
            device=device, blocks=blocks, elements=elements, updated_at=now,
        )  # fmt: skip
        s.add(found)
    else:
        found.blocks, found.elements, found.updated_at = blocks, elements, now
    s.flush()
    return found


def delete_page(s: Session, *, project_id: str, environment: str, page_id: int) -> bool:
    res = s.execute(
        delete(PageConfig).where(
            PageConfig.id == page_id, PageConfig.project_id == project_id, PageConfig.environment == environment
        )
    )
    return bool(getattr(res, "rowcount", 0))


def list_goals(s: Session, *, project_id: str, environment: str) -> Sequence[Goal]:
    q = select(Goal).where(Goal.project_id == project_id, Goal.environment == environment)
    return s.scalars(q.order_by(Goal.name)).all()


def put_goal(s: Session, *, org_id: int, project_id: str, environment: str, name: str, type_: str, match: str) -> Goal:
    found = s.scalar(
        select(Goal).where(Goal.project_id == project_id, Goal.environment == environment, Goal.name == name)
    )
    now = datetime.now(UTC)
    if found is None:
        found = Goal(
            org_id=org_id, project_id=project_id, environment=environment, name=name, type=type_, match=match,
            updated_at=now,
        )  # fmt: skip
        s.add(found)
    else:
        found.type, found.match, found.updated_at = type_, match, now
    s.flush()
    return found


def delete_goal(s: Session, *, project_id: str, environment: str, name: str) -> bool:
    res = s.execute(
        delete(Goal).where(Goal.project_id == project_id, Goal.environment == environment, Goal.name == name)
    )
    return bool(getattr(res, "rowcount", 0))
