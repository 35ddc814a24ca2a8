"""An empty CSV cell deletes the attribute (Localytics exporters rely on it); ``empty_cells=ignore`` opts out."""

from __future__ import annotations

from tests.imports.conftest import Imports

BEFORE = (
    b'{"customer_id":"u1","changes":[{"op":"assign","attr":"cohort_a","value":"1"},'
    b'{"op":"assign","attr":"old_name","value":"Ann"},{"op":"assign","attr":"plan","value":"pro"}]}\n'
    b'{"customer_id":"u2","changes":[{"op":"assign","attr":"cohort_a","value":"1"},'
    b'{"op":"assign","attr":"plan","value":"free"}]}\n'
)
# u1 leaves cohort_a and its old_name is dropped on a rename to new_name; u2 keeps its cohort.
CSV = b"customer_id,cohort_a,old_name,new_name,plan\nu1,,,Ann,pro\nu2,1,,,\n"


def _seed(imp: Imports, creds: tuple[str, str]) -> None:
    imp.upload(creds, BEFORE, fmt="json", app_id=imp.env.boot.project_id)
    assert imp.run_jobs() == 1


def test_an_empty_cell_deletes_the_attribute_by_default(imp: Imports) -> None:
    creds = imp.credentials()
    _seed(imp, creds)
    r = imp.upload(creds, CSV, fmt="csv", app_id=imp.env.boot.project_id)
    assert r.status_code == 202, r.text
    assert imp.run_jobs() == 1
    stats = imp.status(creds, r.json()["activity_id"]).json()["upload_statistics"]
    assert (stats["successful_imports"], stats["failed_imports"]) == (2, 0)
    assert imp.user("u1") == {"new_name": "Ann", "plan": "pro"}
    assert imp.user("u2") == {"cohort_a": 1}


def test_empty_cells_ignore_leaves_the_attribute_as_it_was(imp: Imports) -> None:
    creds = imp.credentials()
    _seed(imp, creds)
    r = imp.upload(creds, CSV, fmt="csv", app_id=imp.env.boot.project_id, empty_cells="ignore")
    assert r.status_code == 202, r.text
    assert imp.run_jobs() == 1
    assert imp.user("u1") == {"cohort_a": "1", "old_name": "Ann", "new_name": "Ann", "plan": "pro"}
    assert imp.user("u2") == {"cohort_a": 1, "plan": "free"}


def test_an_unknown_empty_cells_value_is_refused(imp: Imports) -> None:
    r = imp.upload(imp.credentials(), CSV, fmt="csv", app_id=imp.env.boot.project_id, empty_cells="blank")
    assert (r.status_code, r.json()) == (
        400,
        {
            "code": 400,
            "message": "empty_cells must be delete or ignore",
            "errors": {"empty_cells": "unknown value 'blank'"},
        },
    )
