"""``client.admin``: the control-plane API (organizations, projects, keys, users); needs an admin key.

Each call is written once as an operation (``_ops``); ``Admin`` and ``AsyncAdmin`` only run them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict
from urllib.parse import quote

from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner, single

Environment = Literal["production", "sandbox"]
Scope = Literal["upload", "query", "admin"]


class Org(TypedDict):
    id: int
    name: str
    plan: str
    created_at: str | None


class Project(TypedDict):
    id: str
    org_id: int
    name: str
    site_key: str  # the tracker's key for production
    sandbox_site_key: str  # the tracker's key for the sandbox (staging sites)
    timezone: str
    environments: list[str]
    created_at: str | None


class Key(TypedDict):
    key_id: str
    org_id: int
    project_id: str | None
    environment: str
    name: str
    scopes: list[str]
    created_at: str | None
    created_by: int | None
    last_used_at: str | None
    revoked: bool
    revoked_at: str | None
    token_auth: bool


class IssuedKey(Key):
    """A new key with its secret: ``token`` is what clients send; neither is ever shown again."""

    token: str
    secret: str


class UserProfile(TypedDict):
    user_id: str
    attributes: dict[str, str]
    created_at: float | None  # seconds since the epoch
    updated_at: float | None


class UserPage(TypedDict):
    users: list[UserProfile]
    next: str | None


class SandboxWipe(TypedDict):
    project_id: str
    environment: str
    deleted: dict[str, int]  # rows deleted per table


class Scan(TypedDict):
    """A page scan: signed screenshot URLs of the page and of each block (see docs/scan.md)."""

    scan_id: str
    project_id: str
    url: str
    device: str
    viewport: list[int]
    page: dict[str, Any]
    proposed: bool
    blocks: list[dict[str, Any]]
    scanned_at: int


class _ops:
    """The admin operations; each returns the answer's ``data``."""

    @staticmethod
    def whoami() -> Op[dict[str, Any]]:
        return single(Call("GET", "/admin/v1/whoami"))

    @staticmethod
    def list_orgs() -> Op[list[Org]]:
        return single(Call("GET", "/admin/v1/orgs"))

    @staticmethod
    def create_org(name: str, plan: str) -> Op[Org]:
        return single(Call("POST", "/admin/v1/orgs", json={"name": name, "plan": plan}, idempotent=False))

    @staticmethod
    def list_projects(org_id: int | None) -> Op[list[Project]]:
        return single(Call("GET", "/admin/v1/projects", params=_params(org_id=org_id)))

    @staticmethod
    def create_project(name: str, org_id: int | None, timezone: str) -> Op[Project]:
        body = {"name": name, "timezone": timezone} | _params(org_id=org_id)
        return single(Call("POST", "/admin/v1/projects", json=body, idempotent=False))

    @staticmethod
    def get_project(project_id: str) -> Op[Project]:
        return single(Call("GET", f"/admin/v1/projects/{_seg(project_id)}"))

    @staticmethod
    def create_key(
        name: str,
        scopes: Sequence[str],
        project_id: str | None,
        environment: str,
        org_id: int | None,
        token_auth: bool = False,
    ) -> Op[IssuedKey]:
        body: dict[str, Any] = {"name": name, "scopes": list(scopes), "environment": environment}
        if token_auth:
            body["token_auth"] = True
        body |= _params(project_id=project_id, org_id=org_id)
        return single(Call("POST", "/admin/v1/keys", json=body, idempotent=False))

    @staticmethod
    def list_keys(project_id: str | None, org_id: int | None) -> Op[list[Key]]:
        return single(Call("GET", "/admin/v1/keys", params=_params(project_id=project_id, org_id=org_id)))

    @staticmethod
    def revoke_key(key_id: str) -> Op[Key]:
        return single(Call("POST", f"/admin/v1/keys/{_seg(key_id)}/revoke"))

    @staticmethod
    def get_user(project_id: str, user_id: str, environment: str) -> Op[UserProfile]:
        path = f"/admin/v1/projects/{_seg(project_id)}/users/{_seg(user_id)}"
        return single(Call("GET", path, params={"environment": environment}))

    @staticmethod
    def list_users(project_id: str, environment: str, after: str | None, limit: int) -> Op[UserPage]:
        params = {"environment": environment, "limit": limit} | _params(after=after)
        answer = yield Call("GET", f"/admin/v1/projects/{_seg(project_id)}/users", params=params)
        return {"users": answer["data"], "next": answer.get("next")}

    @staticmethod
    def wipe_sandbox(project_id: str) -> Op[SandboxWipe]:
        # Safe to repeat: a second wipe finds an empty sandbox.
        return single(Call("POST", f"/admin/v1/projects/{_seg(project_id)}/sandbox/wipe"))

    @staticmethod
    def scan_page(project_id: str, url: str, device: str, blocks: Sequence[Mapping[str, Any]] | None) -> Op[Scan]:
        body: dict[str, Any] = {"url": url, "device": device} | _params(blocks=list(blocks) if blocks else None)
        return single(Call("POST", f"/admin/v1/projects/{_seg(project_id)}/scans", json=body, idempotent=False))


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _seg(value: str) -> str:
    """One path segment for any id: "/" and every reserved character percent-encoded.

    A segment that is only dots is encoded too: HTTP clients (httpx included) resolve "." and
    ".." in a URL before sending it, which would silently address another path.
    """
    if value and value.strip(".") == "":
        return "%2E" * len(value)
    return quote(value, safe="")


