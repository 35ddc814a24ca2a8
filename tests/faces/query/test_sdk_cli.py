"""``client.query`` and ``traitbase query ...`` against the in-process app and the hand-counted data set."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from tests.conftest import Env
from tests.faces.query.fixture import END, LP, START
from tests.faces.query.test_metrics import ALL_PAGE, PC_BLOCKS
from traitbase.cli import common
from traitbase.cli.main import app
from traitbase.client import Client


@pytest.fixture
def sdk(data: Env, qkey: str, growth: None) -> Client:
    return Client("http://testserver", qkey, transport=data.transport)


def test_sdk_typed_results(data: Env, sdk: Client) -> None:
    pid = data.boot.project_id
    assert sdk.query.page_metrics(profile_id=pid, url=LP, start=START, end=END) == ALL_PAGE
    rows = sdk.query.page_insight("terminalType", profile_id=pid, url=LP, start=START, end=END, metrics=["pv"])
    assert [(r["dimension"], r["pv"]) for r in rows] == [("PC", 2), ("Smart phone", 1), ("Tablet", 1)]
    assert sdk.query.block_metrics(profile_id=pid, url=LP, start=START, end=END, device="PC") == PC_BLOCKS
    elements = sdk.query.element_metrics(profile_id=pid, url=LP, start=START, end=END, device="PC", metrics=["click"])
    assert elements == [{"elementName": "Buy button", "click": 3}, {"elementName": "Menu", "click": 1}]
    assert sdk.query.filter_values(pid, "browser", search="chrome") == ["Chrome"]


def _cli(data: Env, qkey: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setattr(common, "transport", data.transport)
    r = CliRunner().invoke(app, ["query", *args, "--server", "http://testserver", "--token", qkey])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_cli_json_and_table(data: Env, qkey: str, growth: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = data.boot.project_id
    common_args = ["--url", LP, "--from", START, "--to", END, "-p", pid]
    assert orjson.loads(_cli(data, qkey, monkeypatch, "page-metrics", *common_args, "--json")) == ALL_PAGE
    out = orjson.loads(_cli(data, qkey, monkeypatch, "page-metrics", *common_args, "-f", "deviceType=PC", "-m", "pv",
                            "--json"))  # fmt: skip
    assert out == {"pv": 2}
    table = _cli(data, qkey, monkeypatch, "block-metrics", *common_args, "--device", "PC")
    assert "Hero" in table and "15s" in table
    table = _cli(data, qkey, monkeypatch, "page-insight", *common_args, "--fun", "day", "-m", "pv")
    assert "2024-12-01" in table and "2024-12-02" in table
    assert orjson.loads(_cli(data, qkey, monkeypatch, "filter-values", "os", "-p", pid, "--json")) == [
        {"value": "Windows"}, {"value": "iOS"}]  # fmt: skip
