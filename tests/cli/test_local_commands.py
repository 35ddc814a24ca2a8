"""``init`` and ``migrate`` on a fresh data directory, through Typer's runner."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from tests.cli.conftest import parse, run
from tests.conftest import make_settings
from traitbase.app import create_app


def test_init_json_bootstraps_once_and_the_token_is_a_working_admin_key(tmp_path: Path) -> None:
    data = parse(run("init", "--data-dir", str(tmp_path), "--json"))
    assert sorted(data) == [
        "admin_key_id", "admin_token", "created", "org_id", "project_id", "sandbox_site_key", "site_key"
    ]  # fmt: skip
    assert data["site_key"].startswith("tbs_") and data["sandbox_site_key"].startswith("tbx_")
    assert (data["created"], data["org_id"]) == (True, 1)
    assert re.fullmatch(r"[0-9a-f]{8}", data["project_id"])
    assert data["admin_token"].startswith(f"tb-{data['admin_key_id']}.")
    with TestClient(create_app(make_settings(tmp_path))) as http:
        r = http.get("/admin/v1/whoami", headers={"Authorization": f"Bearer {data['admin_token']}"})
    assert r.json() == {
        "data": {
            "key_id": data["admin_key_id"],
            "org_id": 1,
            "project_id": None,
            "environment": "production",
            "scopes": ["admin", "query", "upload"],
            "plan": "free",
            "instance_admin": True,
        }
    }


def test_second_init_changes_nothing_and_exits_0_without_a_token(tmp_path: Path) -> None:
    first = parse(run("init", "--data-dir", str(tmp_path), "--json"))
    assert first["created"] is True
    assert parse(run("init", "--data-dir", str(tmp_path), "--json")) == {"created": False}
    again = run("init", "--data-dir", str(tmp_path))
    assert (again.exit_code, again.stdout) == (
        0,
        "Already initialized: the admin token was shown only at the first start.\n",
    )


def test_init_without_json_prints_each_value_on_its_own_line(tmp_path: Path) -> None:
    result = run("init", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert sorted(lines) == [
        "Admin key ID", "Admin token", "Organization ID", "Project ID", "Sandbox site key", "Site key"
    ]  # fmt: skip
    assert lines["Admin token"].startswith(f"tb-{lines['Admin key ID']}.")
    assert result.stdout.rstrip().endswith("Save the admin token now; it is shown this once and never again.")


def _stored_revision(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


def test_migrate_json_reports_the_database_and_its_revision(tmp_path: Path) -> None:
    data = parse(run("migrate", "--data-dir", str(tmp_path), "--json"))
    db = (tmp_path / "traitbase.db").resolve()
    assert data == {"database": f"sqlite:///{db}", "revision": _stored_revision(db)}
    assert parse(run("migrate", "--data-dir", str(tmp_path), "--json")) == data


def test_database_url_option_wins_over_the_data_dir(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    data = parse(run("migrate", "--data-dir", str(tmp_path / "unused"), "--database-url", url, "--json"))
    assert data == {"database": url, "revision": _stored_revision(tmp_path / "elsewhere.db")}
