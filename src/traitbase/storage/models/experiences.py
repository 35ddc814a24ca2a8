"""Experiences (control plane): popups, bars, inline blocks and redirects with A/B versions and goals.

Versions, goals, the form and tags are JSON documents on the experience row: they are always read
and written together with it, are a handful of entries each, and are never joined against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base, UtcDateTime


class Experience(Base):
    __tablename__ = "experiences"
    __table_args__ = (Index("ix_experiences_project_env", "project_id", "environment"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(12))  # POPUP | STICKY_BAR | INLINE | ADVANCED | REDIRECT
    status: Mapped[str] = mapped_column(String(12))  # DRAFT | RUNNING | PAUSE | SCHEDULED
    popup: Mapped[bool] = mapped_column(default=False)  # ADVANCED experiences that show a popup
    # [{id, name, weight, baseline, deleted}]
    versions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{id, name, type, match, countBy, property}]
    goals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # null, or {fields: [{name, label}]}
    form: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Ever-growing counter for version and goal ids: an id is never reused after a delete.
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
