"""Who may query what: the key's scope and project, through domain.access (SPEC 1, seed 001 §1.2)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.reader import Tenant
from traitbase.domain.keys.principal import Principal
from traitbase.errors import Forbidden, NotFound


def require_query_scope(p: Principal) -> None:
    try:
        access.require_scope(p, "query")
    except Forbidden:
        raise QueryError(4031) from None


def tenant_for(s: Session, p: Principal, profile_id: str) -> Tenant:
    """The key's project and environment, if ``profile_id`` is that project (else 4030, never a hint).

    The environment is always the key's: a sandbox key reads sandbox data only.
    """
    if p.project_id is not None and profile_id != p.project_id:
        raise QueryError(4030)
    try:
        proj = access.project(s, p, profile_id, environment=p.environment)
    except NotFound:
        raise QueryError(4030) from None
    return Tenant(project=str(proj.id), environment=p.environment)
