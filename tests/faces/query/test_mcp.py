"""An MCP client (the official SDK) lists the tools and calls them; answers equal the HTTP API's."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from tests.conftest import Env
from tests.faces.query import exp_fixture
from tests.faces.query.fixture import END, LP, START
from traitbase.domain.analytics import experiences
from traitbase.faces.mcp.server import build_server
from traitbase.faces.mcp.tools import BY_NAME


@pytest.fixture
def exp(data: Env) -> dict[str, Any]:
    return exp_fixture.build(data)


def test_tools_listed_and_called_like_the_http_api(data: Env, qkey: str, growth: None, exp: dict[str, Any]) -> None:
    headers = {"x-api-key": qkey}

    def http(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"/open-api/v1{path}"
        r = data.client.get(url, params=body, headers=headers) if method == "GET" else data.client.post(
            url, json=body, headers=headers)  # fmt: skip
        answer: dict[str, Any] = r.json()
        return answer

    async def forward(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(http, method, path, body)

    pid = data.boot.project_id
    calls = {
        "page_metrics": {"url": LP, "deviceType": "ALL", "startDate": START, "endDate": END},
        "abtest_metrics": {"id": exp["id"], "startDate": START, "endDate": END, "compareBy": "clickedUsers"},
        "event_query": {"startDate": START, "endDate": END, "dimensions": ["eventName"]},
    }
    got: dict[str, Any] = {}

    async def main() -> None:
        async with Client(build_server(forward, pid)) as client:
            listed = await client.list_tools()
            got["tools"] = {t.name: t.input_schema for t in listed.tools}
            for name, args in calls.items():
                result = await client.call_tool(name, args)
                got[name] = result.structured_content

    anyio.run(main)
    assert set(got["tools"]) == set(BY_NAME)
    # The schema's enums are the validators' own registries.
    assert got["tools"]["abtest_metrics"]["properties"]["compareBy"]["enum"] == list(experiences.COMPARE_BY)
    assert got["page_metrics"] == http("POST", "/heatmap/query", {"profileId": pid, "queryType": "page_metrics",
                                                                  **calls["page_metrics"]})  # fmt: skip
    assert got["page_metrics"]["code"] == 200, got["page_metrics"]
    assert got["page_metrics"]["data"]["pv"] == 9  # 4 of the heatmap fixture, 5 of the experience visitors
    assert got["abtest_metrics"] == http("POST", "/experience/report/abtest/metrics",
                                         {"profileId": pid, **calls["abtest_metrics"]})  # fmt: skip
    assert [r["versionId"] for r in got["abtest_metrics"]["data"]] == ["v1", "v2"]
    assert got["event_query"] == http("POST", "/event/query", {"profileId": pid, **calls["event_query"]})
    assert got["event_query"]["data"] == {"columns": ["eventName", "eventCount"], "rows": [["signup_started", 1]]}


def test_traitbase_mcp_serves_the_tools_over_stdio() -> None:
    """``traitbase mcp`` as a subprocess: an SDK client lists every tool (no API call is needed to list)."""
    import os
    import sys

    from mcp import StdioServerParameters

    args = ["-m", "traitbase.cli", "mcp", "--project", "0a1b2c3d", "--key", "tb-unused", "--url", "http://127.0.0.1:9"]
    # The SDK starts the server with a minimal environment; pass ours so it imports this tree's traitbase.
    params = StdioServerParameters(command=sys.executable, args=args, env=dict(os.environ))
    names: list[str] = []

    async def main() -> None:
        async with Client(params) as client:
            names.extend(t.name for t in (await client.list_tools()).tools)

    anyio.run(main)
    assert names == list(BY_NAME)
