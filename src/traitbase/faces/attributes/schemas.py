"""Wire models of the attribute face, for the OpenAPI document (the route parses with msgspec)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AttributeUpload(BaseModel):
    field_name: list[str] = Field(description="Attribute names; must include user_id; at most 50, 50 characters each.")
    values: list[list[str]] = Field(
        description='One row per user, in field_name order; at most 100 rows; "" leaves an attribute unchanged.'
    )


class UploadCounts(BaseModel):
    received: int
    created: int
    updated: int


class UploadAnswer(BaseModel):
    code: int = 200
    message: str = "OK"
    data: UploadCounts


class ErrorAnswer(BaseModel):
    code: int
    message: str


OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": AttributeUpload.model_json_schema()}},
    }
}
