"""The newcomer's path over real sockets: ``traitbase serve`` in a subprocess, the CLI and plain HTTP."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.cli.conftest import parse, run
from tests.servers import CLI, ServerProcess, clean_env, free_port

pytestmark = pytest.mark.slow

SEED_BODY = {
    "field_name": ["user_id", "watch_conan", "watch_attack_on_titan"],
    "values": [["abcd123", "yes", "no"], ["abcd456", "yes", "yes"], ["abcd789", "no", "no"]],
}
START_TIMEOUT = 60.0


@dataclass
class Server:
    url: str
    stdout: Path


@contextmanager
def serving(data_dir: Path, logs: Path) -> Iterator[Server]:
    port = free_port()
    out, err = logs / f"serve-{port}.out", logs / f"serve-{port}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        server = ServerProcess(
            [*CLI, "serve", "--data-dir", str(data_dir), "--port", str(port)],
            port=port,
            env=clean_env(),
            stdout=fo,
            stderr=fe,
            start_timeout=START_TIMEOUT,
            describe_failure=err,
        )
    try:
        yield Server(url=server.url, stdout=out)
    finally:
        server.stop()


def _cli_json(*args: str) -> Any:
    done = subprocess.run([*CLI, *args, "--json"], capture_output=True, timeout=120, env=clean_env(), check=False)
    assert done.returncode == 0, done.stderr.decode()
    return orjson.loads(done.stdout)


def _first_start(stdout: Path) -> dict[str, str]:
    found = dict(re.findall(r"^(Project ID|Admin token): (\S+)$", stdout.read_text(), flags=re.M))
    assert sorted(found) == ["Admin token", "Project ID"], stdout.read_text()
    return found


def test_newcomer_path_serve_key_upload_read_update_and_no_second_token(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, tmp_path) as server:
        boot = _first_start(server.stdout)
        admin, project = boot["Admin token"], boot["Project ID"]
        key = _cli_json(
            "keys", "create", "--project", project, "--scopes", "upload", "--url", server.url, "--token", admin
        )
        auth = {"Authorization": f"Bearer {key['token']}"}

        r = httpx.post(f"{server.url}/v1/user/profiles", json=SEED_BODY, headers=auth)
        assert (r.status_code, r.json()) == (
            200,
            {"code": 200, "message": "OK", "data": {"received": 3, "created": 3, "updated": 0}},
        )

        def user(user_id: str) -> Any:
            shown = parse(run("users", "get", user_id, "-p", project, "--url", server.url, "--token", admin, "--json"))
            return shown["attributes"]

        assert user("abcd456") == {"watch_conan": "yes", "watch_attack_on_titan": "yes"}

        change = {"field_name": ["user_id", "watch_conan", "favourite"], "values": [["abcd123", "no", "luffy"]]}
        r = httpx.post(f"{server.url}/v1/user/profiles", json=change, headers=auth)
        assert r.json() == {"code": 200, "message": "OK", "data": {"received": 1, "created": 0, "updated": 1}}
        assert user("abcd123") == {"watch_conan": "no", "watch_attack_on_titan": "no", "favourite": "luffy"}
        assert user("abcd456") == {"watch_conan": "yes", "watch_attack_on_titan": "yes"}
        assert user("abcd789") == {"watch_conan": "no", "watch_attack_on_titan": "no"}

    with serving(data, tmp_path) as again:
        assert again.stdout.read_text() == ""
        orgs = parse(run("orgs", "list", "--url", again.url, "--token", admin, "--json"))
        assert [o["name"] for o in orgs] == ["Default organization"]


def test_upload_attributes_streams_a_generated_csv_of_3000_rows(tmp_path: Path) -> None:
    csv = tmp_path / "users.csv"
    with csv.open("w", encoding="utf-8") as f:
        f.write("user_id,plan,visits\n")
        f.writelines(f"user{i:05},{'pro' if i % 7 == 0 else 'free'},{i}\n" for i in range(3000))
    with serving(tmp_path / "data", tmp_path) as server:
        boot = _first_start(server.stdout)
        admin, project = boot["Admin token"], boot["Project ID"]
        args = ["--url", server.url, "--token", admin]
        result = _cli_json("upload-attributes", str(csv), "--project", project, *args)
        assert result == {"received": 3000, "created": 3000, "updated": 0, "batches": 30}
        page = parse(run("users", "list", "-p", project, "--after", "user02997", *args, "--json"))
        assert ([(u["user_id"], u["attributes"]) for u in page["users"]], page["next"]) == (
            [("user02998", {"plan": "free", "visits": "2998"}), ("user02999", {"plan": "free", "visits": "2999"})],
            None,
        )


def test_import_profiles_over_a_real_socket_streams_the_file_and_waits_for_the_job(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.json"
    line = '{"customer_id":"c%d","changes":[{"op":"increment","attr":"n","value":1}]}\n'
    with profiles.open("w", encoding="utf-8") as f:
        f.writelines(line % (i % 50) for i in range(3000))
    with serving(tmp_path / "data", tmp_path) as server:
        boot = _first_start(server.stdout)
        admin, project = boot["Admin token"], boot["Project ID"]
        args = ["--url", server.url, "--token", admin]
        key = _cli_json("keys", "create", "--project", project, "--scopes", "upload", *args)
        shown = _cli_json(
            "import-profiles", str(profiles), "--app-id", project, "--poll-interval", "0.2",
            "--url", server.url, "--token", key["token"],
        )  # fmt: skip
        assert {k: v for k, v in shown.items() if k != "activity_id"} == {
            "status": "Completed",
            "target": {"app_id": project},
            "upload_statistics": {
                "successful_imports": 3000,
                "parsed_imports": 3000,
                "failed_imports": 0,
                "total_number_of_imports": 3000,
            },
            "error_log": None,
        }
        assert parse(run("users", "get", "c7", "-p", project, *args, "--json"))["attributes"] == {"n": 60}
