"""``client.experiences``: experiences (versions, goals, form, tags) through the admin API; admin key."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner, single

Environment = Literal["production", "sandbox"]
Experience = dict[str, Any]


def _path(project_id: str, *rest: str) -> str:
    return "/".join(
        [f"/admin/v1/projects/{quote(project_id, safe='')}/experiences", *(quote(r, safe="") for r in rest)]
    )


class _ops:
    @staticmethod
    def list(project_id: str, environment: str) -> Op[list[Experience]]:
        return single(Call("GET", _path(project_id), params={"environment": environment}))

    @staticmethod
    def get(project_id: str, experience_id: str, environment: str) -> Op[Experience]:
        return single(Call("GET", _path(project_id, experience_id), params={"environment": environment}))

    @staticmethod
    def create(project_id: str, body: dict[str, Any]) -> Op[Experience]:
        # A retried create could make two experiences: not retried automatically.
        return single(Call("POST", _path(project_id), json=body, idempotent=False))

    @staticmethod
    def update(project_id: str, experience_id: str, body: dict[str, Any]) -> Op[Experience]:
        return single(Call("PUT", _path(project_id, experience_id), json=body))

    @staticmethod
    def delete(project_id: str, experience_id: str, environment: str) -> Op[dict[str, Any]]:
        path = _path(project_id, experience_id)
        return single(Call("DELETE", path, params={"environment": environment}, idempotent=False))


class Experiences:
    def __init__(self, run: SyncRunner) -> None:
        self._run = run

    def list(self, project_id: str, *, environment: Environment = "production") -> list[Experience]:
        return self._run(_ops.list(project_id, environment))

    def get(self, project_id: str, experience_id: str, *, environment: Environment = "production") -> Experience:
        return self._run(_ops.get(project_id, experience_id, environment))

    def create(self, project_id: str, experience: dict[str, Any]) -> Experience:
        """Create from the admin body: name, type, status, versions, goals, form, tags, startAt, endAt, member."""
        return self._run(_ops.create(project_id, experience))

    def update(self, project_id: str, experience_id: str, experience: dict[str, Any]) -> Experience:
        """Replace it; versions left out are kept, flagged deleted."""
        return self._run(_ops.update(project_id, experience_id, experience))

    def delete(self, project_id: str, experience_id: str, *, environment: Environment = "production") -> dict[str, Any]:
        return self._run(_ops.delete(project_id, experience_id, environment))


class AsyncExperiences:
    def __init__(self, run: AsyncRunner) -> None:
        self._run = run

    async def list(self, project_id: str, *, environment: Environment = "production") -> list[Experience]:
        return await self._run(_ops.list(project_id, environment))

    async def get(self, project_id: str, experience_id: str, *, environment: Environment = "production") -> Experience:
        return await self._run(_ops.get(project_id, experience_id, environment))

    async def create(self, project_id: str, experience: dict[str, Any]) -> Experience:
        return await self._run(_ops.create(project_id, experience))

    async def update(self, project_id: str, experience_id: str, experience: dict[str, Any]) -> Experience:
        return await self._run(_ops.update(project_id, experience_id, experience))

    async def delete(
        self, project_id: str, experience_id: str, *, environment: Environment = "production"
    ) -> dict[str, Any]:
        return await self._run(_ops.delete(project_id, experience_id, environment))
