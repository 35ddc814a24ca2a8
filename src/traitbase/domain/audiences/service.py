"""Audiences: named sets of ids in a project, shared by the audience imports and audience files faces.

Metadata lives in the control plane; members live in the warehouse and are written only by a
load (a background job reading the uploaded file with the engine's bulk path). Each create or
replace is one load producing the next version; the audience switches to that version only when
the load completes, so a failed load never harms the members already stored.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain import access, jobs
from traitbase.domain.audiences import uploads as audience_uploads
from traitbase.domain.ids import MAX_INT64, check_int64
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Conflict, Forbidden, Invalid, NotFound
from traitbase.storage.blobs import BlobStore
from traitbase.storage.models import Audience, AudienceLoad
from traitbase.storage.repos import audiences as repo
from traitbase.storage.warehouse import audiences as members
from traitbase.storage.warehouse.base import Warehouse, WriteOp

# Mintegral device types (seed 004); 12 and 13 are accepted spellings of IDFV and IDFV_MD5.
DEVICE_TYPES = {
    1: "IMEI",
    2: "IDFA",
    3: "GAID",
    4: "OAID",
    6: "IMEI_MD5",
    7: "IDFA_MD5",
    8: "GAID_MD5",
    9: "OAID_MD5",
    10: "IDFV",
    11: "IDFV_MD5",
    12: "IDFV",
    13: "IDFV_MD5",
}
PLATFORMS = {1: "Android", 2: "iOS", 3: "mix"}
LOAD_JOB_KIND = "audience_load"
TA_TYPE_FILE = 1  # the only audience type this face makes: uploaded from a device-id file


@dataclass(frozen=True)
class AudienceLimits:
    max_lists: int
    update_lock_seconds: int
    max_file_bytes: int


def _project(p: Principal) -> str:
    return access.require_project_key(p, "audiences need a project key")


def _name(name: str | None, field: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise Invalid(f"{field} must be 1 to 255 characters", errors={field: "bad length"})
    return name


def _new_load(
    s: Session, a: Audience, *, file_format: str, sources: list[dict[str, Any]], now: datetime
) -> AudienceLoad:
    active = repo.active_load(s, a.id)
    if active is not None and active.status == "Running":
        raise Conflict("this audience is still loading; wait for the current load to finish")
    if active is not None:
        # A load that has not started yet is simply replaced by the newer file.
        repo.update_load(s, active.id, status="Failed", error_reason="superseded by a newer upload", updated_at=now)
    load = repo.insert_load(
        s,
        id=str(uuid.uuid4()),
        audience_id=a.id,
        project_id=a.project_id,
        environment=a.environment,
        version=repo.latest_load_version(s, a.id) + 1,
        file_format=file_format,
        sources=sources,
        status="Pending",
        total_lines=0,
        successful_lines=0,
        failed_lines=0,
        created_at=now,
        updated_at=now,
    )
    # Same transaction: the load and the job that runs it exist together or not at all.
    jobs.enqueue(
        s,
        job_id=load.id,
        kind=LOAD_JOB_KIND,
        org_id=a.org_id,
        project_id=a.project_id,
        environment=a.environment,
        payload={"load_id": load.id},
    )
    return load


def get_audience(s: Session, p: Principal, audience_id: int) -> Audience:
    a = repo.get_audience(s, audience_id, project_id=_project(p), environment=p.environment)
    if a is None:
        raise NotFound("audience not found")
    return a


# --- audience imports face (Localytics lists) -----------------------------------------------


def check_app(p: Principal, app_id: str) -> str:
    """The app a request names must be the key's own project (the tenant comes from the key)."""
    if (app_id or "").strip() != _project(p):
        raise Forbidden("these credentials do not have access to that app")
    return app_id.strip()


def check_list_request(
    s: Session, p: Principal, *, app_id: str, identifier_type: str, limits: AudienceLimits | None
) -> str:
    """Refuse a list request before its file is stored: foreign app, wrong identifier, list quota."""
    project = check_app(p, app_id)
    if identifier_type != "customer_id":
        raise Invalid("identifier_type must be customer_id", errors={"identifier_type": "unsupported"})
    if limits is not None:
        count = repo.count_audiences(s, project_id=project, environment=p.environment, source="list")
        if count >= limits.max_lists:
            raise Invalid(
                f"this app already has {count} audience lists, the most allowed is {limits.max_lists}",
                errors={"audience_name": "too many lists"},
            )
    return project


def create_list(
    s: Session, p: Principal, *, app_id: str, name: str, blob_key: str, limits: AudienceLimits, now: datetime
) -> AudienceLoad:
    project = check_list_request(s, p, app_id=app_id, identifier_type="customer_id", limits=limits)
    a = repo.insert_audience(
        s,
        org_id=p.org_id,
        project_id=project,
        environment=p.environment,
        source="list",
        name=_name(name, "audience_name"),
        identifier_type="customer_id",
        version=0,
        record_count=0,
        created_at=now,
        updated_at=now,
    )
    return _new_load(s, a, file_format="jsonl", sources=[{"device_type": None, "blob_key": blob_key}], now=now)


def replace_list(s: Session, p: Principal, *, list_id: int, app_id: str, blob_key: str, now: datetime) -> AudienceLoad:
    check_app(p, app_id)
    a = get_audience(s, p, list_id)
    return _new_load(s, a, file_format="jsonl", sources=[{"device_type": None, "blob_key": blob_key}], now=now)


def rename(s: Session, p: Principal, audience_id: int, *, name: str, now: datetime) -> Audience:
    a = get_audience(s, p, audience_id)
    a.name = _name(name, "name")
    a.updated_at = now
    return a


