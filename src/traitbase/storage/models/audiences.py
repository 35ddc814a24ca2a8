"""Audience metadata (control plane): audiences, their loads (activities) and presigned uploads.

Members are not here: they live in the analytics warehouse (``storage/warehouse/audiences.py``),
because lists reach hundreds of millions of ids. One ``audiences`` row serves both the audience
imports face (Localytics lists) and the audience files face (Mintegral ``ta_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base, UtcDateTime


class Audience(Base):
    __tablename__ = "audiences"
    __table_args__ = (Index("ix_audiences_tenant", "project_id", "environment", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(12))
    # "list": audience imports face; "file": audience files face. Both are the same kind of object.
    source: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    identifier_type: Mapped[str] = mapped_column(String(16))  # customer_id | device_id
    platform: Mapped[int | None] = mapped_column(Integer, nullable=True)
    area_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_types: Mapped[str | None] = mapped_column(String(64), nullable=True)  # "2,8,9"
    version: Mapped[int] = mapped_column(Integer, default=0)  # version whose members are live; 0 = none yet
    record_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AudienceLoad(Base):
    """One create or replace of an audience's members: the activity a client polls."""

    __tablename__ = "audience_loads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # activity id (uuid)
    audience_id: Mapped[int] = mapped_column(ForeignKey("audiences.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(8))
    environment: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(Integer)  # the version this load produces
    file_format: Mapped[str] = mapped_column(String(8))  # jsonl | lines
    # [{"device_type": int|null, "blob_key": str}] - the files this load reads.
    sources: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))  # Pending | Running | Failed | Completed
    total_lines: Mapped[int] = mapped_column(BigInteger, default=0)
    successful_lines: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_lines: Mapped[int] = mapped_column(BigInteger, default=0)
    error_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AudienceUpload(Base):
    """A presigned audience-file upload: where it goes, what it must hash to, and whether it is spent."""

    __tablename__ = "audience_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    environment: Mapped[str] = mapped_column(String(12))
    area_type: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    file_md5: Mapped[str] = mapped_column(String(32))
    blob_key: Mapped[str] = mapped_column(String(512), unique=True)
    data_path: Mapped[str] = mapped_column(String(600), unique=True)
    # pending -> receiving -> uploaded -> used; rejected when a check fails (the URL is spent).
    state: Mapped[str] = mapped_column(String(10))
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
