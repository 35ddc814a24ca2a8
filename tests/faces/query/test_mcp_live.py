"""MCP over streamable HTTP against a live server: the SDK's client lists the tools and calls them at ``/mcp``.

The data directory is filled in process through the real endpoints (``/collect`` with the heatmap and
experience fixtures, ``/v1/actions`` for a custom event), then released; a real uvicorn process on
127.0.0.1 serves it. Every tool answer is compared with the HTTP API's answer to the same request from
the same server, and with hand-counted values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import build_env, make_settings
from tests.faces.query import exp_fixture, fixture
from tests.faces.query.fixture import END, LP, START
from tests.servers import ServerProcess
from traitbase.domain.analytics import experiences
from traitbase.faces.mcp.tools import BY_NAME

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Live:
    server: ServerProcess
    key: str
    upload_key: str
    project: str
    experience: str


def _prepare(data_dir: Path) -> tuple[str, str, str, str]:
    """Fill the data directory through the endpoints, in process, then release it (one writer at a time)."""
    gen: Iterator[Any] = build_env(make_settings(data_dir, job_workers=0))
    env = next(gen)
    fixture.build(env)
    exp = exp_fixture.build(env)
    upload = env.key(["upload"])
    actions = {"actions": [
        {"user_id": "u1", "action_id": "a1", "action_name": "level_start", "timestamp": "2024-12-01 20:00:00"},
        {"user_id": "u1", "action_id": "a2", "action_name": "level_start", "timestamp": "2024-12-02 10:00:00"},
    ]}  # fmt: skip
    r = env.client.post("/v1/actions", json=actions, headers={"Authorization": f"Bearer {upload}"})
    assert r.status_code == 201, r.text
    key, project = env.key(["query"]), env.boot.project_id
    for _ in gen:
        pass
    return key, upload, project, str(exp["id"])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("mcp-live")
    key, upload, project, experience = _prepare(data_dir)
    # The fixture's data is from 2024: the plan's retention and budget are opened wide for this server.
    server = ServerProcess.uvicorn(
        data_dir,
        TRAITBASE_ACCESS_LOG="false",
        TRAITBASE_LOG_LEVEL="WARNING",
        TRAITBASE_JOB_WORKERS="0",
        TRAITBASE_PLAN_FREE_RETENTION_DAYS="100000",
        TRAITBASE_PLAN_FREE_PER_MINUTE="1000",
        TRAITBASE_PLAN_FREE_PER_DAY="100000",
    )
    try:
        yield Live(server, key, upload, project, experience)
    finally:
        server.stop()


def _http(live: Live, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{live.server.url}/open-api/v1{path}", json=body, headers={"x-api-key": live.key}, timeout=30)
    answer: dict[str, Any] = r.json()
    return answer


def _mcp(live: Live, key: str, calls: dict[str, dict[str, Any]]) -> dict[str, Any]:
    got: dict[str, Any] = {}

    async def main() -> None:
        http = httpx2.AsyncClient(headers={"x-api-key": key}, timeout=30)
        async with http, Client(streamable_http_client(f"{live.server.url}/mcp", http_client=http)) as client:
            got["tools"] = {t.name: t.input_schema for t in (await client.list_tools()).tools}
            for name, args in calls.items():
                got[name] = (await client.call_tool(name, args)).structured_content

    anyio.run(main)
    return got


def test_sdk_client_over_streamable_http_gets_the_http_api_answers(live: Live) -> None:
    calls = {
        "page_metrics": {"url": LP, "deviceType": "ALL", "startDate": START, "endDate": END, "metrics": ["pv", "uv"]},
        "abtest_metrics": {"id": live.experience, "startDate": START, "endDate": END, "compareBy": "clickedUsers"},
        "event_query": {"startDate": START, "endDate": END, "dimensions": ["eventName"],
                        "metrics": ["eventCount", "sessions"]},
    }  # fmt: skip
    got = _mcp(live, live.key, calls)
    assert list(got["tools"]) == list(BY_NAME)
    assert got["tools"]["abtest_metrics"]["properties"]["compareBy"]["enum"] == list(experiences.COMPARE_BY)

    page = _http(live, "/heatmap/query", {"profileId": live.project, "queryType": "page_metrics",
                                          **calls["page_metrics"]})  # fmt: skip
    assert got["page_metrics"] == page
    # Page views of /lp (merged): p1, p3, p4, p6 of the heatmap fixture (the bot's p5 is left out) and one
    # per experience visitor; visitors A, B, C of the heatmap fixture and the five experience visitors.
    assert page["data"] == {"pv": 9, "uv": 8}

    ab = _http(live, "/experience/report/abtest/metrics", {"profileId": live.project, **calls["abtest_metrics"]})
    assert got["abtest_metrics"] == ab
    # v1 viewed by A and C, clicked by A; v2 viewed by B and D, clicked by D (v3, deleted, is left out).
    assert [(r["versionId"], r["clickedUsers"]["value"], r["uplift"]) for r in ab["data"]] == [
        ("v1", 1, "Baseline"), ("v2", 1, "+0.00%")]  # fmt: skip
    assert ab["data"][0]["probabilityToBeBest"] == ab["data"][1]["probabilityToBeBest"] == "50.00%"

    events = _http(live, "/event/query", {"profileId": live.project, **calls["event_query"]})
    assert got["event_query"] == events
    # B's tracker custom event; u1's two level_start actions through /v1/actions (no session id: the user is one).
    assert events["data"] == {"columns": ["eventName", "eventCount", "sessions"],
                              "rows": [["level_start", 2, 1], ["signup_started", 1, 1]]}  # fmt: skip


def test_live_endpoint_refuses_bad_keys_with_jsonrpc_errors(live: Live) -> None:
    params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    accept = {"accept": "application/json, text/event-stream"}
    cases = [({}, 401, 4010), ({"x-api-key": "tb-0123456789abcdef.not-a-real-secret-at-all"}, 401, 4011),
             ({"x-api-key": live.upload_key}, 403, 4031)]  # fmt: skip
    for headers, status, number in cases:
        r = httpx.post(f"{live.server.url}/mcp", json=init, headers={**accept, **headers}, timeout=30)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["jsonrpc"] == "2.0" and body["error"]["data"] == {"code": number}, body
    # The same key through the SDK's own transport: the client fails to connect, the server did not crash.
    with pytest.raises(Exception):  # noqa: B017  (the SDK wraps the HTTP 401 in its own error types)
        _mcp(live, "tb-0123456789abcdef.not-a-real-secret-at-all", {})
    assert httpx.get(f"{live.server.url}/healthz", timeout=10).status_code == 200
