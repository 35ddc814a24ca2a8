"""``import-profiles``, ``events counts`` and ``sandbox wipe`` against the in-process app."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from tests.cli.conftest import Invoke, parse
from tests.conftest import Env
from traitbase.cli import common
from traitbase.cli.main import app
from traitbase.client import Client

BASE = "http://testserver"
DAY = "2026-03-01"
SEED_LINES = (
    '{"customer_id":"abc","changes":[{"op":"assign","attr":"example1","value":"value1"}]}\n'
    '{"customer_id":"abc","changes":[{"op":"increment","attr":"foo","value":1}]}\n'
    '{"customer_id":"q","changes":[{"op":"increment","attr":"foo","value":"one"}]}\n'
)


def _sdk(env: Env, token: str) -> Client:
    return Client(BASE, token, transport=env.transport)


def _actions(n: int, name: str) -> list[dict[str, object]]:
    return [
        {"timestamp": f"{DAY} 12:00:00", "user_id": "u1", "action_id": f"{name}{i}", "action_name": name}
        for i in range(n)
    ]


def test_import_profiles_json_prints_the_final_status_and_the_profiles_are_stored(
    cli: Invoke, env: Env, tmp_path: Path
) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(SEED_LINES)
    pid = env.boot.project_id
    args = ["import-profiles", str(path), "--app-id", pid, "--poll-interval", "0.05", "--json"]
    shown = parse(cli(*args, token=env.key(["upload"])))
    error_log = shown.pop("error_log")
    assert shown == {
        "activity_id": shown["activity_id"],
        "status": "Completed",
        "target": {"app_id": pid},
        "upload_statistics": {
            "successful_imports": 2,
            "parsed_imports": 3,
            "failed_imports": 1,
            "total_number_of_imports": 3,
        },
    }
    assert error_log.startswith(f"{BASE}/v1/imports/profiles/errors/{shown['activity_id']}/errors.jsonl?expires=")
    assert parse(cli("users", "get", "abc", "-p", pid, "--json"))["attributes"] == {"example1": "value1", "foo": 1}


def test_import_profiles_table_names_the_counts_and_the_error_log(cli: Invoke, env: Env, tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(SEED_LINES)
    args = ["import-profiles", str(path), "--app-id", env.boot.project_id, "--poll-interval", "0.05"]
    result = cli(*args, token=env.key(["upload"]))
    assert result.exit_code == 0, result.output
    lines = [line.strip("│ ") for line in result.stdout.splitlines()]
    assert lines[0].endswith(f"(app_id={env.boot.project_id}): Completed")
    assert [ln for ln in lines if ln[:1].isalpha()][1:5] == [
        "Records read │ 3",
        "Parsed       │ 3",
        "Imported     │ 2",
        "Failed       │ 1",
    ]
    assert lines[-1].startswith(f"Error log: {BASE}/v1/imports/profiles/errors/")


def test_import_profiles_exits_1_when_the_job_fails_and_still_prints_its_status(
    cli: Invoke, env: Env, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id\nu1\n")
    args = ["import-profiles", str(path), "--app-id", env.boot.project_id, "--poll-interval", "0.05", "--json"]
    result = cli(*args, token=env.key(["upload"]))
    assert result.exit_code == 1
    assert orjson.loads(result.stdout)["status"] == "Failed"


def test_import_profiles_needs_exactly_one_target(cli: Invoke, env: Env, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(SEED_LINES)
    neither = cli("import-profiles", str(path), token=env.key(["upload"]))
    both = cli("import-profiles", str(path), "--app-id", "x", "--org-id", "1", token=env.key(["upload"]))
    assert (neither.exit_code, both.exit_code) == (2, 2)
    assert "give exactly one of --app-id or --org-id" in neither.stderr


def test_events_counts_json_and_table(cli: Invoke, env: Env) -> None:
    with _sdk(env, env.key(["upload"])) as c:
        c.events.push("actions", _actions(3, "open") + _actions(5, "close"))
    pid = env.boot.project_id
    rows = parse(cli("events", "counts", "-p", pid, "--from", DAY, "--to", DAY, "--json"))
    assert rows == [{"kind": "action", "name": "close", "count": 5}, {"kind": "action", "name": "open", "count": 3}]
    table = cli("events", "counts", "-p", pid, "--from", DAY, "--to", DAY)
    body = [[c.strip() for c in ln.strip("│┃ ").split("│")] for ln in table.stdout.splitlines() if "action" in ln]
    assert body == [["action", "close", "5"], ["action", "open", "3"]]
    assert parse(cli("events", "counts", "-p", pid, "--from", "2026-03-02", "--to", "2026-03-09", "--json")) == []


def test_events_counts_refuses_a_day_that_is_not_a_date(cli: Invoke, env: Env) -> None:
    result = cli("events", "counts", "-p", env.boot.project_id, "--from", "March 1", "--to", DAY)
    assert result.exit_code == 2
    assert "must be a date YYYY-MM-DD" in result.stderr


def test_sandbox_wipe_removes_sandbox_events_and_attributes_and_keeps_production(cli: Invoke, env: Env) -> None:
    pid = env.boot.project_id
    login = [{"user_id": "u1", "level": 4, "timestamp": f"{DAY} 08:00:00"}]
    for environment in ("production", "sandbox"):
        with _sdk(env, env.key(["upload"], environment=environment)) as c:
            c.events.push("actions", _actions(2, environment))
            c.events.push("logins", login)
    wiped = parse(cli("sandbox", "wipe", "--project", pid, "--yes", "--json"))
    assert wiped == {
        "project_id": pid,
        "environment": "sandbox",
        "deleted": {
            "audience_members": 0,
            "events": 3,
            "idempotency_keys": 2,
            "items": 0,
            "tracker_clicks": 0,
            "tracker_events": 0,
            "tracker_pageleaves": 0,
            "tracker_pageviews": 0,
            "tracker_visitors": 0,
            "tracker_visits": 0,
            "user_levels": 1,
            "user_profiles": 1,
        },
    }

    def counts(environment: str) -> object:
        return parse(cli("events", "counts", "-p", pid, "--from", DAY, "--to", DAY, "-e", environment, "--json"))

    assert counts("sandbox") == []
    assert counts("production") == [
        {"kind": "action", "name": "production", "count": 2},
        {"kind": "login", "name": "login", "count": 1},
    ]
    assert parse(cli("users", "get", "u1", "-p", pid, "--json"))["attributes"] == {"level": "4"}
    missing = cli("users", "get", "u1", "-p", pid, "-e", "sandbox")
    assert (missing.exit_code, missing.stderr.strip()) == (1, "Error: 404: user not found")


def test_sandbox_wipe_asks_first_and_a_no_deletes_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    with _sdk(env, env.key(["upload"], environment="sandbox")) as c:
        c.events.push("actions", _actions(1, "kept"))
    monkeypatch.setattr(common, "transport", env.transport)
    args = ["sandbox", "wipe", "-p", env.boot.project_id, "--url", BASE, "--token", env.boot.admin_token]
    result = CliRunner().invoke(app, args, input="n\n")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        " n\n",  # the runner echoes the typed answer after the prompt
        f"Delete all sandbox data of project {env.boot.project_id}? [y/N]:Nothing deleted.\n",
    )
    with _sdk(env, env.boot.admin_token) as admin:
        counts = admin.events.counts(env.boot.project_id, DAY, DAY, environment="sandbox")
    assert counts == [{"kind": "action", "name": "kept", "count": 1}]
