"""Reading the user store as one project sees it: organization scope overlaid with the project's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from traitbase.storage.repos import profiles as repo

# (merged attributes, created_at, updated_at)
Profile = tuple[dict[str, Any], float, float]


def overlay(rows: Sequence[repo.ScopeRow]) -> Profile:
    """Merge a user's scopes: organization scope first, so the project's own values win."""
    ordered = sorted(rows, key=lambda r: 0 if r[0] == repo.ORG_SCOPE else 1)
    attrs: dict[str, Any] = {}
    for r in ordered:
        attrs.update(r[1])
    return attrs, min(r[2] for r in rows), max(r[3] for r in rows)


def profile(s: Session, *, org_id: int, project_id: str, environment: str, user_id: str) -> Profile | None:
    rows = repo.get_profile(s, org_id=org_id, project_id=project_id, environment=environment, user_id=user_id)
    return overlay(rows) if rows else None


def page(
    s: Session, *, org_id: int, project_id: str, environment: str, after: str | None, limit: int
) -> list[tuple[str, dict[str, Any], float, float]]:
    """A page of users ordered by user id, starting after ``after``, with merged attributes."""
    found = repo.list_profiles(
        s, org_id=org_id, project_id=project_id, environment=environment, after=after, limit=limit
    )
    return [(uid, *overlay(rows)) for uid, rows in found]
