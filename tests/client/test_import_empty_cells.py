"""``upload_profiles(..., empty_cells=...)``: the SDK sends the form field that says what an empty CSV cell means."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.conftest import sdk
from tests.conftest import Env
from traitbase.client import Client
from traitbase.client.imports import EmptyCells

BEFORE = '{"customer_id":"u1","changes":[{"op":"assign","attr":"cohort","value":"a"}]}\n'
CSV = "customer_id,cohort,plan\nu1,,pro\n"


@pytest.mark.parametrize(
    ("empty_cells", "expected"),
    [(None, {"plan": "pro"}), ("delete", {"plan": "pro"}), ("ignore", {"cohort": "a", "plan": "pro"})],
)
def test_empty_cells_reaches_the_server(
    env: Env, tmp_path: Path, upload_token: str, admin: Client, empty_cells: EmptyCells | None, expected: dict[str, str]
) -> None:
    pid = env.boot.project_id
    (tmp_path / "before.jsonl").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "people.csv").write_text(CSV, encoding="utf-8")
    with sdk(env, upload_token) as c:
        c.imports.upload_profiles(tmp_path / "before.jsonl", app_id=pid).wait(poll_interval=0.05, timeout=60)
        final = c.imports.upload_profiles(
            tmp_path / "people.csv",
            app_id=pid,
            empty_cells=empty_cells,
        ).wait(poll_interval=0.05, timeout=60)
    assert final.status == "Completed"
    assert admin.admin.get_user(pid, "u1")["attributes"] == expected
