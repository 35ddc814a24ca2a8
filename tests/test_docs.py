"""The docs keep up with the code: every setting and every HTTP route is documented under docs/."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_settings
from traitbase.app import create_app
from traitbase.config import Settings
from traitbase.tools.settings_doc import env_var, render

DOCS = Path(__file__).resolve().parent.parent / "docs"


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))


def undocumented_settings(text: str) -> list[str]:
    """Settings whose name (as a whole word) or environment variable appears nowhere in the text."""
    return [
        f"{name} ({env_var(name)})"
        for name in Settings.model_fields
        if not re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) or env_var(name) not in text
    ]


def undocumented_paths(text: str, paths: list[str]) -> list[str]:
    return [p for p in paths if p not in text]


def test_every_setting_is_documented_with_its_env_var() -> None:
    assert undocumented_settings(docs_text()) == []


def test_every_route_of_the_app_is_documented(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    try:
        paths = sorted(app.openapi()["paths"])
    finally:
        app.state.ctx.close()
    assert "/v1/user/profiles" in paths
    assert undocumented_paths(docs_text(), paths) == []


def test_a_missing_setting_or_route_is_reported() -> None:
    text = docs_text()
    first = next(iter(Settings.model_fields))
    without = text.replace(env_var(first), "").replace(first, "")
    assert undocumented_settings(without) == [f"{first} ({env_var(first)})"]
    assert undocumented_paths(text, ["/v1/not/documented/{id}"]) == ["/v1/not/documented/{id}"]


def test_a_setting_named_only_inside_a_longer_word_is_not_documented() -> None:
    # "port" must not count as documented because "report" or "TRAITBASE_PORT" contains it.
    assert "port (TRAITBASE_PORT)" in undocumented_settings("report TRAITBASE_PORT")


def test_generated_settings_table_has_one_described_row_per_setting() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == list(Settings.model_fields)
    assert [r.split("`")[3] for r in rows] == [env_var(n) for n in Settings.model_fields]
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_settings_page_is_the_generated_table() -> None:
    """docs/settings.md is `python -m traitbase.tools.settings_doc` as it stands: no hand edits drift."""
    page = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
    assert page.read_text(encoding="utf-8") == render()
