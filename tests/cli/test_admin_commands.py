"""Server-talking commands against the in-process app: JSON output, tables, errors, env vars."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke, parse, run
from tests.conftest import Env
from traitbase.cli import common

KEY_FIELDS = [
    "created_at",
    "created_by",
    "environment",
    "key_id",
    "last_used_at",
    "name",
    "org_id",
    "project_id",
    "revoked",
    "revoked_at",
    "scopes",
    "token_auth",
]


def test_keys_create_json_shows_the_token_once_and_keys_list_never_does(env: Env, cli: Invoke) -> None:
    pid = env.boot.project_id
    key = parse(cli("keys", "create", "--project", pid, "--scopes", "upload,query", "--name", "loader", "--json"))
    assert sorted(key) == sorted([*KEY_FIELDS, "secret", "token"])
    assert (key["project_id"], key["scopes"], key["name"], key["environment"]) == (
        pid,
        ["query", "upload"],
        "loader",
        "production",
    )
    assert key["token"] == f"tb-{key['key_id']}.{key['secret']}"
    listed = parse(cli("keys", "list", "--project", pid, "--json"))
    assert [sorted(k) for k in listed] == [KEY_FIELDS]
    assert [k["key_id"] for k in listed] == [key["key_id"]]


def test_keys_revoke_marks_the_key_revoked_and_the_key_is_refused(env: Env, cli: Invoke) -> None:
    token = env.key(["upload"])
    key_id = token.split(".")[0].removeprefix("tb-")
    revoked = parse(cli("keys", "revoke", key_id, "--json"))
    assert (revoked["key_id"], revoked["revoked"]) == (key_id, True)
    body = {"field_name": ["user_id"], "values": [["a"]]}
    r = env.client.post("/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()) == (401, {"code": 401, "message": "invalid API key"})


def test_keys_create_rejects_an_unknown_scope_as_a_usage_error(cli: Invoke) -> None:
    result = cli("keys", "create", "--scopes", "upload,write")
    assert result.exit_code == 2
    assert "scopes are upload, query, admin (got write)" in result.output


def test_projects_create_then_get_and_list_as_json(env: Env, cli: Invoke) -> None:
    created = parse(cli("projects", "create", "Shop", "--timezone", "Asia/Tokyo", "--json"))
    assert (created["name"], created["timezone"], created["org_id"]) == ("Shop", "Asia/Tokyo", 1)
    got = parse(cli("projects", "get", created["id"], "--json"))
    assert (got["id"], got["site_key"], got["environments"]) == (
        created["id"],
        created["site_key"],
        ["production", "sandbox"],
    )
    listed = parse(cli("projects", "list", "--json"))
    assert [p["id"] for p in listed] == [env.boot.project_id, created["id"]]


def test_orgs_create_and_list(cli: Invoke) -> None:
    org = parse(cli("orgs", "create", "Acme", "--plan", "growth", "--json"))
    assert (org["id"], org["name"], org["plan"]) == (2, "Acme", "growth")
    assert [(o["id"], o["name"]) for o in parse(cli("orgs", "list", "--json"))] == [
        (1, "Default organization"),
        (2, "Acme"),
    ]


def test_users_get_shows_the_attributes_as_json_and_as_a_table(env: Env, cli: Invoke) -> None:
    r = env.client.post(
        "/v1/user/profiles",
        json={"field_name": ["user_id", "watch_conan"], "values": [["abcd123", "yes"]]},
        headers={"Authorization": f"Bearer {env.key(['upload'])}"},
    )
    assert r.status_code == 200
    user = parse(cli("users", "get", "abcd123", "--project", env.boot.project_id, "--json"))
    assert (user["user_id"], user["attributes"]) == ("abcd123", {"watch_conan": "yes"})
    table = cli("users", "get", "abcd123", "--project", env.boot.project_id)
    assert table.exit_code == 0
    assert [line for line in table.stdout.splitlines() if "watch_conan" in line] == ["│ watch_conan │ yes   │"]


def test_users_list_json_has_users_and_next(env: Env, cli: Invoke) -> None:
    body = {"field_name": ["user_id", "k"], "values": [["a", "1"], ["b", "2"], ["c", "3"]]}
    env.client.post("/v1/user/profiles", json=body, headers={"Authorization": f"Bearer {env.key(['upload'])}"})
    page = parse(cli("users", "list", "--project", env.boot.project_id, "--limit", "2", "--json"))
    assert ([u["user_id"] for u in page["users"]], page["next"]) == (["a", "b"], "b")


def test_unknown_user_exits_1_with_the_server_message(env: Env, cli: Invoke) -> None:
    result = cli("users", "get", "nobody", "--project", env.boot.project_id)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "Error: 404: user not found\n")


def test_upload_key_on_an_admin_command_exits_1_with_the_scope_message(env: Env, cli: Invoke) -> None:
    result = cli("orgs", "list", token=env.key(["upload"]))
    assert (result.exit_code, result.stderr) == (1, "Error: 403: this key lacks the 'admin' scope\n")


def test_missing_token_is_a_usage_error(env: Env, cli: Invoke) -> None:
    result = run("orgs", "list", "--url", "http://testserver")
    assert result.exit_code == 2
    assert "Missing option '--token'" in result.output


def test_url_and_token_are_read_from_the_environment(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "transport", env.transport)
    result = run(
        "orgs", "list", "--json", env={"TRAITBASE_URL": "http://testserver", "TRAITBASE_TOKEN": env.boot.admin_token}
    )
    assert [o["name"] for o in parse(result)] == ["Default organization"]


def test_upload_attributes_with_project_uses_a_temporary_key_and_revokes_it(
    env: Env, cli: Invoke, tmp_path: Path
) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text("user_id,plan\n" + "".join(f"u{i},p{i % 3}\n" for i in range(150)), encoding="utf-8")
    result = parse(cli("upload-attributes", str(csv), "--project", env.boot.project_id, "--json"))
    assert result == {"received": 150, "created": 150, "updated": 0, "batches": 2}
    keys = parse(cli("keys", "list", "--project", env.boot.project_id, "--json"))
    assert [(k["name"], k["scopes"], k["revoked"]) for k in keys] == [("upload-attributes users.csv", ["upload"], True)]


def test_upload_attributes_with_an_upload_key_writes_its_own_project(env: Env, cli: Invoke, tmp_path: Path) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text("user_id,plan\nabcd123,free\n", encoding="utf-8")
    result = cli("upload-attributes", str(csv), "--batch-size", "1", token=env.key(["upload"]))
    assert (result.exit_code, result.stdout) == (0, "Uploaded 1 rows in 1 requests: 1 users created, 0 updated.\n")
    user = parse(cli("users", "get", "abcd123", "--project", env.boot.project_id, "--json"))
    assert user["attributes"] == {"plan": "free"}


def test_upload_attributes_reports_the_failing_batch(env: Env, cli: Invoke, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("user_id,plan\na,1\n,2\n", encoding="utf-8")
    result = cli("upload-attributes", str(csv), token=env.key(["upload"]))
    assert (result.exit_code, result.stderr) == (1, "Error: row 2 has no user_id\n")
