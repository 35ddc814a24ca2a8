"""A browser test that cannot run fails the suite: a missing or unlaunchable Chromium is never a skip."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import conftest


def test_a_missing_chromium_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(conftest.shutil, "which", lambda _: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        conftest.chromium_path()


def test_a_chromium_that_cannot_start_fails_instead_of_skipping() -> None:
    class Broken:
        class chromium:  # mirrors playwright.chromium
            @staticmethod
            def launch(**_: Any) -> None:
                raise RuntimeError("crashed at start")

    with pytest.raises(pytest.fail.Exception, match="could not be launched"):
        conftest.launch_chromium(Broken())


def test_the_browser_is_debians_chromium(browser: Any) -> None:
    assert conftest.chromium_path() == "/usr/bin/chromium"
    assert browser.version.split(".")[0].isdigit()
