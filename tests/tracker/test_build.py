"""The committed tb.min.js is exactly what the build makes from tb.src.js, and stays under 8 KB gzip'd."""

from __future__ import annotations

from pathlib import Path

import pytest

from traitbase.tools import build_tracker


def test_committed_script_equals_a_fresh_build() -> None:
    built, _ = build_tracker.build()
    assert build_tracker.TARGET.read_text(encoding="utf-8") == built


def test_gzip_size_is_under_the_budget_and_smaller_than_the_source() -> None:
    _, sizes = build_tracker.build()
    assert sizes.gzip < 8 * 1024
    assert sizes.gzip < sizes.minified < sizes.raw


def test_check_mode_reports_a_stale_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "tb.min.js"
    stale.write_text("/* old */\n", encoding="utf-8")
    monkeypatch.setattr(build_tracker, "TARGET", stale)
    assert build_tracker.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "/* old */\n"
    assert build_tracker.main([]) == 0
    assert build_tracker.main(["--check"]) == 0


def test_minified_script_keeps_the_public_api_names() -> None:
    built, _ = build_tracker.build()
    for name in ("track", "identify", "setDimension", "conversion", "experience", "sendBeacon", "/collect/config"):
        assert name in built
