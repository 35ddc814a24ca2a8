"""``client.pages``: page configurations (blocks, tracked elements) and goals of web collection; admin key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict
from urllib.parse import quote

from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner, single

Device = Literal["PC", "MOBILE", "TABLET"]
Match = Literal["exact", "merged"]
GoalType = Literal["event", "url", "click"]
Environment = Literal["production", "sandbox"]


class Block(TypedDict):
    """A CSS-selector block (``selector``) or a pixel band (``top``, ``bottom``)."""

    name: str
    selector: NotRequired[str]
    top: NotRequired[int]
    bottom: NotRequired[int]


class Element(TypedDict):
    name: str
    selector: str
    cta: NotRequired[bool]


class PageConfig(TypedDict):
    id: int
    project_id: str
    environment: str
    url: str
    match: str
    device: str
    blocks: list[Block]
    elements: list[Element]
    updated_at: str


class Goal(TypedDict):
    name: str
    type: str
    match: str
    environment: str


def _seg(value: str) -> str:
    return quote(value, safe="")


class _ops:
    @staticmethod
    def list_pages(project_id: str, environment: str) -> Op[list[PageConfig]]:
        path = f"/admin/v1/projects/{_seg(project_id)}/pages"
        return single(Call("GET", path, params={"environment": environment}))

    @staticmethod
    def set_page(project_id: str, body: dict[str, Any]) -> Op[PageConfig]:
        # PUT replaces the page's configuration: repeating it is harmless.
        return single(Call("PUT", f"/admin/v1/projects/{_seg(project_id)}/pages", json=body))

    @staticmethod
    def delete_page(project_id: str, page_id: int, environment: str) -> Op[dict[str, Any]]:
        path = f"/admin/v1/projects/{_seg(project_id)}/pages/{page_id}"
        return single(Call("DELETE", path, params={"environment": environment}, idempotent=False))

    @staticmethod
    def list_goals(project_id: str, environment: str) -> Op[list[Goal]]:
        path = f"/admin/v1/projects/{_seg(project_id)}/goals"
        return single(Call("GET", path, params={"environment": environment}))

    @staticmethod
    def set_goal(project_id: str, body: dict[str, Any]) -> Op[Goal]:
        return single(Call("PUT", f"/admin/v1/projects/{_seg(project_id)}/goals", json=body))

    @staticmethod
    def delete_goal(project_id: str, name: str, environment: str) -> Op[dict[str, Any]]:
        path = f"/admin/v1/projects/{_seg(project_id)}/goals/{_seg(name)}"
        return single(Call("DELETE", path, params={"environment": environment}, idempotent=False))


def _page_body(
    url: str,
    *,
    device: str,
    match: str,
    environment: str,
    blocks: Sequence[Block],
    elements: Sequence[Element],
) -> dict[str, Any]:
    return {
        "url": url,
        "device": device,
        "match": match,
        "environment": environment,
        "blocks": list(blocks),
        "elements": list(elements),
    }


class Pages:
    def __init__(self, run: SyncRunner) -> None:
        self._run = run

    def list_pages(self, project_id: str, *, environment: Environment = "production") -> list[PageConfig]:
        return self._run(_ops.list_pages(project_id, environment))

    def set_page(
        self,
        project_id: str,
        url: str,
        *,
        device: Device = "PC",
        match: Match = "exact",
        environment: Environment = "production",
        blocks: Sequence[Block] = (),
        elements: Sequence[Element] = (),
    ) -> PageConfig:
        """Replace the blocks and tracked elements of ``url`` on ``device``."""
        body = _page_body(url, device=device, match=match, environment=environment, blocks=blocks, elements=elements)
        return self._run(_ops.set_page(project_id, body))

    def delete_page(self, project_id: str, page_id: int, *, environment: Environment = "production") -> dict[str, Any]:
        return self._run(_ops.delete_page(project_id, page_id, environment))

    def list_goals(self, project_id: str, *, environment: Environment = "production") -> list[Goal]:
        return self._run(_ops.list_goals(project_id, environment))

    def set_goal(
        self, project_id: str, name: str, *, type: GoalType, match: str, environment: Environment = "production"
    ) -> Goal:
        body = {"name": name, "type": type, "match": match, "environment": environment}
        return self._run(_ops.set_goal(project_id, body))

    def delete_goal(self, project_id: str, name: str, *, environment: Environment = "production") -> dict[str, Any]:
        return self._run(_ops.delete_goal(project_id, name, environment))


class AsyncPages:
    def __init__(self, run: AsyncRunner) -> None:
        self._run = run

    async def list_pages(self, project_id: str, *, environment: Environment = "production") -> list[PageConfig]:
        return await self._run(_ops.list_pages(project_id, environment))

    async def set_page(
        self,
        project_id: str,
        url: str,
        *,
        device: Device = "PC",
        match: Match = "exact",
        environment: Environment = "production",
        blocks: Sequence[Block] = (),
        elements: Sequence[Element] = (),
    ) -> PageConfig:
        body = _page_body(url, device=device, match=match, environment=environment, blocks=blocks, elements=elements)
        return await self._run(_ops.set_page(project_id, body))

    async def delete_page(
        self, project_id: str, page_id: int, *, environment: Environment = "production"
    ) -> dict[str, Any]:
        return await self._run(_ops.delete_page(project_id, page_id, environment))

    async def list_goals(self, project_id: str, *, environment: Environment = "production") -> list[Goal]:
        return await self._run(_ops.list_goals(project_id, environment))

    async def set_goal(
        self, project_id: str, name: str, *, type: GoalType, match: str, environment: Environment = "production"
    ) -> Goal:
        body = {"name": name, "type": type, "match": match, "environment": environment}
        return await self._run(_ops.set_goal(project_id, body))

    async def delete_goal(
        self, project_id: str, name: str, *, environment: Environment = "production"
    ) -> dict[str, Any]:
        return await self._run(_ops.delete_goal(project_id, name, environment))
