"""Wire models of the audience files face and the shaping of audiences into its list items."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from traitbase.domain.audiences.records import Audience


class DataPathIn(BaseModel):
    device_type: int
    data_path: str = Field(min_length=1, max_length=600)


class AudienceIn(BaseModel):
    ta_name: str = Field(min_length=1, max_length=255)
    area_type: int
    platform: int
    data_path: list[DataPathIn] = Field(min_length=1, max_length=20)


class AudienceUpdateIn(BaseModel):
    ta_id: int
    data_path: list[DataPathIn] = Field(min_length=1, max_length=20)


class AudienceDeleteIn(BaseModel):
    ta_id: list[int] = Field(min_length=1, max_length=500)


def _unix(v: datetime) -> int:
    return int(v.timestamp())


def audience_item(a: Audience) -> dict[str, object]:
    return {
        "ta_id": a.id,
        "platform": a.platform,
        "ta_name": a.name,
        "ta_type": 1,
        "device_type": a.device_types or "",
        "area_type": a.area_type,
        "record_count": a.record_count,
        "ctime": _unix(a.created_at),
        "utime": _unix(a.updated_at),
    }
