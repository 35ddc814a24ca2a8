"""Imports-face fixtures: an app without in-process workers, so tests decide when jobs run."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Env, build_env, make_settings
from traitbase.jobs.registry import Resources, load_handlers
from traitbase.jobs.runner import Worker


@dataclass
class Imports:
    env: Env

    def credentials(
        self, *, org_key: bool = False, project_id: str | None = None, scopes: list[str] | None = None
    ) -> tuple[str, str]:
        token = self.env.key(scopes or ["upload"], org_key=org_key, project_id=project_id)
        key_id, secret = token.split("-", 1)[1].split(".", 1)
        return key_id, secret

    @staticmethod
    def basic(creds: tuple[str, str]) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()}

    def upload(self, creds: tuple[str, str], content: bytes, *, fmt: str = "json", **target: str) -> Any:
        data = {"format": fmt, **target}
        files = {"file": ("profiles." + fmt, content, "application/octet-stream")}
        return self.env.client.post("/v1/imports/profiles/upload", data=data, files=files, headers=self.basic(creds))

    def status(self, creds: tuple[str, str], activity_id: str) -> Any:
        return self.env.client.get(f"/v1/imports/profiles/status/{activity_id}", headers=self.basic(creds))

    def worker(self) -> Worker:
        ctx = self.env.app.state.ctx
        load_handlers()
        res = Resources(settings=ctx.settings, db=ctx.db, blobs=ctx.blobs, signer=ctx.signer, limits=ctx.limits)
        return Worker(res, name="test", stop=threading.Event(), wake=threading.Event())

    def run_jobs(self) -> int:
        return self.worker().run_until_idle()

    def user(self, user_id: str, project_id: str | None = None) -> Any:
        pid = project_id or self.env.boot.project_id
        r = self.env.client.get(f"/admin/v1/projects/{pid}/users/{user_id}", headers=self.env.admin)
        return r.json()["data"]["attributes"] if r.status_code == 200 else None


@pytest.fixture
def imp(tmp_path: Path) -> Iterator[Imports]:
    settings = make_settings(tmp_path, job_workers=0, imports_chunk_lines=3)
    for env in build_env(settings):
        yield Imports(env)
