"""The user store: one row per (organization, scope, environment, user) with attributes as JSON.

One row per user (not per attribute) keeps an attribute upload to one upsert per user.
``scope`` is ``org`` for organization-scope attributes or ``app:<project id>`` for a project's own.
"""

from __future__ import annotations

from sqlalchemy import JSON, Float, Integer, PrimaryKeyConstraint, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class UserProfile(Base):
    __tablename__ = "user_profiles"
    __table_args__ = (
        PrimaryKeyConstraint("org_id", "scope", "environment", "user_id"),
        {"sqlite_with_rowid": False},
    )

    org_id: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(16))
    environment: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[str] = mapped_column(String(255))
    attrs: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
