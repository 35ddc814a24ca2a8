"""Using audiences from the admin API, SDK and CLI: list, one audience, count, export, membership."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain.keys.principal import Principal
from traitbase.errors import NotFound
from traitbase.storage.models import Audience, AudienceLoad
from traitbase.storage.repos import audiences as repo
from traitbase.storage.warehouse import audiences as members
from traitbase.storage.warehouse.base import Warehouse

# Exported cells starting with these would run as formulas in a spreadsheet (SPEC 1). A leading
# quote is escaped too, so the escape can be undone without doubt (the SDK does) and a spreadsheet
# shows an id that starts with a quote as it is.
_FORMULA_START = ("=", "+", "-", "@", "'")


def audience_out(a: Audience) -> dict[str, Any]:
    return {
        "id": a.id,
        "project_id": a.project_id,
        "environment": a.environment,
        "source": a.source,
        "name": a.name,
        "identifier_type": a.identifier_type,
        "platform": a.platform,
        "area_type": a.area_type,
        "device_types": a.device_types,
        "version": a.version,
        "record_count": a.record_count,
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
    }


def load_out(load: AudienceLoad) -> dict[str, Any]:
    return {
        "id": load.id,
        "version": load.version,
        "status": load.status,
        "total_lines": load.total_lines,
        "successful_lines": load.successful_lines,
        "failed_lines": load.failed_lines,
        "error_reason": load.error_reason,
        "created_at": load.created_at.isoformat(),
        "updated_at": load.updated_at.isoformat(),
    }


def loads(s: Session, a: Audience, *, limit: int) -> list[AudienceLoad]:
    return repo.list_loads(s, a.id, limit=max(1, min(limit, 100)))


def list_audiences(s: Session, p: Principal, *, project_id: str, environment: str) -> list[Audience]:
    access.admin_project(s, p, project_id=project_id, environment=environment)
    rows, _ = repo.list_audiences(s, project_id=project_id, environment=environment)
    return rows


def get(s: Session, p: Principal, *, project_id: str, environment: str, audience_id: int) -> Audience:
    access.admin_project(s, p, project_id=project_id, environment=environment)
    a = repo.get_audience(s, audience_id, project_id=project_id, environment=environment)
    if a is None:
        raise NotFound("audience not found")
    return a


def target(a: Audience) -> members.Target:
    return members.Target(project=a.project_id, environment=a.environment, audience_id=a.id, version=a.version)


def count(wh: Warehouse, a: Audience) -> int:
    return members.count_members(wh, target(a)) if a.version else 0


def contains(wh: Warehouse, a: Audience, member_id: str) -> bool:
    return bool(a.version) and members.contains(wh, target(a), member_id)


def export_csv(wh: Warehouse, a: Audience) -> Iterator[bytes]:
    """The members as a one-column CSV (header ``id``), a page at a time; formula-like cells escaped."""
    yield b"id\n"
    if not a.version:
        return
    for page in members.iter_members(wh, target(a)):
        lines = []
        for member in page:
            cell = "'" + member if member.startswith(_FORMULA_START) else member
            if any(c in cell for c in ',"\n\r'):
                cell = '"' + cell.replace('"', '""') + '"'
            lines.append(cell)
        yield ("\n".join(lines) + "\n").encode()
