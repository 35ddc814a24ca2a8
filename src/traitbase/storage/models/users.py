"""The user store: one row per (organization, scope, environment, user) with attributes as JSON.

One row per user (not per attribute) keeps an attribute upload to one upsert per user.
The table is an ordinary rowid table with a UNIQUE index on the key (migration 0005): real user
ids are random (UUIDs, hashes), and in a ``WITHOUT ROWID`` table every full row lives in the
key's B-tree, so random keys scatter each commit's writes over the whole table (measured: ~18 KB
written per new user against ~7.8 KB with a narrow index, about half the upsert speed).
``scope`` is ``org`` for organization-scope attributes or ``app:<project id>`` for a project's own.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class UserProfile(Base):
    __tablename__ = "user_profiles"
    __table_args__ = (Index("uq_user_profiles_key", "org_id", "scope", "environment", "user_id", unique=True),)

    # A surrogate key: SQLite's rowid (an alias of this column), a PostgreSQL identity.
    # SQLite makes only a column declared exactly ``INTEGER PRIMARY KEY`` the rowid itself.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    org_id: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(16))
    environment: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[str] = mapped_column(String(255))
    attrs: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
