"""The interactive API reference (/docs, /redoc, /openapi.json) is served by default and can be switched off."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run
from tests.conftest import build_env, make_settings
from traitbase import __version__

PAGES = ("/docs", "/redoc", "/openapi.json")


def test_the_api_reference_is_served_by_default(tmp_path: Path) -> None:
    for env in build_env(make_settings(tmp_path)):
        answers = {p: env.client.get(p) for p in PAGES}
        assert {p: (r.status_code, r.headers["content-type"]) for p, r in answers.items()} == {
            "/docs": (200, "text/html; charset=utf-8"),
            "/redoc": (200, "text/html; charset=utf-8"),
            "/openapi.json": (200, "application/json"),
        }
        doc = answers["/openapi.json"].json()
        assert (doc["info"], "/v1/user/profiles" in doc["paths"]) == (
            {"title": "Traitbase", "version": __version__},
            True,
        )


def test_api_docs_enabled_false_answers_404_on_all_three(tmp_path: Path) -> None:
    for env in build_env(make_settings(tmp_path, api_docs_enabled=False)):
        answers = {p: env.client.get(p) for p in PAGES}
        assert {p: (r.status_code, r.json()) for p, r in answers.items()} == {
            p: (404, {"code": 404, "message": "not found"}) for p in PAGES
        }
        # The app itself still works.
        assert env.client.get("/healthz").status_code == 200


def test_version_flag_prints_the_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"traitbase {__version__}\n")
