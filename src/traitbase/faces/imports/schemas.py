"""Wire models of the imports face (OpenAPI) and the shaping of a status answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from traitbase.domain.imports.service import ImportStatus


class UploadAnswer(BaseModel):
    activity_id: str = Field(description="Id of the import job; poll the status endpoint with it.")


class UploadStatistics(BaseModel):
    successful_imports: int
    parsed_imports: int
    failed_imports: int
    total_number_of_imports: int


class StatusAnswer(BaseModel):
    status: str = Field(description="Pending, Running, Failed or Completed.")
    error_log: str | None = Field(description="Signed, expiring URL of the failed lines (JSON Lines), or null.")
    target: dict[str, Any] = Field(description='{"org_id": <int>} or {"app_id": "<project id>"}')
    upload_statistics: UploadStatistics


class ErrorAnswer(BaseModel):
    code: int
    message: str
    errors: dict[str, str] | None = None


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["format", "file"],
                    "properties": {
                        "org_id": {"type": "string", "description": "Organization id (org scope); or app_id."},
                        "app_id": {"type": "string", "description": "Project id (app scope); or org_id."},
                        "format": {"type": "string", "enum": ["json", "csv"]},
                        "empty_cells": {
                            "type": "string",
                            "enum": ["delete", "ignore"],
                            "description": "CSV: an empty cell deletes the attribute (default) or is ignored.",
                        },
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


def status_out(st: ImportStatus, error_log_url: str | None) -> dict[str, Any]:
    c = st.counters
    return {
        "status": st.status,
        "error_log": error_log_url,
        "target": st.target,
        "upload_statistics": {
            "successful_imports": c["successful"],
            "parsed_imports": c["parsed"],
            "failed_imports": c["failed"],
            "total_number_of_imports": c["total"],
        },
    }
