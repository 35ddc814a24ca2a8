"""Part of Settings.

Where data lives: data directory, databases, blob storage, the warehouse, idempotency, first start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Plan = Literal["free", "free_trial", "growth"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A memory size as DuckDB spells it (``512MB``, ``2GB``); the warehouse checks it again before a SET.
MEMORY_SIZE = r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$"


class StorageSettings(BaseModel):
    # --- where data lives --------------------------------------------------------------------------
    data_dir: Path = Field(
        Path("./traitbase-data"),
        description="Directory for the embedded databases, uploaded files and the master key.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy URL of the control plane and user store. Unset: SQLite file "
            "`<data_dir>/traitbase.db`. Scale mode: `postgresql+psycopg://user@host/db`."
        ),
    )
    sqlite_cache_mb: int = Field(
        64,
        ge=1,
        description=(
            "Page cache of each SQLite connection, in MB (embedded mode). Filled only as pages are read, "
            "so it never exceeds the database size; larger values speed up big profile imports."
        ),
    )
    sqlite_wal_autocheckpoint_pages: int = Field(
        16_000,
        ge=1,
        description=(
            "SQLite (embedded mode): the write-ahead log is copied back into the database once it holds "
            "this many pages (4 KB each). Larger means fewer, bigger checkpoints: a page that random user "
            "ids update many times is written back once (default ~64 MB of log; SQLite's own is 1,000)."
        ),
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL for rate-limit counters (scale mode). Unset: counters live in process memory.",
    )
    auto_migrate: bool = Field(
        True,
        description="Apply database migrations when the server starts (`traitbase migrate` does it alone).",
    )

    master_key: str | None = Field(
        None,
        description=(
            "Server master key (any long random string) that signs URLs and encrypts recoverable secrets. "
            "Unset: read from `master_key_file`, created on first start. All processes must share it."
        ),
    )
    master_key_file: Path | None = Field(
        None, description="File holding the master key. Unset: `<data_dir>/master.key`."
    )
    blob_dir: Path | None = Field(
        None,
        description="Directory of the local-disk blob store (uploaded files, error logs). Unset: `<data_dir>/blobs`.",
    )

    # --- idempotency -------------------------------------------------------------------------------
    idempotency_ttl_seconds: int = Field(
        24 * 3600,
        description="How long an `Idempotency-Key` and its first answer are remembered, per project.",
    )

    # --- blob storage backends ---------------------------------------------------------------------
    blob_backend: Literal["local", "s3"] = Field(
        "local",
        description="Where uploaded files live: `local` (disk under `blob_dir`) or `s3` (an S3-compatible bucket).",
    )
    s3_endpoint_url: str | None = Field(
        None, description="Endpoint of the S3-compatible service (e.g. `http://127.0.0.1:9000`). Unset: AWS S3."
    )
    s3_bucket: str = Field("traitbase", description="Bucket that holds Traitbase's files in `s3` blob mode.")
    s3_region: str = Field("us-east-1", description="Region of the bucket in `s3` blob mode.")
    s3_access_key_id: str | None = Field(
        None, description="Access key id for `s3` blob mode. Unset: boto3's usual credential chain."
    )
    s3_secret_access_key: str | None = Field(None, description="Secret access key for `s3` blob mode.")
    s3_key_prefix: str = Field("", description="Prefix put before every object key in the bucket (e.g. `traitbase/`).")

    # --- warehouse (events and audiences; DuckDB embedded) -----------------------------------------
    warehouse_url: str | None = Field(
        None,
        description=(
            "Where the warehouse lives. Unset: the embedded DuckDB file (`warehouse_path`, one server process). "
            "`clickhouse://user:password@host:9000/database`: a ClickHouse server shared by every API and "
            "worker process (scale mode; native protocol port)."
        ),
    )
    warehouse_writer_linger_seconds: float = Field(
        0.005,
        ge=0,
        description=(
            "ClickHouse: how long the writer waits after a request arrives for others to join its insert "
            "(bounded latency for fewer, larger inserts)."
        ),
    )
    warehouse_pending_seconds: float = Field(
        30.0,
        gt=0,
        description=(
            "ClickHouse: a retried Idempotency-Key whose first attempt is still pending after this long is "
            "taken as crashed and completed by the retry (sooner: answered 409, retry)."
        ),
    )
    warehouse_path: Path | None = Field(
        None, description="DuckDB file of the warehouse (events, audiences). Unset: `<data_dir>/warehouse.duckdb`."
    )
    warehouse_writer_max_batch: int = Field(
        256,
        description=(
            "Most requests the warehouse writer commits in one transaction (group commit); "
            "each request still succeeds or fails on its own."
        ),
    )
    warehouse_writer_max_rows: int = Field(
        200_000, description="A group commit stops taking more requests once it holds this many rows."
    )
    warehouse_read_timeout_seconds: float = Field(
        30.0, description="Longest a warehouse read may run before it is stopped (answered 503)."
    )
    warehouse_read_max_rows: int = Field(
        100_000, description="Most rows one warehouse read returns; longer results are cut and marked truncated."
    )
    warehouse_memory_limit: str = Field(
        "512MB",
        pattern=MEMORY_SIZE,
        description=(
            "DuckDB `memory_limit` of the warehouse (e.g. `256MB`, `2GB`): its buffer pool; queries "
            "spill to `warehouse_temp_dir` beyond it. Heatmap queries over ~10M tracker events want 512MB."
        ),
    )
    warehouse_load_memory_limit: str = Field(
        "128MB",
        pattern=MEMORY_SIZE,
        description=(
            "The warehouse's buffer pool while a bulk audience load runs (DuckDB has one limit per "
            "database, lowered for the load and restored after): bounds the server's memory during "
            "loads of tens of millions of ids; queries meanwhile spill."
        ),
    )
    warehouse_threads: int = Field(
        2, ge=1, description="DuckDB `threads` of the warehouse: worker threads one query may use (about one per core)."
    )
    warehouse_temp_dir: Path | None = Field(
        None,
        description="Directory where DuckDB spills data past its memory limit. Unset: `<data_dir>/warehouse.tmp`.",
    )

    # --- bootstrap ---------------------------------------------------------------------------------
    bootstrap_org_name: str = Field("Default organization", description="Name of the organization made at first start.")
    bootstrap_project_name: str = Field("Default project", description="Name of the project made at first start.")
