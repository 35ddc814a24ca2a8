"""Control plane and user store on SQLite and PostgreSQL: migrations, bootstrap, keys, upserts, paging."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text

from tests.conftest import Env, build_env, make_settings
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.keys.principal import hash_secret, parse_token
from traitbase.domain.profiles import reads as profile_reads
from traitbase.errors import Unauthenticated
from traitbase.storage.db import alembic_config, migrate
from traitbase.storage.repos import keys as key_repo
from traitbase.storage.repos import profiles as repo

TABLES = {"alembic_version", "organizations", "projects", "members", "api_keys", "instance_state", "user_profiles"}


def _merge(
    env: Env, rows: list[tuple[str, dict[str, str]]], scope: str | None = None, environment: str = "production"
) -> int:
    with env.app.state.ctx.db.engine.begin() as conn:
        return repo.merge_attributes(
            conn,
            org_id=env.boot.org_id,
            scope=scope or repo.app_scope(env.boot.project_id),
            environment=environment,
            rows=rows,
            now=time.time(),
        )


def _view(env: Env, user_id: str, project_id: str | None = None) -> dict[str, object] | None:
    with env.app.state.ctx.db.read() as s:
        found = profile_reads.profile(
            s,
            org_id=env.boot.org_id,
            project_id=project_id or env.boot.project_id,
            environment="production",
            user_id=user_id,
        )
    return None if found is None else found[0]


def test_migrations_apply_and_are_idempotent(backend: Env) -> None:
    migrate(backend.settings)  # a second run is a no-op
    engine = backend.app.state.ctx.db.engine
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(backend.settings.resolved_database_url)).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head


def test_bootstrap_happens_once_only(backend: Env) -> None:
    with backend.app.state.ctx.db.uow() as s:
        assert first_start(s, backend.settings, now_iso="2026-01-02T00:00:00Z") is None
    r = backend.client.get("/admin/v1/orgs", headers=backend.admin)
    assert [o["name"] for o in r.json()["data"]] == ["Default organization"]


def test_key_is_stored_hashed_and_verifies(backend: Env) -> None:
    token = backend.key(["upload"])
    key_id, secret = parse_token(token)
    with backend.app.state.ctx.db.read() as s:
        row = key_repo.get_key(s, key_id)
    assert row is not None
    assert row.secret_hash == hash_secret(secret) and secret not in row.secret_hash
    p = backend.app.state.ctx.verifier.verify_token(token)
    assert (p.project_id, p.environment, sorted(p.scopes)) == (backend.boot.project_id, "production", ["upload"])


def test_revoked_key_no_longer_verifies(backend: Env) -> None:
    token = backend.key(["upload"])
    key_id, _ = parse_token(token)
    backend.client.post(f"/admin/v1/keys/{key_id}/revoke", headers=backend.admin)
    with pytest.raises(Unauthenticated):
        backend.app.state.ctx.verifier.verify_token(token)


def test_wrong_secret_does_not_verify(backend: Env) -> None:
    key_id, _ = parse_token(backend.key(["upload"]))
    with pytest.raises(Unauthenticated):
        backend.app.state.ctx.verifier.verify(key_id, "x" * 43)


def test_upsert_counts_created_then_merges(backend: Env) -> None:
    assert _merge(backend, [("u1", {"a": "1"}), ("u2", {"a": "2"})]) == 2
    assert _merge(backend, [("u1", {"b": "1"}), ("u3", {"a": "3"})]) == 1
    assert _view(backend, "u1") == {"a": "1", "b": "1"}
    assert _merge(backend, [("u1", {"a": "9"})]) == 0
    assert _view(backend, "u1") == {"a": "9", "b": "1"}


def test_repeated_user_in_one_call_is_folded_in_order(backend: Env) -> None:
    assert _merge(backend, [("u1", {"a": "1", "b": "x"}), ("u1", {"a": "2"})]) == 1
    assert _view(backend, "u1") == {"a": "2", "b": "x"}


def test_org_scope_overlaid_with_app_scope(backend: Env) -> None:
    _merge(backend, [("u1", {"tier": "free", "country": "JP"})], scope=repo.ORG_SCOPE)
    _merge(backend, [("u1", {"tier": "gold"})])
    assert _view(backend, "u1") == {"tier": "gold", "country": "JP"}
    other = backend.project("other")
    assert _view(backend, "u1", project_id=other) == {"tier": "free", "country": "JP"}


def test_environments_are_separate_rows(backend: Env) -> None:
    _merge(backend, [("u1", {"a": "sbx"})], environment="sandbox")
    assert _view(backend, "u1") is None


def test_list_paging_is_ordered_by_user_id(backend: Env) -> None:
    _merge(backend, [(f"u{i:02d}", {"n": str(i)}) for i in range(7)])
    _merge(backend, [("u03", {"org": "y"}), ("u99", {"org": "y"})], scope=repo.ORG_SCOPE)
    seen: list[str] = []
    after = None
    with backend.app.state.ctx.db.read() as s:
        while True:
            page = profile_reads.page(
                s,
                org_id=backend.boot.org_id,
                project_id=backend.boot.project_id,
                environment="production",
                after=after,
                limit=3,
            )
            if not page:
                break
            seen += [u for u, *_ in page]
            after = page[-1][0]
        count = repo.count_profiles(
            s, org_id=backend.boot.org_id, project_id=backend.boot.project_id, environment="production"
        )
    assert seen == [f"u{i:02d}" for i in range(7)] + ["u99"]
    assert count == 8


def test_upload_through_the_face_on_each_backend(backend: Env) -> None:
    token = backend.key(["upload"])
    body = {"field_name": ["user_id", "a"], "values": [["u1", "x"], ["u2", "y"], ["u1", "z"]]}
    r = backend.client.post("/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {"code": 200, "message": "OK", "data": {"received": 3, "created": 2, "updated": 1}}
    r = backend.client.get(f"/admin/v1/projects/{backend.boot.project_id}/users/u1", headers=backend.admin)
    assert r.json()["data"]["attributes"] == {"a": "z"}


def test_nul_in_admin_path_is_404_not_a_crash(backend: Env) -> None:
    r = backend.client.get(f"/admin/v1/projects/{backend.boot.project_id}/users/a%00b", headers=backend.admin)
    assert (r.status_code, r.json()) == (404, {"code": 404, "message": "user not found"})
    r = backend.client.get("/admin/v1/projects/ab%00cdef", headers=backend.admin)
    assert (r.status_code, r.json()) == (404, {"code": 404, "message": "project not found"})


def test_key_times_are_utc_on_each_backend(backend: Env) -> None:
    keys = backend.client.get("/admin/v1/keys", headers=backend.admin).json()["data"]
    assert all(k["created_at"].endswith("+00:00") for k in keys)


def test_nul_in_attribute_value_is_400_on_each_backend(backend: Env) -> None:
    body = {"field_name": ["user_id", "a"], "values": [["u1", "x\u0000"]]}
    r = backend.client.post(
        "/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {backend.key(['upload'])}"}
    )
    assert (r.status_code, r.json()) == (400, {"code": 400, "message": "values[0][1] (a) contains a NUL character"})


def test_long_timezone_is_400_on_each_backend(backend: Env) -> None:
    r = backend.client.post("/admin/v1/projects", json={"name": "x", "timezone": "Z" * 100}, headers=backend.admin)
    assert r.status_code == 400


def _bulk_statements(env: Env, sizes: list[int]) -> tuple[set[str], dict[str, dict[str, object]]]:
    """Write then read back ``sum(sizes)`` users in bulk calls of the given sizes; the distinct SQL texts used."""
    seen: set[str] = set()
    engine = env.app.state.ctx.db.engine

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "user_profiles" in statement:
            seen.add(statement)

    org_id, scope = env.boot.org_id, repo.app_scope(env.boot.project_id)
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = 0
        for size in sizes:
            docs = (orjson.dumps({"n": first + i, "tags": ["a", "b"]}).decode() for i in range(size))
            rows = [(f"u{first + i:05d}", doc) for i, doc in enumerate(docs)]
            with env.app.state.ctx.db.uow() as s:
                repo.replace_attributes(
                    s, org_id=org_id, scope=scope, environment="production", rows=rows, now=time.time()
                )
            first += size
        with env.app.state.ctx.db.uow() as s:
            ids = [f"u{i:05d}" for i in range(first + 5)]
            loaded = repo.load_attributes(s, org_id=org_id, scope=scope, environment="production", user_ids=ids)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen, loaded


def test_bulk_writes_and_reads_use_a_few_fixed_statements_whatever_the_sizes(backend: Env) -> None:
    # Statements whose text follows the batch size would each stay prepared in the driver's
    # per-connection cache; an import worker's memory grew by tens of MB that way.
    sizes = [1, 7, 26, 251, 2_001, 4_321, 3, 999]
    seen, loaded = _bulk_statements(backend, sizes)
    assert len(loaded) == sum(sizes)
    assert loaded["u00000"] == {"n": 0, "tags": ["a", "b"]}
    assert loaded[f"u{sum(sizes) - 1:05d}"] == {"n": sum(sizes) - 1, "tags": ["a", "b"]}
    writes = {s for s in seen if s.startswith("INSERT")}
    reads = {s for s in seen if s.startswith("SELECT")}
    assert len(writes) <= len(repo._UPSERT_SIZES)
    assert len(reads) == 1


def test_bulk_write_replaces_whole_documents(backend: Env) -> None:
    _merge(backend, [("u00000", {"old": "x"})])
    _seen, loaded = _bulk_statements(backend, [2])
    assert loaded == {"u00000": {"n": 0, "tags": ["a", "b"]}, "u00001": {"n": 1, "tags": ["a", "b"]}}
    assert _view(backend, "u00000") == {"n": 0, "tags": ["a", "b"]}


def test_sqlite_connections_get_the_configured_page_cache(tmp_path: Path) -> None:
    for env in build_env(make_settings(tmp_path, sqlite_cache_mb=48, sqlite_wal_autocheckpoint_pages=3000)):
        db = env.app.state.ctx.db
        for engine in (db.engine, db.read_engine):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -48 * 1024
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 3000
