"""Settings: the one typed object that holds every environment variable, path, limit and plan figure.

Nothing else in the package reads ``os.environ``; everything receives a ``Settings`` instance.
Each field's description is the user documentation of that setting (``docs/settings.md`` lists
them all and a test keeps the two in step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Plan = Literal["free", "free_trial", "growth"]


class Settings(BaseSettings):
    """All Traitbase settings; each may be set as ``TRAITBASE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TRAITBASE_", env_file=None, extra="ignore")

    # --- where data lives -------------------------------------------------------------------
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

    # --- server -----------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `traitbase serve` binds. Put TLS in a reverse proxy.")
    port: int = Field(8600, description="Port `traitbase serve` listens on.")
    public_url: str | None = Field(
        None,
        description="Base URL clients reach this server at, used in signed URLs. Unset: http://<host>:<port>.",
    )
    log_level: str = Field("INFO", description="Log level: DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(False, description="Write logs as JSON lines instead of human-readable text.")
    gc_young_threshold: int = Field(
        20_000,
        description=(
            "Allocations between young-generation garbage collections in a serving process "
            "(`serve`, the ASGI factory); start-up objects are also frozen out of collection. "
            "0 keeps Python's defaults."
        ),
    )
    access_log: bool = Field(True, description="Log one line per request (query strings redacted).")

    # --- keys -------------------------------------------------------------------------------
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

    # --- request body caps (bytes, decompressed) ------------------------------------------
    attributes_max_body_bytes: int = Field(
        2 * 1024 * 1024, description="Largest accepted body of `POST /v1/user/profiles`, in bytes."
    )
    admin_max_body_bytes: int = Field(1024 * 1024, description="Largest accepted body on the admin API, in bytes.")

    # --- attribute upload face (seed 000) ---------------------------------------------------
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
        64,
        description=(
            "Most attribute requests the profile writer commits in one transaction (group commit); "
            "each request still succeeds or fails on its own."
        ),
    )

    # --- query API plans (seed 001) ---------------------------------------------------------
    plan_free_per_minute: int = Field(3, description="Query API calls per key per minute on the Free plan.")
    plan_free_per_day: int = Field(100, description="Query API calls per key per day on the Free plan.")
    plan_free_trial_per_minute: int = Field(10, description="Query API calls per key per minute on Free Trial.")
    plan_free_trial_per_day: int = Field(1000, description="Query API calls per key per day on Free Trial.")
    plan_growth_per_minute: int = Field(30, description="Query API calls per key per minute on the Growth plan.")
    plan_growth_per_day: int = Field(3000, description="Query API calls per key per day on the Growth plan.")
    default_plan: Plan = Field("free", description="Plan given to organizations created without one.")
    plan_free_retention_days: int = Field(90, description="Days of data a Free plan may query (older dates: 4003).")
    plan_free_trial_retention_days: int = Field(180, description="Days of data a Free Trial plan may query.")
    plan_growth_retention_days: int = Field(365, description="Days of data a Growth plan may query.")
    query_max_body_bytes: int = Field(64 * 1024, description="Largest query API request body (/open-api/v1/).")
    query_read_timeout_seconds: float = Field(
        10.0, description="Longest one query API warehouse read may run before it is stopped (answered 503, code 5030)."
    )
    query_read_max_rows: int = Field(10_000, description="Most rows one query API warehouse read returns.")
    query_values_limit: int = Field(1000, description="Most values a filter-values / dimension list answer holds.")

    # --- admin API --------------------------------------------------------------------------
    admin_rate_limit: str = Field("600/minute", description="Per-key limit on admin API calls (`limits` notation).")
    admin_page_size_max: int = Field(1000, description="Largest page the admin API's list endpoints return.")

    # --- idempotency ------------------------------------------------------------------------
    idempotency_ttl_seconds: int = Field(
        24 * 3600,
        description="How long an `Idempotency-Key` and its first answer are remembered, per project.",
    )

    # --- audience files face (seed 004) and audience storage ---------------------------------
    audience_token_window_seconds: int = Field(
        300,
        description=(
            "Audience-files token auth: accepted distance, in seconds, between the `timestamp` header and "
            "the server clock; a token already seen within this window is refused as a replay."
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

    # --- blob storage backends ----------------------------------------------------------------
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

    # --- imports face (seed 002) -----------------------------------------------------------
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

    # --- background jobs --------------------------------------------------------------------
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

    # --- events face (seed 003) ---------------------------------------------------------------
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

    # --- web collection (POST /collect, GET /collect/config; docs/collect.md) -----------------
    collect_max_body_bytes: int = Field(
        256 * 1024, description="Largest accepted body of `POST /collect` (one tracker batch), in bytes."
    )
    collect_max_events: int = Field(200, ge=1, description="Most events in one `POST /collect` batch.")
    collect_rate_limit: str = Field(
        "6000/minute", description="Per-site-key limit on `POST /collect` requests (`limits` notation, `;`-joined)."
    )
    collect_visit_idle_minutes: float = Field(
        30.0, gt=0, description="A visit ends after this many minutes without any event from the visitor."
    )
    collect_respect_dnt: bool = Field(
        True,
        description=(
            "Tell the tracker (through `GET /collect/config`) to send nothing from browsers that signal "
            "Do-Not-Track or Global Privacy Control."
        ),
    )
    collect_client_ip_header: str | None = Field(
        None,
        description=(
            "Header a trusted reverse proxy sets to the visitor's address (e.g. `X-Forwarded-For`; its first "
            "entry is used). Unset: the connection's peer address. Only used for the GeoIP lookup, never stored."
        ),
    )
    collect_log_full_ip: bool = Field(
        False,
        description=(
            "Allow the visitor's full IP address in collection logs. Off: logs show only its /24 (IPv4) or "
            "/48 (IPv6) network."
        ),
    )
    collect_config_cache_seconds: int = Field(
        300, description="`Cache-Control: max-age` of `GET /collect/config` answers, and how long a server caches them."
    )
    geoip_database: Path | None = Field(
        None,
        description=(
            "MaxMind-format (`.mmdb`) file for visitor country and region (GeoLite2-City, DB-IP Lite, ...). "
            "Unset, and no `collect_country_header`: no country or region is recorded."
        ),
    )
    collect_country_header: str | None = Field(
        None,
        description=(
            "Header a trusted proxy sets to the visitor's ISO country code (e.g. `CF-IPCountry`, `X-Country`); "
            "it wins over `geoip_database`. Unset: not read (a client could forge it)."
        ),
    )
    collect_region_header: str | None = Field(
        None, description="Header a trusted proxy sets to the visitor's region name, used with the country header."
    )

    # --- warehouse (events and audiences; DuckDB embedded) ---------------------------------
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
        "128MB",
        description=(
            "DuckDB `memory_limit` of the warehouse (e.g. `256MB`, `2GB`): its buffer pool; big loads and "
            "queries spill to `warehouse_temp_dir` beyond it."
        ),
    )
    warehouse_threads: int = Field(
        2, ge=1, description="DuckDB `threads` of the warehouse: worker threads one query may use (about one per core)."
    )
    warehouse_temp_dir: Path | None = Field(
        None,
        description="Directory where DuckDB spills data past its memory limit. Unset: `<data_dir>/warehouse.tmp`.",
    )

    # --- bootstrap ----------------------------------------------------------------------------
    bootstrap_org_name: str = Field("Default organization", description="Name of the organization made at first start.")
    bootstrap_project_name: str = Field("Default project", description="Name of the project made at first start.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'traitbase.db').resolve()}"

    @property
    def resolved_warehouse_path(self) -> Path:
        return self.warehouse_path or self.data_dir / "warehouse.duckdb"

    @property
    def resolved_warehouse_temp_dir(self) -> Path:
        return self.warehouse_temp_dir or self.data_dir / "warehouse.tmp"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def plan_limits(self, plan: Plan) -> tuple[int, int]:
        """(per minute, per day) query-API allowance of a plan."""
        table: dict[str, tuple[int, int]] = {
            "free": (self.plan_free_per_minute, self.plan_free_per_day),
            "free_trial": (self.plan_free_trial_per_minute, self.plan_free_trial_per_day),
            "growth": (self.plan_growth_per_minute, self.plan_growth_per_day),
        }
        return table[plan]

    def plan_retention_days(self, plan: str) -> int:
        """Days back a plan's queries may reach (unknown plans get the Free figure)."""
        table = {
            "free": self.plan_free_retention_days,
            "free_trial": self.plan_free_trial_retention_days,
            "growth": self.plan_growth_retention_days,
        }
        return table.get(plan, self.plan_free_retention_days)
