# ruff: noqa: E501 -- the seed commands are kept verbatim
"""The seed's curl commands, run by a real curl against a live server with only host and key replaced."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faces.audience_files.conftest import Live, live_env

SEED_HOST = "https://api.12traits.com"

# Verbatim from seed 003 (12traits Ingestion API reference).
JSON_COMMANDS = {
    "1 actions have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "actions": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "action_id": "2002", "action_name": "buy_item", "action_params": [ {"key": "item_id", "value": "3003" } ] } ] }' \\
https://api.12traits.com/v1/actions""",
    "1 users have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "users": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "clan_id": "2002", "level": 10, "device": "iPhone X", "country": "US", "language": "en-US", "platform": "Apple", "register_date": "2018-11-14", "last_login_timestamp": "2019-01-01 11:10:06" } ] }' \\
https://api.12traits.com/v1/logins""",
    "1 purchases have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "purchases": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "item_id": "2002", "count": 1, "price": 25.50, "platform": "Steam" } ] }' \\
https://api.12traits.com/v1/purchases""",
    "1 virtual purchases have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "virtual_purchases": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "item_id": "2002", "count": 1, "virtual_price": 25.50, "currency": "gold" } ] }' \\
https://api.12traits.com/v1/virtual-purchases""",
    "1 level-ups have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "level_ups": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "level": 10 } ] }' \\
https://api.12traits.com/v1/level-ups""",
    "1 items have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "items": [ { "item_id": "1001", "price": 25.50, "currency": "USD", "name": "Axe", "type": "weapon" } ] }' \\
https://api.12traits.com/v1/items""",
    "1 social dynamics have been successfully ingested": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: application/json" \\
-d '{ "social_dynamics": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "target_user_id": "1002", "connection": "linked", "interaction": "friend" } ] }' \\
https://api.12traits.com/v1/social-dynamics""",
}

CSV_COMMANDS = {
    "kpis": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: multipart/form-data" \\
-F file=@2019-09-23.csv \\
https://api.12traits.com/v1/kpis/csv""",
    "survey-data": """curl -XPOST \\
-H "Authorization: Bearer <API_KEY>" \\
-H "Content-Type: multipart/form-data" \\
-F file=@2019-09-23.csv \\
https://api.12traits.com/v1/survey-data/csv""",
}

KPI_CSV = (
    "timestamp,user_id,register_date,cpi,cpa,ltv,purchases_count,purchases_value,items_purchased,"
    "sessions_count,avg_sessions_interval,sessions_length,actions_count\n"
    "2019-09-23 00:00:00,1001,2018-11-14,1.5,2.5,30.25,3,75.5,4,12,3600,1800,42\n"
)
SURVEY_CSV = "user_id,favourite_class,plays_with_friends\n1001,mage,yes\n"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    if shutil.which("curl") is None:
        pytest.fail("curl is required to replay the seed's commands")
    yield from live_env(tmp_path)


def run_curl(live: Live, command: str, token: str, cwd: Path) -> dict[str, Any]:
    script = command.replace("<API_KEY>", token).replace(SEED_HOST, live.base)
    done = subprocess.run(
        ["bash", "-c", script + " --silent --show-error --write-out '\\n%{http_code}'"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return {"status": int(status), "body": json.loads(body)}


def test_every_json_push_of_the_seed_answers_201_with_the_seed_message(live: Live, tmp_path: Path) -> None:
    token = live.env.key(["upload"])
    for message, command in JSON_COMMANDS.items():
        assert run_curl(live, command, token, tmp_path) == {
            "status": 201,
            "body": {"code": 201, "message": message, "data": None},
        }
    r = live.env.client.get(f"/admin/v1/projects/{live.env.boot.project_id}/users/1001/events", headers=live.env.admin)
    kinds = sorted(e["kind"] for e in r.json()["data"])
    assert kinds == ["action", "level_up", "login", "purchase", "social", "virtual_purchase"]


@pytest.mark.parametrize(("name", "content"), [("kpis", KPI_CSV), ("survey-data", SURVEY_CSV)])
def test_csv_pushes_of_the_seed_start_an_ingestion_that_completes(
    live: Live, tmp_path: Path, name: str, content: str
) -> None:
    (tmp_path / "2019-09-23.csv").write_text(content)
    answer = run_curl(live, CSV_COMMANDS[name], live.env.key(["upload"]), tmp_path)
    data = answer["body"]["data"]
    assert answer == {
        "status": 201,
        "body": {"code": 201, "message": "ingestion has been started", "data": data},
    }
    assert isinstance(data["estimated_time_to_complete"], int) and data["estimated_time_to_complete"] >= 1
    url = f"/admin/v1/projects/{live.env.boot.project_id}/ingestions/{data['ingestion_id']}"
    deadline = time.monotonic() + 20
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = live.env.client.get(url, headers=live.env.admin).json()["data"]
        if status["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
    assert (status["status"], status["progress"]) == ("completed", {"rows": 1, "ingested": 1, "failed": 0})
