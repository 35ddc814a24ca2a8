"""Migration 0008: every existing project gets a sandbox site key of its own, unique and required."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from tests.conftest import make_settings
from traitbase.config import Settings
from traitbase.storage.db import make_engine, migrate


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        return make_settings(tmp_path, database_url=request.getfixturevalue("pg_url"))
    return make_settings(tmp_path)


def test_existing_projects_get_distinct_sandbox_site_keys(store: Settings) -> None:
    migrate(store, "0007")
    engine = make_engine(store.resolved_database_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO organizations (id, name, plan, created_at) VALUES (1, 'o', 'free', :now)"),
                {"now": now},
            )
            for pid in ("aaaa0001", "aaaa0002"):
                conn.execute(
                    text(
                        "INSERT INTO projects (id, org_id, name, site_key, timezone, created_at) "
                        "VALUES (:id, 1, 'p', :site, 'UTC', :now)"
                    ),
                    {"id": pid, "site": f"tbs_{pid}", "now": now},
                )
        migrate(store)
        with engine.connect() as conn:
            got = conn.execute(text("SELECT id, site_key, sandbox_site_key FROM projects ORDER BY id")).all()
        assert [(r[0], r[1]) for r in got] == [("aaaa0001", "tbs_aaaa0001"), ("aaaa0002", "tbs_aaaa0002")]
        keys = [r[2] for r in got]
        assert all(k.startswith("tbx_") and len(k) > 20 for k in keys) and len(set(keys)) == 2
        # Unique and required from now on.
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE projects SET sandbox_site_key = :k WHERE id = 'aaaa0002'"), {"k": keys[0]})
        with pytest.raises(exc.IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE projects SET sandbox_site_key = NULL WHERE id = 'aaaa0002'"))
    finally:
        engine.dispose()
