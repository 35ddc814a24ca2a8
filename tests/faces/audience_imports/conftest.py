"""No job workers here: these tests check the face's answers while a load is still ``Pending``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from traitbase.config import Settings


@pytest.fixture
def settings(tmp_path: Path, warehouse_overrides: dict[str, Any]) -> Settings:
    return make_settings(tmp_path, job_workers=0, **warehouse_overrides)
