"""Control-plane rules: organizations, projects, members, keys and reading users, for the admin API and CLI."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from traitbase.domain import access
from traitbase.domain.keys.principal import (
    ROLES,
    SCOPES,
    Principal,
    format_token,
    hash_secret,
    new_key_id,
    new_secret,
)
from traitbase.domain.keys.tokenauth import secret_context
from traitbase.domain.profiles import reads as profile_reads
from traitbase.errors import Forbidden, Invalid, NotFound
from traitbase.security import SecretBox
from traitbase.storage.models import ApiKey, Member, Organization, Project
from traitbase.storage.repos import keys as key_repo
from traitbase.storage.repos import orgs as org_repo
from traitbase.storage.repos import projects as project_repo

PLANS = ("free", "free_trial", "growth")


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str
    secret: str


def get_org_checked(s: Session, p: Principal, org_id: int) -> Organization:
    return access.organization(s, p, org_id)


def get_project_checked(s: Session, p: Principal, project_id: str) -> Project:
    """The project, if this key may reach it; otherwise 'not found' (no hint that it exists)."""
    return access.project(s, p, project_id)


def create_organization(s: Session, p: Principal, *, name: str, plan: str) -> Organization:
    access.require_admin(p)
    if not p.instance_admin:
        raise Forbidden("only an instance administrator key creates organizations")
    if plan not in PLANS:
        raise Invalid(f"plan must be one of {', '.join(PLANS)}", errors={"plan": "unknown plan"})
    return org_repo.create_org(s, name=_name(name), plan=plan)


def list_organizations(s: Session, p: Principal) -> list[Organization]:
    access.require_admin(p)
    return org_repo.list_orgs(s, org_ids=None if p.instance_admin else [p.org_id])


def new_project_id(s: Session) -> str:
    while True:
        pid = secrets.token_hex(4)
        if not project_repo.project_exists(s, pid):
            return pid


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())  # scans the system's zone files, so only once


def create_project(s: Session, p: Principal, *, org_id: int, name: str, timezone: str = "UTC") -> Project:
    access.require_admin(p)
    if p.project_id is not None:
        raise Forbidden("a project key cannot create projects")
    get_org_checked(s, p, org_id)
    if timezone not in _timezones():
        raise Invalid("timezone must be an IANA time zone name such as Europe/Paris", errors={"timezone": "unknown"})
    return project_repo.create_project(
        s,
        project_id=new_project_id(s),
        org_id=org_id,
        name=_name(name),
        site_key="tbs_" + secrets.token_urlsafe(18),
        sandbox_site_key="tbx_" + secrets.token_urlsafe(18),
        timezone=timezone,
    )


def list_projects(s: Session, p: Principal, *, org_id: int | None) -> list[Project]:
    access.require_admin(p)
    if org_id is not None:
        get_org_checked(s, p, org_id)
    elif not p.instance_admin:
        org_id = p.org_id
    projects = project_repo.list_projects(s, org_id=org_id)
    if p.project_id is not None:
        projects = [x for x in projects if x.id == p.project_id]
    return projects


def add_member(s: Session, p: Principal, *, org_id: int, email: str, name: str, role: str) -> Member:
    access.require_key_manager(p)
    get_org_checked(s, p, org_id)
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", errors={"role": "unknown role"})
    if "\x00" in email:
        raise Invalid("email must not contain NUL characters", errors={"email": "NUL character"})
    if org_repo.find_member(s, org_id=org_id, email=email):
        raise Invalid("a member with this email already exists", errors={"email": "duplicate"})
    return org_repo.add_member(s, org_id=org_id, email=email, name=_name(name), role=role)


def list_members(s: Session, p: Principal, *, org_id: int) -> list[Member]:
    access.require_admin(p)
    get_org_checked(s, p, org_id)
    return org_repo.list_members(s, org_id)


def issue_key(
    s: Session,
    p: Principal,
    *,
    org_id: int | None,
    project_id: str | None,
    environment: str,
    name: str,
    scopes: list[str],
    created_by: int | None = None,
    instance_admin: bool = False,
    token_auth_box: SecretBox | None = None,
) -> IssuedKey:
    """Create a key; its secret is returned here once and only its hash is stored.

    With ``token_auth_box`` the key is enabled for the audience-files token scheme, which needs
    the plain secret: it is then also kept encrypted with that box (never in plain text).
    """
    access.require_key_manager(p)
    # A key can only mint keys of its own environment: a sandbox key never creates a production key.
    if not access.reaches_environment(p, access.environment_name(environment)):
        raise Forbidden(f"a {p.environment} key can only create {p.environment} keys")
    bad = [sc for sc in scopes if sc not in SCOPES]
    if bad or not scopes:
        raise Invalid(
            f"scopes must be a non-empty subset of {', '.join(sorted(SCOPES))}",
            errors={"scopes": "unknown scope"},
        )
    if project_id is not None:
        proj = get_project_checked(s, p, project_id)
        if org_id is not None and org_id != proj.org_id:
            raise Invalid("project does not belong to that organization", errors={"project_id": "mismatch"})
        org_id = proj.org_id
    else:
        if p.project_id is not None:
            raise Forbidden("a project key cannot create organization keys")
        org_id = p.org_id if org_id is None else org_id
        get_org_checked(s, p, org_id)
    if created_by is None and org_id == p.org_id:
        creator = key_repo.get_key(s, p.key_id)
        created_by = creator.created_by if creator else None
    key_id, secret = new_key_id(), new_secret()
    encrypted = token_auth_box.encrypt(secret, context=secret_context(key_id)) if token_auth_box else None
    key = key_repo.insert_key(
        s,
        key_id=key_id,
        org_id=org_id,
        project_id=project_id,
        environment=environment,
        name=_name(name),
        scopes=",".join(sorted(set(scopes))),
        secret_hash=hash_secret(secret),
        created_by=created_by,
        instance_admin=instance_admin,
        secret_encrypted=encrypted,
    )
    return IssuedKey(key=key, token=format_token(key_id, secret), secret=secret)


def list_keys(s: Session, p: Principal, *, org_id: int | None, project_id: str | None) -> list[ApiKey]:
    access.require_key_manager(p)
    if project_id is not None:
        org_id = get_project_checked(s, p, project_id).org_id
    org_id = p.org_id if org_id is None else org_id
    get_org_checked(s, p, org_id)
    keys = key_repo.list_keys(s, org_id=org_id, project_id=project_id)
    return [k for k in keys if access.reaches(p, org_id=k.org_id, project_id=k.project_id, environment=k.environment)]


def revoke_key(s: Session, p: Principal, key_id: str) -> ApiKey:
    access.require_key_manager(p)
    key = key_repo.get_key(s, key_id) if "\x00" not in key_id else None
    if key is None:
        raise NotFound("key not found")
    access.require_reach(
        p, org_id=key.org_id, project_id=key.project_id, environment=key.environment, missing="key not found"
    )
    if key.revoked_at is None:
        key_repo.revoke_key(s, key_id)
        s.refresh(key)
    return key


def get_user(s: Session, p: Principal, *, project_id: str, environment: str, user_id: str) -> dict[str, Any]:
    proj = access.admin_project(s, p, project_id, environment=environment)
    env = environment
    if "\x00" in user_id:  # no stored user id has one; PostgreSQL text cannot hold it
        raise NotFound("user not found")
    found = profile_reads.profile(s, org_id=proj.org_id, project_id=proj.id, environment=env, user_id=user_id)
    if found is None:
        raise NotFound("user not found")
    attrs, created, updated = found
    return {"user_id": user_id, "attributes": attrs, "created_at": created, "updated_at": updated}


def list_users(
    s: Session, p: Principal, *, project_id: str, environment: str, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    proj = access.admin_project(s, p, project_id, environment=environment)
    env = environment
    if after is not None and "\x00" in after:
        raise Invalid("after must not contain NUL characters", errors={"after": "NUL character"})
    # One row more than asked tells whether another page exists, so `next` never points at an empty page.
    page = profile_reads.page(s, org_id=proj.org_id, project_id=proj.id, environment=env, after=after, limit=limit + 1)
    nxt = page[limit - 1][0] if len(page) > limit else None
    users = [{"user_id": u, "attributes": a, "created_at": c, "updated_at": m} for u, a, c, m in page[:limit]]
    return users, nxt


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise Invalid("name must be 1 to 200 characters", errors={"name": "bad length"})
    if "\x00" in name:
        raise Invalid("name must not contain NUL characters", errors={"name": "NUL character"})
    return name
