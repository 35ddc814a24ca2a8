"""``traitbase audiences ...`` against the in-process app: upload end to end, list, get, export, contains."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.conftest import Invoke, parse
from tests.client.audience_support import LINES, audience, csv_gz, device_ids, token_auth_key, txt
from tests.conftest import Env, make_settings
from traitbase.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, job_poll_seconds=0.05)


def upload(cli: Invoke, path: Path, *args: str, token: str | None = None) -> Any:
    return cli("audiences", "upload", str(path), "--poll", "0.05", *args, token=token)


def test_upload_with_an_admin_token_and_project_loads_the_file_and_revokes_its_key(
    env: Env, cli: Invoke, tmp_path: Path
) -> None:
    ids = device_ids()
    path = csv_gz(tmp_path / "buyers.csv.gz", ids)
    got = parse(upload(cli, path, "--name", "buyers", "--project", env.boot.project_id, "--json"))
    assert got == {
        "audience_id": 1,
        "data_path": got["data_path"],
        "file_md5": hashlib.md5(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
        "audience": audience(env, 1, "buyers", LINES, "3", 1),
    }
    assert got["data_path"].startswith(f"s3://local/audience-files/{env.boot.project_id}/")
    exported = cli("audiences", "export", "1", "--project", env.boot.project_id)
    assert (exported.exit_code, exported.stdout) == (0, "".join(f"{i}\n" for i in sorted(ids)))
    keys = parse(cli("keys", "list", "--project", env.boot.project_id, "--json"))
    assert [(k["name"], k["token_auth"], k["revoked"]) for k in keys] == [
        ("audiences upload buyers.csv.gz", True, True)
    ]


def test_upload_with_a_token_auth_key_by_post_form(env: Env, cli: Invoke, tmp_path: Path) -> None:
    ids = device_ids(2000, prefix="idfa")
    path = txt(tmp_path / "ios.txt", ids)
    args = ("--name", "ios", "--platform", "ios", "--device-type", "idfa", "--area-type", "2", "--json")
    got = parse(upload(cli, path, *args, token=token_auth_key(env)))
    assert got["data_path"].startswith(f"oss://local/audience-files/{env.boot.project_id}/")
    assert got["audience"] == audience(env, 1, "ios", 2000, "2", 2) | {"platform": 2}
    out = tmp_path / "members.txt"
    summary = parse(cli("audiences", "export", "1", "-p", env.boot.project_id, "-o", str(out), "--json"))
    assert (summary, out.read_text()) == (
        {"audience_id": 1, "members": 2000, "file": str(out)},
        "".join(f"{i}\n" for i in sorted(ids)),
    )


def test_upload_without_waiting_says_the_load_runs_in_the_background(env: Env, cli: Invoke, tmp_path: Path) -> None:
    r = upload(cli, txt(tmp_path / "a.txt", ["x"]), "--name", "a", "-p", env.boot.project_id, "--no-wait")
    assert (r.exit_code, r.stdout) == (0, "Audience 1 created; its members are loading in the background.\n")


def test_a_load_failure_ends_the_upload_with_its_reason(env: Env, cli: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    bad.write_text("gaid\nnot-compressed\n")
    r = upload(cli, bad, "--name", "broken", "--project", env.boot.project_id)
    assert (r.exit_code, r.stderr.splitlines()[-1]) == (
        1,
        "Error: audience 1: load failed: file is named .gz but is not gzip data",
    )


def test_an_unknown_device_type_is_a_usage_error(env: Env, cli: Invoke, tmp_path: Path) -> None:
    r = upload(cli, txt(tmp_path / "a.txt", ["x"]), "--name", "a", "-p", env.boot.project_id, "--device-type", "x")
    assert r.exit_code == 2
    assert "unknown device type 'x'" in r.stderr


def test_list_get_and_contains(env: Env, cli: Invoke, tmp_path: Path) -> None:
    ids = device_ids(20)
    parse(upload(cli, txt(tmp_path / "a.txt", ids), "--name", "a", "-p", env.boot.project_id, "--json"))
    project = ("--project", env.boot.project_id)
    listed = parse(cli("audiences", "list", *project, "--json"))
    assert [(a["id"], a["name"], a["record_count"]) for a in listed] == [(1, "a", 20)]
    got = parse(cli("audiences", "get", "1", *project, "--json"))
    assert got == audience(env, 1, "a", 20, "3", 1)
    assert parse(cli("audiences", "contains", "1", ids[5], *project, "--json")) == {
        "audience_id": 1,
        "member_id": ids[5],
        "member": True,
    }
    no = cli("audiences", "contains", "1", "nobody", *project)
    assert (no.exit_code, no.stdout) == (0, "nobody is not a member of audience 1.\n")


def test_export_json_is_an_array_of_the_ids(env: Env, cli: Invoke, tmp_path: Path) -> None:
    ids = device_ids(3)
    parse(upload(cli, txt(tmp_path / "a.txt", ids), "--name", "a", "-p", env.boot.project_id, "--json"))
    r = cli("audiences", "export", "1", "-p", env.boot.project_id, "--json")
    assert (r.exit_code, orjson.loads(r.stdout)) == (0, sorted(ids))


def test_export_of_an_unknown_audience_fails_with_the_servers_message(env: Env, cli: Invoke) -> None:
    r = cli("audiences", "export", "7", "-p", env.boot.project_id)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", "Error: 404: audience not found\n")
