"""A new admin key minted on the machine itself, for an operator who has the data directory.

The first-start token is shown once. When it is lost (a start that failed after it was printed,
a closed terminal), whoever can read and write the data directory already holds every secret
in it, so minting a new instance-admin key there gives away nothing new. Nothing else changes:
earlier keys stay valid until revoked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from traitbase.domain.control.bootstrap import BOOTSTRAP_FLAG
from traitbase.domain.keys.principal import format_token, hash_secret, new_key_id, new_secret
from traitbase.errors import NotFound
from traitbase.storage.repos import instance, keys, orgs

ADMIN_SCOPES = "admin,query,upload"  # what the first-start admin key has


@dataclass(frozen=True)
class LocalAdminKey:
    org_id: int
    admin_key_id: str
    admin_token: str
    name: str


def mint_admin_key(s: Session, *, org_id: int | None, name: str) -> LocalAdminKey:
    """An instance-admin key of ``org_id`` (default: the first organization), like the first-start key."""
    if instance.get_state(s, BOOTSTRAP_FLAG) is None:
        raise NotFound(
            "this data directory has no Traitbase installation yet: run `traitbase serve` or `traitbase init`"
        )
    org = orgs.get_org(s, org_id) if org_id is not None else next(iter(orgs.list_orgs(s)), None)
    if org is None:
        raise NotFound(f"organization {org_id} does not exist" if org_id is not None else "there is no organization")
    owners = [m for m in orgs.list_members(s, org.id) if m.role == "owner"]
    key_id, secret = new_key_id(), new_secret()
    keys.insert_key(
        s,
        key_id=key_id,
        org_id=org.id,
        project_id=None,
        environment="production",
        name=name,
        scopes=ADMIN_SCOPES,
        secret_hash=hash_secret(secret),
        created_by=owners[0].id if owners else None,
        instance_admin=True,
    )
    return LocalAdminKey(org_id=org.id, admin_key_id=key_id, admin_token=format_token(key_id, secret), name=name)
