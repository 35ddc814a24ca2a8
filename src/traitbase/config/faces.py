"""Part of Settings.

The vendor faces' limits and behaviour: attribute upload, imports, events, audience files.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Plan = Literal["free", "free_trial", "growth"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class FaceSettings(BaseModel):
    # --- attribute upload face (seed 000) ----------------------------------------------------------
    attributes_max_users: int = Field(100, description="Most users (rows of `values`) in one attribute upload.")
    attributes_max_fields: int = Field(50, description="Most names in `field_name` of one attribute upload.")
    attributes_max_field_name_length: int = Field(50, description="Longest attribute name, in characters.")
    attributes_max_value_length: int = Field(128, description="Longest attribute value, in characters.")
    attributes_rate_limit: str = Field(
        "60000/minute",
        description=(
            "Per-key limit on attribute uploads, in `limits` notation (`N/second|minute|hour|day`, `;`-joined)."
        ),
    )
    profile_writer_max_batch: int = Field(
        256,
        description=(
            "Most attribute requests the profile writer commits in one transaction (group commit); "
            "each request still succeeds or fails on its own."
        ),
    )
    profile_writer_linger_ms: float = Field(
        2.0,
        ge=0,
        description=(
            "How long the profile writer waits for more requests to join a group commit once it has one "
            "(milliseconds; 0 commits whatever is queued at once). Each commit rewrites the index pages "
            "its random ids land on and pays one fsync, so larger groups raise users/s."
        ),
    )

    rate_limit_exact_max: int = Field(
        10_000,
        ge=1,
        description=(
            "Rate limits of at most this many hits per window are exact (moving window: no rolling window "
            "of the stated length lets more than N through; one stored timestamp per hit). Larger limits use "
            "the sliding-window counter: constant cost, but it can let up to about 2N through one window."
        ),
    )

    # --- audience files face (seed 004) and audience storage ---------------------------------------
    audience_token_window_seconds: int = Field(
        300,
        description=(
            "Audience-files token auth: accepted distance, in seconds, between the `timestamp` header and "
            "the server clock. Inside it a token is good for any number of requests unless "
            "`token_auth_single_use` is on."
        ),
    )
    token_auth_single_use: bool = Field(
        False,
        description=(
            "Audience-files token auth: refuse a token seen before within the window (single use). Off by "
            "default because real clients sign with the current second and make several calls a second; "
            "on, each request needs its own timestamp and every token is remembered (memory or Redis)."
        ),
    )
    audience_files_rate_limit: str = Field(
        "600/minute", description="Per-key limit on audience-files API calls (`limits` notation)."
    )
    audience_file_max_bytes: int = Field(
        5 * 1024**3, description="Largest audience file accepted by a presigned upload, in bytes (5 GB)."
    )
    audience_file_max_decompressed_bytes: int = Field(
        64 * 1024**3,
        description=(
            "Largest decompressed size of a `.gz` audience file, in bytes; a file that inflates past it "
            "(a gzip bomb) is refused before anything is stored."
        ),
    )
    audience_upload_ttl_seconds: int = Field(
        900, description="How long a presigned audience-file upload URL or POST policy stays valid, in seconds."
    )
    audience_update_lock_seconds: int = Field(
        12 * 3600,
        description=(
            "An audience cannot be updated (`PUT audience`) within this many seconds of its last create or update."
        ),
    )
    audience_list_max_limit: int = Field(500, description="Largest `limit` of `GET audience` (audience files face).")
    audience_max_id_length: int = Field(
        256, description="Longest id (one line of an audience file or one `customer_id`), in characters."
    )
    audience_imports_max_lists: int = Field(
        500, description="Most audience lists one app may hold through the audience imports face (the next is refused)."
    )
    audience_imports_rate_limit: str = Field(
        "60/minute", description="Per-key limit on audience imports calls, status included (`limits` notation)."
    )
    audience_imports_max_body_bytes: int = Field(
        1024**3, description="Largest multipart body of an audience imports create or replace, in bytes."
    )

    # --- imports face (seed 002) -------------------------------------------------------------------
    imports_max_body_bytes: int = Field(
        10 * 1024**3,
        description="Largest accepted profile import upload (the whole multipart body), in bytes.",
    )
    imports_upload_rate_limit: str = Field(
        "10/hour", description="Per-key limit on profile import uploads (`limits` notation)."
    )
    imports_status_rate_limit: str = Field(
        "60/minute", description="Per-key limit on profile import status calls (`limits` notation)."
    )
    imports_chunk_lines: int = Field(
        25_000,
        description=(
            "Lines a profile import applies and checkpoints per transaction. Larger is faster (users "
            "repeated within a chunk are read and written once); smaller holds the embedded database's "
            "write lock for less time and uses less memory (about 2 KB per line, two chunks at once)."
        ),
    )
    imports_sort_memory_mb: int = Field(
        192,
        ge=64,
        description=(
            "Memory DuckDB may use to sort a JSON Lines profile import by customer before applying it (MB); "
            "beyond it the sort spills to `<data_dir>/work/imports`. 128 MB ran out of memory on 2 M lines."
        ),
    )
    imports_apply_processes: int = Field(
        2,
        ge=1,
        description=(
            "Processes that decode and apply a big JSON Lines profile import (over 100,000 lines): the "
            "worker and this many minus one helpers, each taking a share of every chunk's customers. "
            "1 applies in the worker alone; more than the machine's cores gains nothing."
        ),
    )
    imports_max_line_bytes: int = Field(
        1024 * 1024, description="Longest accepted line of an import file, in bytes; longer lines fail."
    )
    imports_max_value_length: int = Field(255, description="Longest string value (and set member) in an import.")
    imports_max_attr_name_length: int = Field(128, description="Longest attribute name in an import, in characters.")
    imports_max_customer_id_length: int = Field(
        255, description="Longest customer id in an import, in characters; a longer id fails its line."
    )
    imports_error_line_max_chars: int = Field(
        10000, description="A failed line is kept in the error log up to this many characters."
    )
    imports_error_log_url_seconds: int = Field(
        3600, description="How long a signed error-log URL handed out by the status endpoint stays valid."
    )

    # --- events face (seed 003) --------------------------------------------------------------------
    events_max_items: int = Field(1000, description="Most items in one events push (and PlayFab webhook call).")
    events_max_string_length: int = Field(
        1024, description="Longest string value accepted in an events push, in characters."
    )
    events_max_body_bytes: int = Field(
        8 * 1024 * 1024, description="Largest accepted body of an events push or PlayFab webhook call, in bytes."
    )
    events_rate_limit: str = Field(
        "60000/minute", description="Per-key limit on events pushes (`limits` notation, `;`-joined)."
    )

    events_csv_max_bytes: int = Field(
        1024 * 1024 * 1024, description="Largest accepted CSV push (`/v1/kpis/csv`, `/v1/survey-data/csv`), in bytes."
    )
    events_csv_chunk_rows: int = Field(
        10_000, description="Rows a CSV push job writes (and checkpoints) per transaction."
    )
    events_csv_default_bytes_per_second: float = Field(
        2_000_000.0,
        description=(
            "Import rate assumed for `estimated_time_to_complete` until a CSV push of that kind has been "
            "measured on this installation (then the measured rate is used)."
        ),
    )
