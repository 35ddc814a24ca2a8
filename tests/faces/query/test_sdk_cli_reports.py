"""``client.query.events`` / ``client.query.experiences`` and ``traitbase query events | experiences | abtest``.

Data: ``fixture`` (visitor B's tracker event ``signup_started``), ``exp_fixture`` (the "Spring popup"
A/B test: v1 viewed by A and C, clicked by A; v2 viewed by B and D, clicked by D; v3 deleted, viewed
by E), and through ``/v1/actions`` user u1's ``gallery_item_impression {position: home}`` and
``level_start``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from tests.conftest import Env
from tests.faces.query import exp_fixture
from tests.faces.query.fixture import END, LP, START
from traitbase.cli import common, output
from traitbase.cli.main import app
from traitbase.client import AsyncClient, Client
from traitbase.client.errors import APIError

GALLERY = "gallery_item_impression"


@pytest.fixture
def exp(data: Env) -> dict[str, Any]:
    stored = exp_fixture.build(data)
    actions = {"actions": [
        {"user_id": "u1", "action_id": "a1", "action_name": GALLERY, "timestamp": "2024-12-01 20:00:00",
         "action_params": [{"key": "position", "value": "home"}]},
        {"user_id": "u1", "action_id": "a2", "action_name": "level_start", "timestamp": "2024-12-02 10:00:00"},
    ]}  # fmt: skip
    r = data.client.post("/v1/actions", json=actions, headers={"Authorization": f"Bearer {data.key(['upload'])}"})
    assert r.status_code == 201, r.text
    return stored


@pytest.fixture
def sdk(data: Env, qkey: str, growth: None) -> Client:
    return Client("http://testserver", qkey, transport=data.transport)


EVENTS = {"columns": ["eventName", "eventCount", "sessions"],
          "rows": [[GALLERY, 1, 1], ["level_start", 1, 1], ["signup_started", 1, 1]]}  # fmt: skip
# clickedUsers per version: 1 of 2 viewers each, so no uplift and an even chance.
AB = [("v1", "Original", 1, "Baseline", "50.00%"), ("v2", "Bold", 1, "+0.00%", "50.00%")]


def _ab(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r["versionId"], r["versionName"], r["clickedUsers"]["value"], r["uplift"], r["probabilityToBeBest"])
            for r in rows]  # fmt: skip


def test_sdk_events(data: Env, sdk: Client, exp: dict[str, Any]) -> None:
    pid = data.boot.project_id
    assert sdk.query.events(profile_id=pid, start=START, end=END, dimensions=["eventName"],
                            metrics=["eventCount", "sessions"]) == EVENTS  # fmt: skip
    position: Any = {"name": "eventVariable", "eventVariant": "position"}
    by_position = sdk.query.events(profile_id=pid, start=START, end=END, dimensions=["eventName", position, "day"],
                                   filters=[{"name": "eventName", "op": "include", "value": [GALLERY]}])  # fmt: skip
    assert by_position == {"columns": ["eventName", "position", "day", "eventCount"],
                           "rows": [[GALLERY, "home", "2024-12-01", 1]]}  # fmt: skip
    fields = sdk.query.events.fields(lang="JP")
    assert [m["name"] for m in fields["metrics"]] == ["eventCount", "sessions"]
    with pytest.raises(APIError) as err:
        sdk.query.events(profile_id=pid, start=START, end=END, dimensions=["deviceType"])
    assert err.value.status == 400 and err.value.body["code"] == 4018


def test_sdk_experiences(data: Env, sdk: Client, exp: dict[str, Any]) -> None:
    pid, eid = data.boot.project_id, exp["id"]
    assert [(e["id"], [v["id"] for v in e["versions"]]) for e in sdk.query.experiences.list(pid)] == [
        (eid, ["v1", "v2", "v3"])]  # fmt: skip
    assert sdk.query.experiences.user_properties(pid) == []
    metrics = sdk.query.experiences.metrics(pid, eid, start=START, end=END)
    assert (metrics["viewedUsers"]["value"], metrics["clickRate"]["value"]) == (5, "40.00%")
    assert metrics["goals"] == [{"id": "g4", "name": "Signup", "reachedUsers": 2, "reachRate": "40.00%", "value": None}]
    [row] = sdk.query.experiences.overview(pid, [eid], metrics=["views"], start=START, end=END)
    assert row["views"]["value"] == 5
    rows = sdk.query.experiences.insight(pid, eid, start=START, end=END, dimension="terminalType")
    assert [(r["terminalType"], r["viewedUsers"]["value"]) for r in rows] == [("Mobile", 1), ("PC", 3), ("Tablet", 1)]
    assert _ab(sdk.query.experiences.abtest(pid, eid, start=START, end=END, compare_by="clickedUsers")) == AB
    with_deleted = sdk.query.experiences.abtest(pid, eid, start=START, end=END, compare_by="viewedUsers",
                                                show_deleted=True)  # fmt: skip
    assert [(r["versionId"], r["deleted"], r["viewedUsers"]["value"]) for r in with_deleted] == [
        ("v1", False, 2), ("v2", False, 2), ("v3", True, 1)]  # fmt: skip
    grouped = sdk.query.experiences.abtest_insight(pid, eid, start=START, end=END, compare_by="clickedUsers",
                                                   dimension="terminalType")  # fmt: skip
    assert [(g["terminalType"], [(r["versionId"], r["clickedUsers"]["value"]) for r in g["versions"]])
            for g in grouped] == [("Mobile", [("v1", 0), ("v2", 0)]), ("PC", [("v1", 1), ("v2", 1)]),
                                  ("Tablet", [("v1", 0), ("v2", 0)])]  # fmt: skip
    assert sdk.query.experiences.form(pid, eid, "v1", start=START, end=END) == {
        "columns": [{"name": "email", "label": "Email"}, {"name": "age", "label": "Age"}],
        "rows": [{"email": "a@x.example", "age": "30"}]}  # fmt: skip
    with pytest.raises(APIError) as err:
        sdk.query.experiences.abtest(pid, eid, start=START, end=END, compare_by="goalReached")
    assert err.value.body["code"] == 4013


def _cli(data: Env, qkey: str, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setattr(common, "transport", data.transport)
    # Wide enough that Rich does not wrap a table cell. The console is built at import, when COLUMNS
    # may not have been set yet (another test imported the CLI first), so its width is set too.
    monkeypatch.setattr(output.out, "width", 200)
    r = CliRunner().invoke(
        app, ["query", *args, "--server", "http://testserver", "--token", qkey], env={"COLUMNS": "200"}
    )
    assert r.exit_code == code, r.output
    return r.output


def test_cli_events(data: Env, qkey: str, growth: None, exp: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    dates = ["--from", START, "--to", END, "-p", data.boot.project_id]
    out = _cli(data, qkey, monkeypatch, "events", *dates, "-m", "eventCount", "-m", "sessions", "--json")
    assert orjson.loads(out) == EVENTS
    out = _cli(data, qkey, monkeypatch, "events", *dates, "-d", "eventName", "-d", "var:position",
               "-f", f"eventName={GALLERY}", "-f", "var:position=home", "--json")  # fmt: skip
    assert orjson.loads(out) == {"columns": ["eventName", "position", "eventCount"], "rows": [[GALLERY, "home", 1]]}
    table = _cli(data, qkey, monkeypatch, "events", *dates, "-d", "eventName", "-d", "day")
    assert "level_start" in table and "2024-12-02" in table
    refused = _cli(data, qkey, monkeypatch, "events", *dates, "-d", "deviceType", code=1)
    assert "eventName" in refused


def test_cli_experiences_and_abtest(data: Env, qkey: str, growth: None, exp: dict[str, Any],
                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    pid, eid = data.boot.project_id, exp["id"]
    listed = orjson.loads(_cli(data, qkey, monkeypatch, "experiences", "-p", pid, "--json"))
    assert [e["id"] for e in listed] == [eid]
    assert "v3 Old (deleted)" in _cli(data, qkey, monkeypatch, "experiences", "-p", pid)
    dates = ["--from", START, "--to", END, "-p", pid]
    out = orjson.loads(_cli(data, qkey, monkeypatch, "abtest", eid, *dates, "-c", "clickedUsers", "--json"))
    assert _ab(out) == AB
    table = _cli(data, qkey, monkeypatch, "abtest", eid, *dates, "-c", "clickedUsers")
    assert "Baseline" in table and "v2 Bold" in table and "50.00%" in table
    table = _cli(data, qkey, monkeypatch, "abtest", eid, *dates, "-c", "viewedUsers", "--by", "terminalType",
                 "--deleted")  # fmt: skip
    assert "Tablet" in table and "v3 Old" in table
    refused = _cli(data, qkey, monkeypatch, "abtest", eid, *dates, "-c", "nope", code=1)
    assert "compareBy" in refused


def test_async_client_query_gives_the_sync_answers(data: Env, qkey: str, sdk: Client, exp: dict[str, Any]) -> None:
    """Every ``AsyncClient.query`` call against the same data: the synchronous client's answer, errors alike."""
    pid, eid = data.boot.project_id, exp["id"]
    span = {"start": START, "end": END}
    page = {"profile_id": pid, "url": LP, **span}

    def calls(q: Any) -> list[Any]:
        return [
            q.events(profile_id=pid, dimensions=["eventName", "day"], **span),
            q.events.fields(lang="ZH"),
            q.experiences.list(pid),
            q.experiences.user_properties(pid),
            q.experiences.overview(pid, [eid], metrics=["views"], **span),
            q.experiences.metrics(pid, eid, **span),
            q.experiences.insight(pid, eid, dimension="terminalType", **span),
            q.experiences.abtest(pid, eid, compare_by="clickedUsers", **span),
            q.experiences.abtest_insight(pid, eid, compare_by="clickedUsers", dimension="terminalType", **span),
            q.experiences.form(pid, eid, "v1", **span),
            q.filter_values(pid, "browser"),
            q.page_metrics(**page),
            q.page_insight("day", **page),
            q.block_metrics(device="PC", **page),
            q.element_metrics(device="PC", **page),
            q.heatmap("scroll_map", **page),
        ]

    async def run() -> tuple[list[Any], int]:
        async with AsyncClient("http://testserver", qkey, transport=httpx.ASGITransport(app=data.app)) as c:
            answers = [await call for call in calls(c.query)]
            try:
                await c.query.experiences.abtest(pid, eid, compare_by="goalReached", **span)
            except APIError as exc:
                return answers, int(exc.body["code"])
        return answers, 0

    answers, code = asyncio.run(run())
    assert answers == calls(sdk.query)
    assert answers[0]["rows"] and answers[5]["viewedUsers"]["value"] == 5  # real answers, not empty ones
    assert code == 4013
