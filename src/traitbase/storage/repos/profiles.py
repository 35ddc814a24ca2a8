"""User profiles: attribute upserts (the hot path) and the merged project view.

A project's view of a user is the organization-scope row overlaid with the project's own row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

ORG_SCOPE = "org"


def app_scope(project_id: str) -> str:
    return f"app:{project_id}"


# json_patch applies an RFC 7386 merge; our values are never null, so it only sets keys.
# RETURNING tells per row whether it was inserted (created_at still equals updated_at).
_MERGE_SQL = {
    "sqlite": (
        "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, updated_at) "
        "VALUES {rows} ON CONFLICT (org_id, scope, environment, user_id) DO UPDATE SET "
        "attrs = json_patch(user_profiles.attrs, excluded.attrs), updated_at = excluded.updated_at "
        "RETURNING created_at = updated_at",
        "(?, ?, ?, ?, ?, ?, ?)",
    ),
    "postgresql": (
        "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, updated_at) "
        "VALUES {rows} ON CONFLICT (org_id, scope, environment, user_id) DO UPDATE SET "
        "attrs = user_profiles.attrs || excluded.attrs, updated_at = excluded.updated_at "
        "RETURNING xmax = 0",
        "(%s, %s, %s, %s, CAST(%s AS jsonb), %s, %s)",
    ),
}


def merge_attributes(
    conn: Connection,
    *,
    org_id: int,
    scope: str,
    environment: str,
    rows: Sequence[tuple[str, dict[str, str]]],
    now: float,
) -> int:
    """Upsert (user id, attributes) rows, merging into existing attributes; returns users created.

    One multi-row statement per call (the hot path of attribute uploads): repeated users are
    folded first, because one statement may not touch a row twice.
    """
    folded: dict[str, dict[str, str]] = {}
    for uid, attrs in rows:
        if uid in folded:
            folded[uid].update(attrs)
        else:
            folded[uid] = dict(attrs)
    if not folded:
        return 0
    sql, row_ph = _MERGE_SQL[conn.dialect.name]
    params: list[Any] = []
    for uid, attrs in folded.items():
        params.extend((org_id, scope, environment, uid, orjson.dumps(attrs).decode(), now, now))
    statement = sql.format(rows=", ".join([row_ph] * len(folded)))
    result = conn.exec_driver_sql(statement, tuple(params))
    return sum(1 for (inserted,) in result if inserted)


def _decode(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    return dict(orjson.loads(raw))


# One stored scope of a user: (scope, attributes, created_at, updated_at).
ScopeRow = tuple[str, dict[str, Any], float, float]


def get_profile(s: Session, *, org_id: int, project_id: str, environment: str, user_id: str) -> list[ScopeRow]:
    """The stored scopes (organization, the project's own) of one user; empty if the user is unknown."""
    rows = s.execute(
        text(
            "SELECT scope, attrs, created_at, updated_at FROM user_profiles "
            "WHERE org_id = :org_id AND environment = :env AND user_id = :uid AND scope IN (:org, :app)"
        ),
        {
            "org_id": org_id,
            "env": environment,
            "uid": user_id,
            "org": ORG_SCOPE,
            "app": app_scope(project_id),
        },
    ).all()
    return [(str(r[0]), _decode(r[1]), float(r[2]), float(r[3])) for r in rows]


def list_profiles(
    s: Session, *, org_id: int, project_id: str, environment: str, after: str | None, limit: int
) -> list[tuple[str, list[ScopeRow]]]:
    """A page of users (ordered by user id, starting after ``after``), each with its stored scopes."""
    ids = [
        r[0]
        for r in s.execute(
            text(
                "SELECT DISTINCT user_id FROM user_profiles WHERE org_id = :org_id AND environment = :env "
                "AND scope IN (:org, :app) AND user_id > :after ORDER BY user_id LIMIT :limit"
            ),
            {
                "org_id": org_id,
                "env": environment,
                "org": ORG_SCOPE,
                "app": app_scope(project_id),
                "after": after or "",
                "limit": limit,
            },
        )
    ]
    if not ids:
        return []
    names = [f"u{i}" for i in range(len(ids))]
    params: dict[str, Any] = {
        "org_id": org_id,
        "env": environment,
        "org": ORG_SCOPE,
        "app": app_scope(project_id),
    }
    params.update(zip(names, ids, strict=True))
    rows = s.execute(
        text(
            "SELECT user_id, scope, attrs, created_at, updated_at FROM user_profiles "
            "WHERE org_id = :org_id AND environment = :env AND scope IN (:org, :app) "
            f"AND user_id IN ({', '.join(':' + n for n in names)})"
        ),
        params,
    ).all()
    grouped: dict[str, list[ScopeRow]] = {uid: [] for uid in ids}
    for r in rows:
        grouped[r[0]].append((str(r[1]), _decode(r[2]), float(r[3]), float(r[4])))
    return list(grouped.items())


def count_profiles(s: Session, *, org_id: int, project_id: str, environment: str) -> int:
    return int(
        s.execute(
            text(
                "SELECT COUNT(DISTINCT user_id) FROM user_profiles WHERE org_id = :org_id AND environment = :env "
                "AND scope IN (:org, :app)"
            ),
            {"org_id": org_id, "env": environment, "org": ORG_SCOPE, "app": app_scope(project_id)},
        ).scalar_one()
    )


# --- set-wise reads and writes for bulk imports ---------------------------------------------

# Every statement here has one of a few fixed shapes. A database driver keeps each distinct
# statement text prepared in a per-connection cache; statements whose text depends on the
# chunk's size would fill that cache with large one-off programs (measured: tens of MB per
# import worker). Ids are therefore passed as one JSON array (SQLite) or one array parameter
# (PostgreSQL), and rows are written in batches of a few fixed sizes.
_UPSERT_SIZES = (2_000, 250, 25, 1)  # SQLite allows 32,766 bound parameters; 7 per row
_LOAD_SQL = {
    "sqlite": (
        "SELECT user_id, attrs FROM user_profiles WHERE org_id = ? AND scope = ? AND environment = ? "
        "AND user_id IN (SELECT value FROM json_each(?))"
    ),
    "postgresql": (
        "SELECT user_id, attrs::text FROM user_profiles WHERE org_id = %s AND scope = %s AND environment = %s "
        "AND user_id = ANY(%s)"
    ),
}
_REPLACE_SQL = {
    "sqlite": (
        "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, updated_at) "
        "VALUES {rows} ON CONFLICT (org_id, scope, environment, user_id) DO UPDATE SET "
        "attrs = excluded.attrs, updated_at = excluded.updated_at",
        "(?, ?, ?, ?, ?, ?, ?)",
    ),
    "postgresql": (
        "INSERT INTO user_profiles (org_id, scope, environment, user_id, attrs, created_at, updated_at) "
        "VALUES {rows} ON CONFLICT (org_id, scope, environment, user_id) DO UPDATE SET "
        "attrs = excluded.attrs, updated_at = excluded.updated_at",
        "(%s, %s, %s, %s, CAST(%s AS jsonb), %s, %s)",
    ),
}


def load_attributes(
    s: Session, *, org_id: int, scope: str, environment: str, user_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """Current attributes of the given users in one scope (users without a row are absent).

    Ids are looked up in key order, so consecutive lookups walk neighbouring index pages.
    """
    docs = load_documents(s, org_id=org_id, scope=scope, environment=environment, user_ids=user_ids)
    loads = orjson.loads
    return {uid: loads(doc) for uid, doc in docs.items()}


def load_documents(
    s: Session, *, org_id: int, scope: str, environment: str, user_ids: Collection[str]
) -> dict[str, str]:
    """As ``load_attributes``, each user's attributes as the stored JSON text (to decode elsewhere)."""
    if not user_ids:
        return {}
    conn = s.connection()
    dialect = conn.dialect.name
    ids = sorted(user_ids)
    param: Any = orjson.dumps(ids).decode() if dialect == "sqlite" else ids
    rows = conn.exec_driver_sql(_LOAD_SQL[dialect], (org_id, scope, environment, param)).fetchall()
    return dict(rows)


def replace_attributes(
    s: Session, *, org_id: int, scope: str, environment: str, rows: Sequence[tuple[str, str]], now: float
) -> None:
    """Write whole attribute documents (JSON text computed by the caller) with multi-row upserts."""
    conn = s.connection()
    sql, row_ph = _REPLACE_SQL[conn.dialect.name]
    ordered = sorted(rows)
    start = 0
    for size in _UPSERT_SIZES:
        statement = sql.format(rows=", ".join([row_ph] * size))
        while len(ordered) - start >= size:
            params: list[Any] = []
            for uid, doc in ordered[start : start + size]:
                params.extend((org_id, scope, environment, uid, doc, now, now))
            conn.exec_driver_sql(statement, tuple(params))
            start += size


def delete_environment(conn: Connection, *, org_id: int, scope: str, environment: str) -> int:
    """Delete every user profile row of one scope and environment (a sandbox wipe); returns rows deleted."""
    result = conn.execute(
        text("DELETE FROM user_profiles WHERE org_id = :org_id AND scope = :scope AND environment = :env"),
        {"org_id": org_id, "scope": scope, "env": environment},
    )
    return int(result.rowcount or 0)
