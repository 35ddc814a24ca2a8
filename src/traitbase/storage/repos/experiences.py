"""Experiences of a project environment."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from traitbase.storage.models import Experience


def list_experiences(s: Session, *, project_id: str, environment: str) -> Sequence[Experience]:
    q = select(Experience).where(Experience.project_id == project_id, Experience.environment == environment)
    return s.scalars(q.order_by(Experience.created_at, Experience.id)).all()


def get_experience(s: Session, *, project_id: str, environment: str, experience_id: str) -> Experience | None:
    return s.scalar(
        select(Experience).where(
            Experience.id == experience_id,
            Experience.project_id == project_id,
            Experience.environment == environment,
        )
    )


def add_experience(s: Session, exp: Experience) -> Experience:
    s.add(exp)
    s.flush()
    return exp


def delete_experience(s: Session, *, project_id: str, environment: str, experience_id: str) -> bool:
    res = s.execute(
        delete(Experience).where(
            Experience.id == experience_id,
            Experience.project_id == project_id,
            Experience.environment == environment,
        )
    )
    return bool(getattr(res, "rowcount", 0))
