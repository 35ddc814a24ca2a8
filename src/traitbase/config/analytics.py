"""Part of Settings.

Web collection, page scans, and the query API's plans, retention and reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Plan = Literal["free", "free_trial", "growth"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class AnalyticsSettings(BaseModel):
    # --- query API plans (seed 001) ----------------------------------------------------------------
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

    # --- page scan (headless Chromium) -------------------------------------------------------------
    scan_chromium_path: Path = Field(
        Path("/usr/bin/chromium"),
        description="Chromium that page scans drive through Playwright (Debian's `chromium` package).",
    )
    scan_timeout_seconds: float = Field(
        30.0, gt=0, description="Longest a page scan may take to load and screenshot one page."
    )
    scan_allow_private_addresses: bool = Field(
        False,
        description=(
            "Let page scans load pages and resources on loopback, private and link-local addresses. Off: a "
            "scan cannot be used to look into the server's own network."
        ),
    )
    scan_screenshot_url_seconds: int = Field(
        3600, ge=1, description="How long a signed scan-screenshot URL handed out by the admin API stays valid."
    )

    # --- web collection (POST /collect, GET /collect/config; docs/collect.md) ----------------------
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
