"""Page configuration and goals (control plane): what the tracker watches on each page, and conversions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from traitbase.storage.models.base import Base, UtcDateTime


class PageConfig(Base):
    """Blocks and tracked elements of one URL (exact or merged form) on one device type."""

    __tablename__ = "page_configs"
    __table_args__ = (UniqueConstraint("project_id", "environment", "match", "url_key", "device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    environment: Mapped[str] = mapped_column(String(12))
    match: Mapped[str] = mapped_column(String(8))  # exact | merged
    # sha256 of the normalized URL: a fixed-width unique key whatever the URL's length.
    url_key: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    device: Mapped[str] = mapped_column(String(8))  # PC | MOBILE | TABLET
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    elements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Goal(Base):
    """A conversion: reached by a custom event name, a URL containing ``match``, or a click on an element."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("project_id", "environment", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    environment: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(8))  # event | url | click
    match: Mapped[str] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
