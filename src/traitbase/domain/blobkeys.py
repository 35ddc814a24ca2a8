"""Where every kind of file lives in the blob store: the one place that names blob keys.

Keys are chosen by the server only (never from a client), so a request can never address
another tenant's object; the random or job-bound part makes each key unique.
"""

from __future__ import annotations


def profile_import_source(activity_id: str) -> str:
    return f"imports/{activity_id}/source"


def profile_import_errors(job_id: str) -> str:
    return f"imports/{job_id}/errors.jsonl"


def audience_list_source(project_id: str | None, token: str) -> str:
    return f"audience-lists/{project_id}/{token}/source.jsonl"


def event_csv_source(job_id: str) -> str:
    return f"events-csv/{job_id}/source.csv"


def audience_file(project_id: str | None, upload_id: str, safe_name: str) -> str:
    return f"audience-files/{project_id}/{upload_id}/{safe_name}"
