"""First start: one organization, its owner, a project and an admin key, made exactly once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from traitbase.config import Settings
from traitbase.domain.control.service import new_project_id
from traitbase.domain.keys.principal import format_token, hash_secret, new_key_id, new_secret
from traitbase.storage.repos import instance, keys, orgs, projects

BOOTSTRAP_FLAG = "bootstrapped_at"


@dataclass(frozen=True)
class BootstrapResult:
    org_id: int
    project_id: str
    site_key: str
    sandbox_site_key: str
    admin_key_id: str
    admin_token: str


def first_start(s: Session, settings: Settings, *, now_iso: str) -> BootstrapResult | None:
    """Create the first tenant and admin key, or return None if this installation already has them."""
    if instance.get_state(s, BOOTSTRAP_FLAG) is not None:
        return None
    org = orgs.create_org(s, name=settings.bootstrap_org_name, plan=settings.default_plan)
    owner = orgs.add_member(s, org_id=org.id, email="owner@localhost", name="Owner", role="owner")
    proj = projects.create_project(
        s,
        project_id=new_project_id(s),
        org_id=org.id,
        name=settings.bootstrap_project_name,
        site_key="tbs_" + secrets.token_urlsafe(18),
        sandbox_site_key="tbx_" + secrets.token_urlsafe(18),
        timezone="UTC",
    )
    key_id, secret = new_key_id(), new_secret()
    keys.insert_key(
        s,
        key_id=key_id,
        org_id=org.id,
        project_id=None,
        environment="production",
        name="bootstrap admin",
        scopes="admin,query,upload",
        secret_hash=hash_secret(secret),
        created_by=owner.id,
        instance_admin=True,
    )
    instance.set_state(s, BOOTSTRAP_FLAG, now_iso)
    return BootstrapResult(
        org_id=org.id,
        project_id=proj.id,
        site_key=proj.site_key,
        sandbox_site_key=proj.sandbox_site_key,
        admin_key_id=key_id,
        admin_token=format_token(key_id, secret),
    )
