"""``/mcp`` in process (JSON-RPC over the test client): tenancy from the key alone, and refusals never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Env
from tests.faces.query import exp_fixture

HEADERS = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18"}


@pytest.fixture
def exp(data: Env) -> dict[str, Any]:
    return exp_fixture.build(data)


def rpc(env: Env, key: str | None, method: str, params: dict[str, Any], query: str = "") -> Any:
    headers = {**HEADERS, **({"x-api-key": key} if key else {})}
    return env.client.post(f"/mcp{query}", json={"jsonrpc": "2.0", "id": 7, "method": method, "params": params},
                           headers=headers)  # fmt: skip


def tool(env: Env, key: str, name: str, args: dict[str, Any], query: str = "") -> dict[str, Any]:
    r = rpc(env, key, "tools/call", {"name": name, "arguments": args}, query)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()["result"]
    return result


def test_the_key_decides_project_and_environment(data: Env, growth: None, exp: dict[str, Any]) -> None:
    own = tool(data, data.key(["query"]), "experience_list", {})
    assert [e["id"] for e in own["structuredContent"]["data"]] == [exp["id"]]
    other = data.project("other shop")
    assert tool(data, data.key(["query"], project_id=other), "experience_list", {})["structuredContent"]["data"] == []
    sandbox = data.key(["query"], environment="sandbox")
    assert tool(data, sandbox, "experience_list", {})["structuredContent"]["data"] == []


def test_an_organization_key_names_its_project(data: Env, growth: None, exp: dict[str, Any]) -> None:
    org = data.key(["query"], org_key=True)
    r = rpc(data, org, "tools/list", {})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["data"] == {"code": 4013}
    listed = tool(data, org, "experience_list", {}, f"?profileId={data.boot.project_id}")
    assert [e["id"] for e in listed["structuredContent"]["data"]] == [exp["id"]]
    # A project the key cannot reach: the query API's own 4030, as a tool error.
    refused = tool(data, org, "experience_list", {}, "?profileId=ffffffff")
    assert refused["isError"] is True and refused["structuredContent"]["code"] == 4030


def test_refusals_are_jsonrpc_errors_with_4xx(data: Env, qkey: str) -> None:
    expected = [(None, 401, 4010), ("tb-0123456789abcdef.not-a-real-secret-at-all", 401, 4011),
                (data.key(["upload"]), 403, 4031)]  # fmt: skip
    for key, status, number in expected:
        r = rpc(data, key, "tools/list", {})
        assert r.status_code == status, r.text
        body = r.json()
        assert body == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32600, "message": body["error"]["message"], "data": {"code": number}},
        }
    # Only POST; a malformed or oversized body is the client's error too.
    for method in ("GET", "DELETE"):
        r = data.client.request(method, "/mcp", headers={**HEADERS, "x-api-key": qkey})
        assert r.status_code == 405 and r.json()["jsonrpc"] == "2.0", r.text
    garbled = data.client.post("/mcp", content=b"{not json", headers={**HEADERS, "x-api-key": qkey,
                                                                   "content-type": "application/json"})  # fmt: skip
    assert garbled.status_code == 400 and garbled.json()["error"]["code"] == -32700, garbled.text
    huge = data.client.post("/mcp", content=b" " * (data.settings.query_max_body_bytes + 1),
                            headers={**HEADERS, "x-api-key": qkey, "content-type": "application/json"})  # fmt: skip
    assert huge.status_code == 413 and huge.json()["error"]["data"] == {"code": 4130}, huge.text
    unknown = rpc(data, qkey, "tools/call", {"name": "drop_tables", "arguments": {}})
    assert unknown.status_code < 500, unknown.text
    body = unknown.json()
    assert "error" in body or body["result"]["isError"] is True, body
    # A query API refusal comes back as the tool's result, in the API's envelope.
    bad = tool(data, qkey, "abtest_metrics", {"id": "nope", "startDate": "2024-12-01", "endDate": "2024-12-02",
                                              "compareBy": "clickedUsers"})  # fmt: skip
    assert bad["isError"] is True and bad["structuredContent"]["code"] == 4040


def test_every_query_endpoint_has_its_tool(data: Env, qkey: str, growth: None, exp: dict[str, Any]) -> None:
    """The heatmap lists and maps too: each answer is the HTTP API's for the same request."""
    pid = data.boot.project_id
    dates = {"startDate": "2024-12-01", "endDate": "2024-12-02"}
    calls = [
        ("filter_values", "/heatmap/filter-values", {"name": "browser", "search": "chrome", **dates}, ["Chrome"]),
        ("custom_dimensions", "/heatmap/custom-dimensions", dates, ["plan"]),
        ("custom_dimension_values", "/heatmap/custom-dimension-values", {"eventVariant": "plan", **dates}, ["pro"]),
        ("event_variables", "/heatmap/event-variables", {"eventName": "signup_started", **dates}, ["method"]),
        ("event_variable_values", "/heatmap/event-variable-values",
         {"eventName": "signup_started", "eventVariant": "method", **dates}, ["email"]),
    ]  # fmt: skip
    for name, path, args, expected in calls:
        got = tool(data, qkey, name, args)["structuredContent"]
        http = data.client.post(f"/open-api/v1{path}", json={"profileId": pid, **args}, headers={"x-api-key": qkey})
        assert got == http.json(), name
        assert got["data"] == expected, name
    for kind in ("click_map", "scroll_map"):
        args = {"url": "https://shop.example/lp", "deviceType": "PC", **dates}
        got = tool(data, qkey, kind, args)["structuredContent"]
        http = data.client.post("/open-api/v1/heatmap/query", json={"profileId": pid, "queryType": kind, **args},
                                headers={"x-api-key": qkey})  # fmt: skip
        assert got == http.json() and got["code"] == 200 and got["data"], kind


def test_the_app_can_be_started_twice(env: Env) -> None:
    """One app, more lifespans (further test clients): /mcp answers in each."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"x-api-key": env.key(["query"]), "accept": "application/json, text/event-stream"}
    for _ in range(2):
        with TestClient(env.app) as client:
            r = client.post("/mcp", json=body, headers=headers)
            assert r.status_code == 200, r.text
            assert any(t["name"] == "page_metrics" for t in r.json()["result"]["tools"])
