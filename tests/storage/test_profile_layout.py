"""The user store's layout (migration 0005): data moves intact, and every profile query uses the key index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from sqlalchemy import Connection, event, inspect, text

from tests.conftest import Env, make_settings
from traitbase.config import Settings
from traitbase.storage.db import alembic_config, make_engine, migrate
from traitbase.storage.repos import profiles as repo

ROWS = [
    (1, "org", "production", "u-b", {"plan": "pro"}, 10.0, 11.0),
    (1, "app:p1", "production", "u-a", {"level": 3, "tags": ["x", "y"]}, 12.0, 12.0),
    (1, "app:p1", "sandbox", "u-a", {"level": 1}, 13.0, 14.0),
    (2, "org", "production", "u-a", {"name": "ünï"}, 15.0, 15.0),
]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        return make_settings(tmp_path, database_url=request.getfixturevalue("pg_url"))
    return make_settings(tmp_path)


def _rows(conn: Connection) -> list[tuple[Any, ...]]:
    found = conn.execute(
        text(
            "SELECT org_id, scope, environment, user_id, attrs, created_at, updated_at FROM user_profiles "
            "ORDER BY org_id, scope, environment, user_id"
        )
    ).all()
    return [(*r[:4], r[4] if isinstance(r[4], dict) else orjson.loads(r[4]), *r[5:]) for r in found]


def test_migration_moves_existing_profiles(store: Settings) -> None:
    migrate(store, "0005")
    engine = make_engine(store.resolved_database_url)
    try:
        cast = "CAST(:attrs AS jsonb)" if engine.dialect.name == "postgresql" else ":attrs"
        with engine.begin() as conn:
            for org, scope, envname, uid, attrs, created, updated in ROWS:
                conn.execute(
                    text(
                        "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, "
                        f"updated_at) VALUES (:org, :scope, :env, :uid, {cast}, :c, :u)"
                    ),
                    {"org": org, "scope": scope, "env": envname, "uid": uid, "attrs": orjson.dumps(attrs).decode()}
                    | {"c": created, "u": updated},
                )
        migrate(store)
        with engine.connect() as conn:
            assert _rows(conn) == sorted(ROWS)
            info = inspect(conn)
            assert info.get_pk_constraint("user_profiles")["constrained_columns"] == ["id"]
            assert [(ix["name"], ix["column_names"], ix["unique"]) for ix in info.get_indexes("user_profiles")] == [
                ("uq_user_profiles_key", ["org_id", "scope", "environment", "user_id"], True)
            ]
            if engine.dialect.name == "sqlite":
                ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'user_profiles'")).scalar_one()
                assert "WITHOUT ROWID" not in ddl
        # New rows get fresh ids after the moved ones, and the key stays unique.
        with engine.begin() as conn:
            created = repo.merge_attributes(
                conn,
                org_id=1,
                scope="org",
                environment="production",
                rows=[("u-b", {"x": "1"}), ("u-c", {"x": "2"})],
                now=time.time(),
            )
            assert created == 1
            assert conn.execute(text("SELECT COUNT(*) FROM user_profiles")).scalar_one() == len(ROWS) + 1
        command.downgrade(
            alembic_config(store.resolved_database_url), "0005"
        )  # and back: the old layout with the same rows
        with engine.connect() as conn:
            assert len(_rows(conn)) == len(ROWS) + 1
            assert inspect(conn).get_pk_constraint("user_profiles")["constrained_columns"] == [
                "org_id",
                "scope",
                "environment",
                "user_id",
            ]
    finally:
        engine.dispose()


@pytest.fixture
def plans(env: Env) -> Iterator[list[str]]:
    """The SQLite query plan of every statement on user_profiles the test runs."""
    db = env.app.state.ctx.db
    seen: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "user_profiles" in statement and not statement.startswith("EXPLAIN"):
            detail = cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            seen.append(statement.split()[0] + ": " + " | ".join(str(r[-1]) for r in detail))

    for engine in {db.engine, db.read_engine}:
        event.listen(engine, "before_cursor_execute", explain)
    yield seen
    for engine in {db.engine, db.read_engine}:
        event.remove(engine, "before_cursor_execute", explain)


def test_every_profile_query_uses_the_key_index(env: Env, plans: list[str]) -> None:
    db = env.app.state.ctx.db
    org, project = env.boot.org_id, env.boot.project_id
    scope = repo.app_scope(project)
    with db.engine.begin() as conn:
        repo.merge_attributes(
            conn, org_id=org, scope=scope, environment="production", rows=[("u1", {"a": "1"})], now=1.0
        )
    with db.uow() as s:
        repo.load_attributes(s, org_id=org, scope=scope, environment="production", user_ids={"u1", "u2"})
        repo.replace_attributes(s, org_id=org, scope=scope, environment="production", rows=[("u2", "{}")], now=2.0)
    with db.read() as s:
        repo.get_profile(s, org_id=org, project_id=project, environment="production", user_id="u1")
        repo.list_profiles(s, org_id=org, project_id=project, environment="production", after=None, limit=10)
        repo.count_profiles(s, org_id=org, project_id=project, environment="production")
    with db.engine.begin() as conn:
        repo.delete_environment(conn, org_id=org, scope=scope, environment="sandbox")
    reads = [p for p in plans if not p.startswith("INSERT")]
    assert len(reads) == 6, plans
    for plan in reads:
        assert "SEARCH user_profiles USING" in plan and "uq_user_profiles_key" in plan, plan
        assert "SCAN user_profiles" not in plan, plan