def delete(s: Session, p: Principal, audience_ids: list[int]) -> list[Audience]:
    """Remove audiences (all of them or none); their members are dropped from the warehouse by the caller."""
    found = [get_audience(s, p, i) for i in dict.fromkeys(audience_ids)]
    for a in found:
        repo.delete_audience(s, a.id)
    return found


def load_status(s: Session, p: Principal, activity_id: str) -> tuple[AudienceLoad, Audience]:
    load = repo.get_load(s, activity_id)
    if load is None or load.project_id != _project(p) or load.environment != p.environment:
        raise NotFound("activity not found")
    a = repo.get_audience(s, load.audience_id, project_id=load.project_id, environment=load.environment)
    assert a is not None
    return load, a


def lists_of_app(s: Session, p: Principal, app_id: str) -> list[Audience]:
    project = check_app(p, app_id)
    rows, _ = repo.list_audiences(s, project_id=project, environment=p.environment, source="list")
    return rows


# --- audience files face (Mintegral) ---------------------------------------------------------


def _paths(raw: list[tuple[int, str]]) -> list[tuple[int, str]]:
    if not raw:
        raise Invalid("data_path must list at least one file", errors={"data_path": "empty"})
    for device_type, _ in raw:
        if device_type not in DEVICE_TYPES:
            raise Invalid(f"unknown device_type {device_type}", errors={"device_type": "unknown"})
    return raw


def _take_all(
    s: Session, p: Principal, paths: list[tuple[int, str]], *, blobs: BlobStore, limits: AudienceLimits
) -> list[dict[str, Any]]:
    sources = []
    for device_type, data_path in _paths(paths):
        upload = audience_uploads.take_upload(s, p, data_path, blobs=blobs, max_bytes=limits.max_file_bytes)
        sources.append({"device_type": device_type, "blob_key": upload.blob_key})
    return sources


def _device_types(paths: list[tuple[int, str]]) -> str:
    return ",".join(str(d) for d in sorted({d for d, _ in paths}))


def create_file_audience(
    s: Session,
    p: Principal,
    *,
    name: str,
    area_type: int,
    platform: int,
    paths: list[tuple[int, str]],
    blobs: BlobStore,
    limits: AudienceLimits,
    now: datetime,
) -> AudienceLoad:
    if area_type not in (1, 2):
        raise Invalid("area_type must be 1 or 2", errors={"area_type": "unknown area"})
    if platform not in PLATFORMS:
        raise Invalid("platform must be 1 (Android), 2 (iOS) or 3 (mix)", errors={"platform": "unknown platform"})
    sources = _take_all(s, p, paths, blobs=blobs, limits=limits)
    a = repo.insert_audience(
        s,
        org_id=p.org_id,
        project_id=_project(p),
        environment=p.environment,
        source="file",
        name=_name(name, "ta_name"),
        identifier_type="device_id",
        platform=platform,
        area_type=area_type,
        device_types=_device_types(paths),
        version=0,
        record_count=0,
        created_at=now,
        updated_at=now,
    )
    return _new_load(s, a, file_format="lines", sources=sources, now=now)


def update_file_audience(
    s: Session,
    p: Principal,
    *,
    ta_id: int,
    paths: list[tuple[int, str]],
    blobs: BlobStore,
    limits: AudienceLimits,
    now: datetime,
) -> AudienceLoad:
    a = get_audience(s, p, ta_id)
    last = repo.last_load_time(s, a.id)
    if last is not None:
        unlock = last + timedelta(seconds=limits.update_lock_seconds)
        if now < unlock:
            raise Invalid(
                f"audience {ta_id} was created or updated less than {limits.update_lock_seconds // 3600} hours ago; "
                f"it can be updated again after {unlock.strftime('%Y-%m-%d %H:%M:%S')} UTC",
                errors={"ta_id": "locked"},
            )
    sources = _take_all(s, p, paths, blobs=blobs, limits=limits)
    a.device_types = _device_types(paths)
    a.updated_at = now
    return _new_load(s, a, file_format="lines", sources=sources, now=now)


def list_file_audiences(
    s: Session,
    p: Principal,
    *,
    ta_ids: list[int],
    name: str | None,
    platform: int | None,
    limit: int,
    page: int,
    max_limit: int,
) -> tuple[list[Audience], int]:
    if not 1 <= limit <= max_limit:
        raise Invalid(f"limit must be between 1 and {max_limit}", errors={"limit": "out of range"})
    if page < 1:
        raise Invalid("page must be 1 or more", errors={"page": "out of range"})
    last_page = MAX_INT64 // limit + 1  # the page's OFFSET reaches SQL as a 64-bit integer
    if page > last_page:
        raise Invalid(f"page must be between 1 and {last_page}", errors={"page": "out of range"})
    if platform is not None:
        check_int64(platform, "platform")
    return repo.list_audiences(
        s,
        project_id=_project(p),
        environment=p.environment,
        source="file",
        ids=ta_ids,
        name_like=name,
        platform=platform,
        offset=(page - 1) * limit,
        limit=limit,
    )


def drop_members(warehouse: Warehouse, p: Principal, audience_ids: list[int]) -> None:
    """Remove deleted audiences' members, after their metadata is gone (so nothing reads them)."""
    if not audience_ids or p.project_id is None:
        return
    step = functools.partial(
        members.drop_members, project=p.project_id, environment=p.environment, audience_ids=audience_ids
    )
    warehouse.submit(WriteOp(step=step)).result()
