"""The one answer to "may this principal touch this organization, project, environment, object?".

Every face and job asks here; nothing else decides tenancy. The rules (SPEC 1):

- A key only ever reads or writes its own environment. Sandbox and production are separate worlds:
  a sandbox key never reads, writes, creates, lists or revokes anything of production, and the
  other way round — organization-scope keys included.
- A project key reaches only its own project; an organization key reaches its organization's
  projects.
- The instance-admin key (minted at first start, or locally by an operator with the data
  directory) is the operator's, not a tenant's: it reaches every organization and both
  environments, which is how the first sandbox keys come to exist.
- A refusal about *where* never hints whether the other object exists: it is "not found".
  A refusal about *what* the key may do (a missing scope) is 403.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from traitbase.domain.keys.principal import ENVIRONMENTS, Principal
from traitbase.errors import Forbidden, Invalid, NotFound
from traitbase.storage.models import Organization, Project
from traitbase.storage.repos import orgs as org_repo
from traitbase.storage.repos import projects as project_repo

# Project ids are 8 lowercase hex characters; anything else cannot exist (and is never sent to the database).
PROJECT_ID = re.compile(r"[0-9a-f]{8}")


def require_scope(p: Principal, scope: str) -> Principal:
    if not p.has_scope(scope):
        raise Forbidden(f"this key lacks the '{scope}' scope")
    return p


def require_admin(p: Principal) -> Principal:
    if not p.has_scope("admin"):
        raise Forbidden("this key lacks the admin scope")
    return p


def require_key_manager(p: Principal) -> Principal:
    require_admin(p)
    if not p.manages_keys:
        raise Forbidden("only owners and admins of the organization manage keys")
    return p


def require_project_key(p: Principal, why: str) -> str:
    """Data that belongs to a project (events, audiences) needs a project key; ``why`` says so."""
    if p.project_id is None:
        raise Forbidden(why)
    return p.project_id


def environment_name(environment: str) -> str:
    if environment not in ENVIRONMENTS:
        raise Invalid("environment must be production or sandbox", errors={"environment": "unknown environment"})
    return environment


def reaches_environment(p: Principal, environment: str) -> bool:
    return p.instance_admin or environment == p.environment


def reaches(p: Principal, *, org_id: int, project_id: str | None, environment: str) -> bool:
    """Whether an object of (organization, project or None for org scope, environment) is this key's."""
    if not reaches_environment(p, environment):
        return False
    if p.instance_admin:
        return True
    if org_id != p.org_id:
        return False
    return p.project_id is None or project_id == p.project_id


def require_reach(p: Principal, *, org_id: int, project_id: str | None, environment: str, missing: str) -> None:
    """Refuse an object that is not this key's with ``missing`` (a 404: no hint that it exists)."""
    if not reaches(p, org_id=org_id, project_id=project_id, environment=environment):
        raise NotFound(missing)


def require_environment(p: Principal, environment: str, *, missing: str = "project not found") -> str:
    """A checked environment name this key may act in (another environment is 'not found')."""
    environment_name(environment)
    if not reaches_environment(p, environment):
        raise NotFound(missing)
    return environment


def organization(s: Session, p: Principal, org_id: int) -> Organization:
    if not (p.instance_admin or p.org_id == org_id):
        raise NotFound("organization not found")
    org = org_repo.get_org(s, org_id)
    if org is None:
        raise NotFound("organization not found")
    return org


def project(s: Session, p: Principal, project_id: str, *, environment: str | None = None) -> Project:
    """The project, if this key may reach it (and, when given, that environment of it); else 'not found'."""
    proj = project_repo.get_project(s, project_id) if PROJECT_ID.fullmatch(project_id) else None
    if proj is None or not (p.instance_admin or p.can_reach_project(proj.id, proj.org_id)):
        raise NotFound("project not found")
    if environment is not None:
        require_environment(p, environment)
    return proj


def admin_project(s: Session, p: Principal, project_id: str, *, environment: str | None = None) -> Project:
    """What every admin route about one project asks: admin scope, the project, the environment."""
    require_admin(p)
    return project(s, p, project_id, environment=environment)
