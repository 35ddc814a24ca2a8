"""Shared by the fuzz tests: one app with keys for every auth style, and each face's envelope rule.

``--fuzz-examples=N`` (pytest option) sets the examples per operation or form; the default keeps
the whole fuzz part of the suite to well under a minute on two cores.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from starlette.testclient import TestClient

from tests.conftest import Env, build_env, make_settings
from tests.faces.audience_files.conftest import TokenKey, token_key

DEFAULT_EXAMPLES = 12
BOUNDARY = "fuzzboundary7MA4YWxk"
SEED_USER = "fuzz-user-1"
UNLIMITED = "1000000/minute"
RATE_LIMITS = (
    "attributes_rate_limit",
    "admin_rate_limit",
    "audience_files_rate_limit",
    "audience_imports_rate_limit",
    "imports_upload_rate_limit",
    "imports_status_rate_limit",
    "events_rate_limit",
)


def fuzz_settings(examples: int) -> settings:
    # No shrinking and no example database: the run stays bounded and repeatable, and a failure
    # is reported with the request as found.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def examples_option(config: pytest.Config, default: int = DEFAULT_EXAMPLES) -> int:
    value = config.getoption("--fuzz-examples")
    return default if value is None else int(value)


@dataclass
class FuzzEnv:
    """One app and a key per auth style; ``client`` answers a 500 instead of raising it."""

    env: Env
    client: TestClient
    token: str  # tb-<id>.<secret> with upload, query and admin scopes
    key_id: str
    secret: str
    token_keys: list[TokenKey] = field(default_factory=list)

    @property
    def project_id(self) -> str:
        return self.env.boot.project_id

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def basic(self) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{self.key_id}:{self.secret}".encode()).decode()}

    def token_headers(self) -> dict[str, str]:
        # A token key signs with a clock that moves one second a call; start a new key before
        # the clock leaves the server's time window.
        key = self.token_keys[-1] if self.token_keys else None
        if key is None or key.clock[0] > time.time() + 200:
            key = token_key(self.env)
            self.token_keys.append(key)
        return key.headers()

    def auth(self, path: str) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, query parameters) that authenticate a request to ``path`` in its face's style."""
        for prefix, style in AUTH_STYLES:
            if path.startswith(prefix):
                return style(self)
        return {}, {}


AUTH_STYLES: list[tuple[str, Callable[[FuzzEnv], tuple[dict[str, str], dict[str, str]]]]] = [
    ("/admin/", lambda f: (f.env.admin, {})),
    ("/open-api/", lambda f: ({"x-api-key": f.token}, {})),
    # MCP's streamable HTTP transport also asks the client to accept both of its answer types.
    ("/mcp", lambda f: ({"x-api-key": f.token, "accept": "application/json, text/event-stream"}, {})),
    ("/v1/user/", lambda f: (f.bearer(), {})),
    ("/api/open/v1/uploads/", lambda f: ({}, {})),  # the signed URL is the credential
    ("/api/open/v1/", lambda f: (f.token_headers(), {})),
    ("/v1/imports/", lambda f: (f.basic(), {})),
    ("/v1/playfab", lambda f: ({}, {"api_key": f.token})),
    ("/v1/", lambda f: (f.bearer(), {})),
]

# Keys an error body may carry, per face (first matching prefix); every error has code and message.
ERROR_KEYS: list[tuple[str, frozenset[str], frozenset[str]]] = [
    ("/v1/user/", frozenset({"code", "message"}), frozenset({"code", "message"})),
    ("/api/open/v1/", frozenset({"code", "msg", "message", "data"}), frozenset({"code", "msg", "message", "data"})),
    ("/open-api/", frozenset({"code", "msg", "message"}), frozenset({"code", "msg", "message", "data"})),
    # The tracker's endpoints answer browsers: a bare {"error": reason}, nothing about the project.
    ("/collect", frozenset({"error"}), frozenset({"error"})),
    ("/tb.js", frozenset({"error"}), frozenset({"error"})),
    # MCP answers JSON-RPC: {"jsonrpc": "2.0", "id": ..., "error": {"code": int, "message": str, ...}}.
    ("/mcp", frozenset({"jsonrpc", "error"}), frozenset({"jsonrpc", "id", "error"})),
    ("/", frozenset({"code", "message"}), frozenset({"code", "message", "errors"})),
]


def envelope_problem(path: str, status: int, content_type: str, body: bytes) -> str | None:
    """Why an answer breaks its face's rules (a 5xx, or a malformed error envelope), or None."""
    if status == 503 and path == "/readyz":
        return None  # "not ready" is that probe's documented answer while a store is busy
    if status >= 500:
        return f"server error {status}: {body[:300]!r}"
    if status < 400:
        return None
    if "json" not in content_type:
        return f"{status} error answered as {content_type!r}"
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return f"{status} error body is not JSON: {body[:200]!r}"
    required, allowed = next((r, a) for prefix, r, a in ERROR_KEYS if path.startswith(prefix))
    if not isinstance(doc, dict) or not required <= set(doc) <= allowed:
        return f"{status} envelope keys {sorted(doc) if isinstance(doc, dict) else type(doc)} for {path}"
    if "jsonrpc" in required:
        err = doc["error"]
        ok = isinstance(err, dict) and isinstance(err.get("code"), int) and isinstance(err.get("message"), str)
        return None if ok and err["message"] else f"{status} JSON-RPC error {doc}"
    if "code" not in required:
        return None if isinstance(doc.get("error"), str) and doc["error"] else f"{status} envelope {doc}"
    # The query API's codes have four digits whose first three are the status class (4012 is a 400).
    code_ok = doc["code"] // 100 == status // 10 if path.startswith("/open-api/") else doc["code"] == status
    if not isinstance(doc["code"], int) or not code_ok or not isinstance(doc["message"], str) or not doc["message"]:
        return f"{status} envelope {doc}"
    if "errors" in doc and not (
        isinstance(doc["errors"], dict) and all(isinstance(v, str) for v in doc["errors"].values())
    ):
        return f"{status} errors field {doc['errors']!r}"
    return None


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def _seed(f: FuzzEnv) -> None:
    """One user, one event and one audience list, so generated ids sometimes name real objects."""
    body = {"field_name": ["user_id", "tier"], "values": [[SEED_USER, "gold"]]}
    assert f.client.post("/v1/user/profiles", json=body, headers=f.bearer()).status_code == 200
    push = {"level_ups": [{"user_id": SEED_USER, "level": 3}]}
    assert f.client.post("/v1/level-ups", json=push, headers=f.bearer()).status_code == 201
    form = multipart(
        [
            ("app_id", None, f.project_id.encode()),
            ("identifier_type", None, b"customer_id"),
            ("audience_name", None, b"seed list"),
            ("file", "ids.jsonl", f'{{"customer_id": "{SEED_USER}"}}\n'.encode()),
        ]
    )
    headers = f.basic() | {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    assert f.client.post("/v1/imports/audiences/list/", content=form, headers=headers).status_code == 202


def build_fuzz_env(tmp: Path) -> Iterator[FuzzEnv]:
    limits = {name: UNLIMITED for name in RATE_LIMITS}
    # No job workers: uploads the fuzzer makes stay queued instead of taking the CPU.
    for env in build_env(make_settings(tmp, job_workers=0, **limits)):
        token = env.key(["upload", "query", "admin"])
        key_id, secret = token.split("-", 1)[1].split(".", 1)
        client = TestClient(env.app, raise_server_exceptions=False)
        fuzz = FuzzEnv(env=env, client=client, token=token, key_id=key_id, secret=secret)
        _seed(fuzz)
        yield fuzz
