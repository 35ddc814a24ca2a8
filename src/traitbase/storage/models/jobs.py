"""Background jobs: the job row is the source of truth for status, progress, attempts and errors.

``job_line_errors`` holds the per-line failures of a running job. They are written in the same
transaction as the chunk they belong to, so a resumed job never reports a line twice; when the
job ends they are streamed into an error-log blob and removed.
"""

from __future__ import annotations

from sqlalchemy import JSON, Float, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_after"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[int] = mapped_column(Integer, index=True)
    project_id: Mapped[str | None] = mapped_column(String(8), nullable=True)
    environment: Mapped[str] = mapped_column(String(12))
    # pending | running | completed | failed
    status: Mapped[str] = mapped_column(String(12))
    payload: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    checkpoint: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    progress: Mapped[dict[str, object]] = mapped_column(JsonDoc)
    result: Mapped[dict[str, object] | None] = mapped_column(JsonDoc, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[float] = mapped_column(Float)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class JobLineError(Base):
    __tablename__ = "job_line_errors"
    __table_args__ = (PrimaryKeyConstraint("job_id", "line"),)

    job_id: Mapped[str] = mapped_column(String(36))
    line: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
