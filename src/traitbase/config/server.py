"""Part of Settings.

The server process: listening, logging, keys, body caps, the admin API, background jobs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Plan = Literal["free", "free_trial", "growth"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ServerSettings(BaseModel):
    # --- server ------------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `traitbase serve` binds. Put TLS in a reverse proxy.")
    port: int = Field(8600, ge=1, le=65535, description="Port `traitbase serve` listens on (1 to 65535).")
    public_url: str | None = Field(
        None,
        description="Base URL clients reach this server at, used in signed URLs. Unset: http://<host>:<port>.",
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case).")
    api_docs_enabled: bool = Field(
        True,
        description=(
            "Serve the interactive API reference: `/docs` (Swagger UI), `/redoc` (ReDoc) and the OpenAPI "
            "document `/openapi.json`. Off: all three answer 404 (e.g. on a public deployment)."
        ),
    )
    log_json: bool = Field(False, description="Write logs as JSON lines instead of human-readable text.")
    gc_young_threshold: int = Field(
        20_000,
        description=(
            "Allocations between young-generation garbage collections in a serving process "
            "(`serve`, the ASGI factory); start-up objects are also frozen out of collection. "
            "0 keeps Python's defaults."
        ),
    )
    switch_interval_ms: float = Field(
        1.0,
        ge=0,
        description=(
            "How long a thread of a serving process may hold the interpreter before another thread "
            "(e.g. a storage writer) gets it, in milliseconds (Python's default is 5). 0 keeps Python's default."
        ),
    )
    access_log: bool = Field(True, description="Log one line per request (query strings redacted).")
    log_query_values: bool = Field(
        False,
        description=(
            "Write query-parameter values in the access log. Off: every value is written as `***`. "
            "On or off, a value shaped like a Traitbase key or secret is always masked."
        ),
    )
    json_max_depth: int = Field(
        64, ge=2, description="Deepest nesting of arrays and objects accepted in a JSON request body."
    )

    # --- keys --------------------------------------------------------------------------------------
    key_cache_seconds: float = Field(
        5.0,
        description=(
            "How long a verified API key is cached in process memory. A revocation takes effect "
            "on every server process within this time."
        ),
    )
    key_last_used_resolution_seconds: float = Field(
        60.0, description="A key's last-used time is written at most once per this many seconds."
    )

    # --- request body caps (bytes, decompressed) ---------------------------------------------------
    attributes_max_body_bytes: int = Field(
        2 * 1024 * 1024, description="Largest accepted body of `POST /v1/user/profiles`, in bytes."
    )
    admin_max_body_bytes: int = Field(1024 * 1024, description="Largest accepted body on the admin API, in bytes.")

    # --- admin API ---------------------------------------------------------------------------------
    admin_rate_limit: str = Field("600/minute", description="Per-key limit on admin API calls (`limits` notation).")
    admin_page_size_max: int = Field(1000, description="Largest page the admin API's list endpoints return.")

    # --- background jobs ---------------------------------------------------------------------------
    job_workers: int = Field(
        2,
        description=(
            "Job worker threads started inside each `traitbase serve` process (0: none; then run "
            "`traitbase worker` processes). `traitbase worker` uses it too, with at least 1."
        ),
    )
    job_poll_seconds: float = Field(1.0, description="How often an idle worker looks for a runnable job, in seconds.")
    job_lease_seconds: float = Field(
        30.0,
        description=(
            "How long a claimed job stays owned by its worker without a heartbeat (renewed every third of it). "
            "A job whose worker died is picked up by another worker after this time."
        ),
    )
    job_max_attempts: int = Field(
        5, description="Attempts (claims) a job gets before it is marked failed; a crashed worker counts as one."
    )
    job_retry_backoff_seconds: float = Field(
        5.0, description="Wait before retrying a job whose handler raised an error; doubled per attempt."
    )
