"""The seed's own client calls against a live server: curl -F with credentials in the URL, and requests."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.faces.audience_files.conftest import Live, live_env

SEED_LINES = (
    '{"customer_id":"abc","changes":[{"op":"assign","attr":"example1","value":"value1"}]}\n'
    '{"customer_id":"123","changes":[{"op":"set-add","attr":"example2","value":["value1", "value2"]}]}\n'
    '{"customer_id":"zxc","changes":[{"op":"set-remove","attr":"example3","value":["value1", "value2"]}]}\n'
    '{"customer_id":"abc","changes":[{"op":"increment","attr":"foo","value":1}]}\n'
    '{"customer_id":"zxc","changes":[{"op":"delete","attr":"foo"}]}\n'
)
# Seed 002, verbatim but for the organization id, the credentials and the host.
SEED_CURL = (
    "curl \\ -F org_id=60 \\ -F format=json \\ -F file=@test_file.json \\ "
    "https://[api_key]:[api_secret]@api.localytics.com/v1/imports/profiles/upload"
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    yield from live_env(tmp_path)


def org_key(live: Live) -> tuple[str, str]:
    key_id, secret = live.env.key(["upload"], org_key=True).removeprefix("tb-").split(".", 1)
    return key_id, secret


def wait_completed(live: Live, auth: tuple[str, str], activity_id: str) -> dict[str, Any]:
    url = f"{live.base}/v1/imports/profiles/status/{activity_id}"
    deadline = time.monotonic() + 20
    while True:
        status: dict[str, Any] = requests.get(url, auth=auth, timeout=10).json()
        if status["status"] in ("Completed", "Failed") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def profile(live: Live, user_id: str) -> Any:
    r = live.env.client.get(f"/admin/v1/projects/{live.env.boot.project_id}/users/{user_id}", headers=live.env.admin)
    return r.json()["data"]["attributes"] if r.status_code == 200 else None


def expect_seed_profiles(live: Live) -> None:
    assert profile(live, "abc") == {"example1": "value1", "foo": 1}
    assert profile(live, "123") == {"example2": ["value1", "value2"]}
    assert profile(live, "zxc") is None


def test_seed_curl_form_with_credentials_in_the_url(live: Live, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is required to replay the seed's command")
    (tmp_path / "test_file.json").write_text(SEED_LINES)
    key_id, secret = org_key(live)
    host = live.base.removeprefix("http://")
    command = (
        SEED_CURL.replace("\\ ", "")
        .replace("org_id=60", f"org_id={live.env.boot.org_id}")
        .replace("https://[api_key]:[api_secret]@api.localytics.com", f"http://{key_id}:{secret}@{host}")
    )
    done = subprocess.run(
        ["bash", "-c", command + " --silent --show-error --write-out '\\n%{http_code}'"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, code = done.stdout.rpartition("\n")
    assert code == "202"
    activity_id = json.loads(body)["activity_id"]
    status = wait_completed(live, (key_id, secret), activity_id)
    assert status == {
        "status": "Completed",
        "error_log": None,
        "target": {"org_id": live.env.boot.org_id},
        "upload_statistics": {
            "successful_imports": 5,
            "parsed_imports": 5,
            "failed_imports": 0,
            "total_number_of_imports": 5,
        },
    }
    expect_seed_profiles(live)


def test_requests_code_in_the_seed_style_works_unchanged_but_for_the_base_url(live: Live, tmp_path: Path) -> None:
    path = tmp_path / "test_file.json"
    path.write_text(SEED_LINES)
    key_id, secret = org_key(live)
    base = live.base.replace("http://", f"http://{key_id}:{secret}@")
    with open(path, "rb") as fh:
        files: dict[str, Any] = {
            "org_id": (None, str(live.env.boot.org_id)),
            "format": (None, "json"),
            "file": ("test_file.json", fh, "application/octet-stream"),
        }
        response = requests.post(base + "/v1/imports/profiles/upload", files=files, timeout=30)
    assert response.status_code == 202
    status = requests.get(base + "/v1/imports/profiles/status/" + response.json()["activity_id"], timeout=10)
    assert status.status_code == 200
    assert wait_completed(live, (key_id, secret), response.json()["activity_id"])["status"] == "Completed"
    expect_seed_profiles(live)