class Admin:
    def __init__(self, run: SyncRunner) -> None:
        self._run = run

    def whoami(self) -> dict[str, Any]:
        return self._run(_ops.whoami())

    def list_orgs(self) -> list[Org]:
        return self._run(_ops.list_orgs())

    def create_org(self, name: str, *, plan: str = "free") -> Org:
        return self._run(_ops.create_org(name, plan))

    def list_projects(self, *, org_id: int | None = None) -> list[Project]:
        return self._run(_ops.list_projects(org_id))

    def create_project(self, name: str, *, org_id: int | None = None, timezone: str = "UTC") -> Project:
        return self._run(_ops.create_project(name, org_id, timezone))

    def get_project(self, project_id: str) -> Project:
        return self._run(_ops.get_project(project_id))

    def create_key(
        self,
        *,
        name: str,
        scopes: Sequence[Scope],
        project_id: str | None = None,
        environment: Environment = "production",
        org_id: int | None = None,
        token_auth: bool = False,
    ) -> IssuedKey:
        return self._run(_ops.create_key(name, scopes, project_id, environment, org_id, token_auth))

    def list_keys(self, *, project_id: str | None = None, org_id: int | None = None) -> list[Key]:
        return self._run(_ops.list_keys(project_id, org_id))

    def revoke_key(self, key_id: str) -> Key:
        return self._run(_ops.revoke_key(key_id))

    def get_user(self, project_id: str, user_id: str, *, environment: Environment = "production") -> UserProfile:
        return self._run(_ops.get_user(project_id, user_id, environment))

    def list_users(
        self, project_id: str, *, environment: Environment = "production", after: str | None = None, limit: int = 100
    ) -> UserPage:
        return self._run(_ops.list_users(project_id, environment, after, limit))

    def wipe_sandbox(self, project_id: str) -> SandboxWipe:
        """Delete everything the project's sandbox holds (events, items, sandbox attributes); never production."""
        return self._run(_ops.wipe_sandbox(project_id))

    def scan_page(
        self, project_id: str, url: str, *, device: str = "PC", blocks: Sequence[Mapping[str, Any]] | None = None
    ) -> Scan:
        """Render ``url`` in the server's headless Chromium and screenshot it (blocks proposed when none given)."""
        return self._run(_ops.scan_page(project_id, url, device, blocks))


class AsyncAdmin:
    def __init__(self, run: AsyncRunner) -> None:
        self._run = run

    async def whoami(self) -> dict[str, Any]:
        return await self._run(_ops.whoami())

    async def list_orgs(self) -> list[Org]:
        return await self._run(_ops.list_orgs())

    async def create_org(self, name: str, *, plan: str = "free") -> Org:
        return await self._run(_ops.create_org(name, plan))

    async def list_projects(self, *, org_id: int | None = None) -> list[Project]:
        return await self._run(_ops.list_projects(org_id))

    async def create_project(self, name: str, *, org_id: int | None = None, timezone: str = "UTC") -> Project:
        return await self._run(_ops.create_project(name, org_id, timezone))

    async def get_project(self, project_id: str) -> Project:
        return await self._run(_ops.get_project(project_id))

    async def create_key(
        self,
        *,
        name: str,
        scopes: Sequence[Scope],
        project_id: str | None = None,
        environment: Environment = "production",
        org_id: int | None = None,
        token_auth: bool = False,
    ) -> IssuedKey:
        return await self._run(_ops.create_key(name, scopes, project_id, environment, org_id, token_auth))

    async def list_keys(self, *, project_id: str | None = None, org_id: int | None = None) -> list[Key]:
        return await self._run(_ops.list_keys(project_id, org_id))

    async def revoke_key(self, key_id: str) -> Key:
        return await self._run(_ops.revoke_key(key_id))

    async def get_user(self, project_id: str, user_id: str, *, environment: Environment = "production") -> UserProfile:
        return await self._run(_ops.get_user(project_id, user_id, environment))

    async def list_users(
        self, project_id: str, *, environment: Environment = "production", after: str | None = None, limit: int = 100
    ) -> UserPage:
        return await self._run(_ops.list_users(project_id, environment, after, limit))

    async def wipe_sandbox(self, project_id: str) -> SandboxWipe:
        """Delete everything the project's sandbox holds (events, items, sandbox attributes); never production."""
        return await self._run(_ops.wipe_sandbox(project_id))

    async def scan_page(
        self, project_id: str, url: str, *, device: str = "PC", blocks: Sequence[Mapping[str, Any]] | None = None
    ) -> Scan:
        return await self._run(_ops.scan_page(project_id, url, device, blocks))
