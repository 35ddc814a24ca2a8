"""Shaping audience lists and their load activities into the vendor's objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from traitbase.domain.audiences.records import Audience, AudienceLoad


def _ts(v: datetime) -> str:
    # Localytics prints UTC times without an offset.
    return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def list_out(a: Audience) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "app_id": a.project_id,
        "version": a.version,
        "record_count": a.record_count,
        "created_at": _ts(a.created_at),
        "updated_at": _ts(a.updated_at),
    }


def status_out(load: AudienceLoad, a: Audience) -> dict[str, Any]:
    # The vendor sends the counts as strings, and no statistics at all before the job starts.
    stats = None
    if load.status != "Pending":
        stats = {
            "total_lines": str(load.total_lines),
            "successful_lines": str(load.successful_lines),
            "failed_lines": str(load.failed_lines),
            "audience_id": str(a.id),
            "audience_list_id": str(a.id),
        }
    return {
        "status": load.status,
        "app_uuid": load.project_id,
        "created_at": _ts(load.created_at),
        "updated_at": _ts(load.updated_at),
        "upload_statistics": stats,
        "error_reason": load.error_reason,
    }
