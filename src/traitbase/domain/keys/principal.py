"""API keys: issuing, parsing and verifying tokens, and the principal a verified key stands for."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

SCOPES = frozenset({"upload", "query", "admin"})
ENVIRONMENTS = ("production", "sandbox")
TOKEN_PREFIX = "tb"
ROLES = ("owner", "admin", "member")
KEY_MANAGER_ROLES = frozenset({"owner", "admin"})

# tb-<16 hex key id>.<secret>; any other string is an opaque token (see opaque_key_id).
_TOKEN_RE = re.compile(r"^[A-Za-z]{1,10}-([0-9a-f]{16})\.([A-Za-z0-9_\-]{16,200})$")


def new_key_id() -> str:
    return secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def format_token(key_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}-{key_id}.{secret}"


def opaque_key_id(token: str) -> str:
    """Key id of an imported opaque token (e.g. an existing ``pt-...`` vendor key)."""
    return "x" + hashlib.sha256(token.encode()).hexdigest()[:15]


def parse_token(token: str) -> tuple[str, str]:
    """Split a bearer token into (key id, secret); opaque tokens are their own secret."""
    m = _TOKEN_RE.match(token)
    if m:
        return m.group(1), m.group(2)
    return opaque_key_id(token), token


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def parse_scopes(raw: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return frozenset(s.strip() for s in items if s.strip())


@dataclass(frozen=True)
class Principal:
    """Who a verified key acts for: the tenant comes from here, never from a request body."""

    key_id: str
    org_id: int
    project_id: str | None
    environment: str
    scopes: frozenset[str]
    plan: str
    instance_admin: bool = False
    creator_role: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_org_key(self) -> bool:
        return self.project_id is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def can_reach_project(self, project_id: str, project_org_id: int) -> bool:
        if self.project_id is not None:
            return self.project_id == project_id
        return self.org_id == project_org_id

    @property
    def manages_keys(self) -> bool:
        return self.has_scope("admin") and (self.instance_admin or self.creator_role in KEY_MANAGER_ROLES)
