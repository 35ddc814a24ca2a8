"""Settings: the one typed object that holds every environment variable, path, limit and plan figure.

The fields are grouped in section classes (``config/storage.py``, ``server.py``, ``faces.py``,
``analytics.py``) so each file stays readable; ``Settings`` is their one union. Nothing else in the
package reads ``os.environ``; everything receives a ``Settings`` instance.
Each field's description is the user documentation of that setting (``docs/settings.md`` lists
them all and a test keeps the two in step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from traitbase.config.analytics import AnalyticsSettings
from traitbase.config.faces import FaceSettings
from traitbase.config.server import ServerSettings
from traitbase.config.storage import StorageSettings

Plan = Literal["free", "free_trial", "growth"]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(StorageSettings, ServerSettings, FaceSettings, AnalyticsSettings, BaseSettings):
    """All Traitbase settings; each may be set as ``TRAITBASE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TRAITBASE_", env_file=None, extra="ignore")

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        # Checked here, not at first use: an unknown level used to surface as uvicorn's KeyError.
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

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
