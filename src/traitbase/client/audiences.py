"""``client.audiences``: use audiences (admin API) and upload audience files (audience files face).

Reading (list, get, loads, export, contains, wait) needs a key with the ``admin`` scope. Uploading
signs with the token scheme of the audience files face, so the client's token must be a
``tb-<key id>.<secret>`` key created with ``token_auth`` and the ``upload`` scope.
Each call is written once as an operation (``_ops``); the sync and async classes only run them.
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from traitbase.client._audience_files import (
    DEVICE_TYPES,
    PLATFORMS,
    FileBody,
    FileProgress,
    FileProgressCallback,
    MemberParser,
    TokenAuth,
    code_of,
    file_md5,
)
from traitbase.client._core import AsyncRunner, Call, Op, SyncRunner, single
from traitbase.client._stream import AsyncStreamer, SyncStreamer
from traitbase.client.admin import _seg as admin_seg
from traitbase.client.errors import TraitbaseError

__all__ = ["Audience", "AudienceLoad", "FileProgress", "LoadFailed", "UploadedAudience"]

OPEN = "/api/open/v1"
DEFAULT_POLL = 1.0  # seconds between load status checks


class Audience(TypedDict):
    id: int
    project_id: str
    environment: str
    source: str  # "list" (audience imports face) or "file" (audience files face)
    name: str
    identifier_type: str
    platform: int | None
    area_type: int | None
    device_types: str | None
    version: int
    record_count: int
    created_at: str
    updated_at: str


class AudienceWithCount(Audience):
    member_count: int


class AudienceLoad(TypedDict):
    id: str
    version: int
    status: str  # Pending | Running | Completed | Failed
    total_lines: int
    successful_lines: int
    failed_lines: int
    error_reason: str | None
    created_at: str
    updated_at: str


class LoadFailed(TraitbaseError):
    """An audience's load failed (e.g. a ``.gz`` that is not gzip); ``reason`` is the server's."""

    def __init__(self, audience_id: int, load: AudienceLoad) -> None:
        super().__init__(f"audience {audience_id}: load failed: {load['error_reason']}")
        self.audience_id = audience_id
        self.reason = load["error_reason"]
        self.load = load


def _seg(value: str | int) -> str:
    return admin_seg(str(value))


def _base(project: str, audience_id: int | None = None) -> str:
    path = f"/admin/v1/projects/{_seg(project)}/audiences"
    return path if audience_id is None else f"{path}/{audience_id}"


def _settled(audience_id: int, loads: list[AudienceLoad]) -> bool:
    """Whether the newest load has finished; a failed one raises with its reason."""
    if not loads:
        return True  # nothing was ever loaded
    newest = loads[0]
    if newest["status"] == "Failed":
        raise LoadFailed(audience_id, newest)
    return newest["status"] == "Completed"


class _ops:
    @staticmethod
    def list_all(project: str, environment: str) -> Op[builtins.list[Audience]]:
        return single(Call("GET", _base(project), params={"environment": environment}))

    @staticmethod
    def get(project: str, audience_id: int, environment: str) -> Op[AudienceWithCount]:
        return single(Call("GET", _base(project, audience_id), params={"environment": environment}))

    @staticmethod
    def loads(project: str, audience_id: int, environment: str, limit: int) -> Op[builtins.list[AudienceLoad]]:
        params = {"environment": environment, "limit": limit}
        return single(Call("GET", _base(project, audience_id) + "/loads", params=params))

    @staticmethod
    def contains(project: str, audience_id: int, member_id: str, environment: str) -> Op[bool]:
        path = f"{_base(project, audience_id)}/members/{_seg(member_id)}"
        answer = yield Call("GET", path, params={"environment": environment})
        return bool(answer["data"]["member"])

    @staticmethod
    def whoami() -> Op[dict[str, Any]]:
        return single(Call("GET", "/admin/v1/whoami"))

    @staticmethod
    def upload_file(
        auth: TokenAuth,
        path: Path,
        name: str,
        platform: int,
        device_type: int,
        area_type: int,
        progress: FileProgressCallback | None,
    ) -> Op[dict[str, Any]]:
        md5, size = file_md5(path, progress)
        params = {"area_type": area_type, "file_name": path.name, "file_md5": md5}
        grant = yield Call(
            "GET", f"{OPEN}/audience/presigned-upload-data", params=params, extra=lambda _: {"auth": auth}
        )
        body = FileBody(path, size, progress)
        if area_type == 1:
            target = grant["data"]["s3"]
            yield Call("PUT", target["url"], extra=body.put, idempotent=False)
        else:
            target = grant["data"]["oss"]
            fields = {
                "key": target["dir"],
                "AWSAccessKeyId": target["accessid"],
                "policy": target["policy"],
                "signature": target["signature"],
                "success_action_status": "200",
            }
            try:
                yield Call("POST", target["host"], extra=lambda _: body.post(fields), idempotent=False)
            finally:
                body.close()
        create = {
            "ta_name": name,
            "area_type": area_type,
            "platform": platform,
            "data_path": [{"device_type": device_type, "data_path": target["data_path"]}],
        }
        made = yield Call("POST", f"{OPEN}/audience", json=create, extra=lambda _: {"auth": auth}, idempotent=False)
        return {"audience_id": made["data"]["ta_id"], "data_path": target["data_path"], "file_md5": md5, "size": size}


def _upload_args(
    token: str | None, path: str | Path, platform: int | str, device_type: int | str, area_type: int
) -> tuple[TokenAuth, Path, int, int]:
    if area_type not in (1, 2):
        raise ValueError("area_type must be 1 (presigned PUT) or 2 (POST policy form)")
    return (
        TokenAuth(token),
        Path(path),
        code_of(platform, PLATFORMS, "platform"),
        code_of(device_type, DEVICE_TYPES, "device type"),
    )


def _project_of(me: dict[str, Any]) -> tuple[str, str]:
    if not me.get("project_id"):
        raise ValueError("this key is not a project key; pass project= to wait()")
    return str(me["project_id"]), str(me["environment"])


@dataclass
class UploadedAudience:
    """An audience made from an uploaded file; ``wait()`` blocks until its members are loaded."""

    audience_id: int
    data_path: str
    file_md5: str
    size: int
    _owner: Audiences = field(repr=False, compare=False)

    def wait(
        self, *, project: str | None = None, timeout: float | None = None, interval: float = DEFAULT_POLL
    ) -> AudienceWithCount:
        """Poll until the load finished: the audience with its member count, or ``LoadFailed``."""
        environment = "production"
        if project is None:
            project, environment = _project_of(self._owner._run(_ops.whoami()))
        return self._owner.wait(project, self.audience_id, environment=environment, timeout=timeout, interval=interval)


@dataclass
class AsyncUploadedAudience:
    audience_id: int
    data_path: str
    file_md5: str
    size: int
    _owner: AsyncAudiences = field(repr=False, compare=False)

    async def wait(
        self, *, project: str | None = None, timeout: float | None = None, interval: float = DEFAULT_POLL
    ) -> AudienceWithCount:
        environment = "production"
        if project is None:
            project, environment = _project_of(await self._owner._run(_ops.whoami()))
        return await self._owner.wait(
            project, self.audience_id, environment=environment, timeout=timeout, interval=interval
        )


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _check_deadline(deadline: float | None, audience_id: int) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError(f"audience {audience_id} is still loading")


class Audiences:
    def __init__(self, run: SyncRunner, stream: SyncStreamer, token: str | None) -> None:
        self._run = run
        self._stream = stream
        self._token = token
        self._auth: TokenAuth | None = None

    def list(self, project: str, *, environment: str = "production") -> builtins.list[Audience]:
        """Every audience of the project (both faces' kinds)."""
        return self._run(_ops.list_all(project, environment))

    def get(self, project: str, audience_id: int, *, environment: str = "production") -> AudienceWithCount:
        """One audience with ``member_count``, counted now."""
        return self._run(_ops.get(project, audience_id, environment))

    def loads(
        self, project: str, audience_id: int, *, environment: str = "production", limit: int = 20
    ) -> builtins.list[AudienceLoad]:
        """The audience's loads (each create or replace of its members), newest first."""
        return self._run(_ops.loads(project, audience_id, environment, limit))

    def contains(self, project: str, audience_id: int, member_id: str, *, environment: str = "production") -> bool:
        return self._run(_ops.contains(project, audience_id, member_id, environment))

    def export(self, project: str, audience_id: int, *, environment: str = "production") -> Iterator[str]:
        """The member ids (sorted, distinct) as they arrive; the whole list is never in memory."""
        call = Call("GET", _base(project, audience_id) + "/members", params={"environment": environment})
        parser = MemberParser()
        with self._stream(call) as resp:
            for text in resp.iter_text():
                yield from parser.feed(text)
        yield from parser.finish()

    def export_to_file(
        self, project: str, audience_id: int, path: str | Path, *, environment: str = "production"
    ) -> int:
        """Write the ids to ``path``, one per line (an audience file again); returns how many."""
        count = 0
        with Path(path).open("w", encoding="utf-8", newline="\n") as f:
            for member in self.export(project, audience_id, environment=environment):
                f.write(member + "\n")
                count += 1
        return count

    def wait(
        self,
        project: str,
        audience_id: int,
        *,
        environment: str = "production",
        timeout: float | None = None,
        interval: float = DEFAULT_POLL,
    ) -> AudienceWithCount:
        """Poll until the newest load finished: the audience with its count, or ``LoadFailed``."""
        deadline = _deadline(timeout)
        while not _settled(audience_id, self.loads(project, audience_id, environment=environment, limit=1)):
            _check_deadline(deadline, audience_id)
            time.sleep(interval)
        return self.get(project, audience_id, environment=environment)

    def upload_file(
        self,
        path: str | Path,
        name: str,
        *,
        platform: int | str = "android",
        device_type: int | str = "gaid",
        area_type: int = 1,
        progress: FileProgressCallback | None = None,
    ) -> UploadedAudience:
        """Hash, presign, upload (streamed) and create an audience from a device-id file."""
        auth, file, plat, device = _upload_args(self._token, path, platform, device_type, area_type)
        self._auth = self._auth or auth  # one clock per client, so its tokens never repeat
        made = self._run(_ops.upload_file(self._auth, file, name, plat, device, area_type, progress))
        return UploadedAudience(**made, _owner=self)


class AsyncAudiences:
    def __init__(self, run: AsyncRunner, stream: AsyncStreamer, token: str | None) -> None:
        self._run = run
        self._stream = stream
        self._token = token
        self._auth: TokenAuth | None = None

    async def list(self, project: str, *, environment: str = "production") -> builtins.list[Audience]:
        return await self._run(_ops.list_all(project, environment))

    async def get(self, project: str, audience_id: int, *, environment: str = "production") -> AudienceWithCount:
        return await self._run(_ops.get(project, audience_id, environment))

    async def loads(
        self, project: str, audience_id: int, *, environment: str = "production", limit: int = 20
    ) -> builtins.list[AudienceLoad]:
        return await self._run(_ops.loads(project, audience_id, environment, limit))

    async def contains(
        self, project: str, audience_id: int, member_id: str, *, environment: str = "production"
    ) -> bool:
        return await self._run(_ops.contains(project, audience_id, member_id, environment))

    async def export(self, project: str, audience_id: int, *, environment: str = "production") -> AsyncIterator[str]:
        call = Call("GET", _base(project, audience_id) + "/members", params={"environment": environment})
        parser = MemberParser()
        async with self._stream(call) as resp:
            async for text in resp.aiter_text():
                for member in parser.feed(text):
                    yield member
        for member in parser.finish():
            yield member

    async def export_to_file(
        self, project: str, audience_id: int, path: str | Path, *, environment: str = "production"
    ) -> int:
        count = 0
        with Path(path).open("w", encoding="utf-8", newline="\n") as f:
            async for member in self.export(project, audience_id, environment=environment):
                f.write(member + "\n")
                count += 1
        return count

    async def wait(
        self,
        project: str,
        audience_id: int,
        *,
        environment: str = "production",
        timeout: float | None = None,
        interval: float = DEFAULT_POLL,
    ) -> AudienceWithCount:
        deadline = _deadline(timeout)
        while not _settled(audience_id, await self.loads(project, audience_id, environment=environment, limit=1)):
            _check_deadline(deadline, audience_id)
            await asyncio.sleep(interval)
        return await self.get(project, audience_id, environment=environment)

    async def upload_file(
        self,
        path: str | Path,
        name: str,
        *,
        platform: int | str = "android",
        device_type: int | str = "gaid",
        area_type: int = 1,
        progress: FileProgressCallback | None = None,
    ) -> AsyncUploadedAudience:
        auth, file, plat, device = _upload_args(self._token, path, platform, device_type, area_type)
        self._auth = self._auth or auth
        made = await self._run(_ops.upload_file(self._auth, file, name, plat, device, area_type, progress))
        return AsyncUploadedAudience(**made, _owner=self)
