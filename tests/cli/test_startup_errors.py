"""A start that cannot go on ends in one sentence naming the cause, a documented exit status, no traceback.

Each test runs ``traitbase serve`` as a subprocess with an environment it builds itself: only
``PATH``, ``HOME`` and the ``TRAITBASE_*`` variables the test sets, never the developer's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "traitbase.cli"]
NOBODY = 65534


def scrubbed(home: Path, **traitbase: str) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), **traitbase}


def serve(
    home: Path, *args: str, prefix: list[str] | None = None, **traitbase: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix or []), *CLI, "serve", *args],
        env=scrubbed(home, **traitbase),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=home,
    )


def unprivileged() -> list[str]:
    """A command prefix that runs the server as "nobody" when the tests run as root (root writes anywhere)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    assert setpriv is not None, "setpriv (util-linux) is needed to test a read-only directory as root"
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    """The whole of stderr, checked to be one line with no traceback; returns it without 'Error: '."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and lines[0].endswith(".")
    return lines[0].removeprefix("Error: ")


def test_a_data_directory_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    done = serve(tmp_path, "--data-dir", str(target))
    assert (done.returncode, done.stdout, one_sentence(done)) == (
        4,
        "",
        f"the data directory {target} is a file, not a directory; choose another with --data-dir or "
        "TRAITBASE_DATA_DIR.",
    )


@pytest.fixture
def read_only_dir() -> Iterator[Path]:
    # Under /tmp with open parents, so an unprivileged user can reach it when the tests run as root
    # (root writes through any mode bits; the server is then started as "nobody").
    with tempfile.TemporaryDirectory(prefix="tb-ro-") as parent:
        os.chmod(parent, 0o755)
        data = Path(parent) / "data"
        data.mkdir()
        data.chmod(0o555)
        try:
            yield data
        finally:
            data.chmod(0o755)


def test_a_read_only_data_directory(read_only_dir: Path) -> None:
    done = serve(read_only_dir.parent, prefix=unprivileged(), TRAITBASE_DATA_DIR=str(read_only_dir))
    assert (done.returncode, done.stdout, one_sentence(done)) == (
        4,
        "",
        f"the data directory {read_only_dir} is not writable (Permission denied); fix its permissions or "
        "choose another with --data-dir or TRAITBASE_DATA_DIR.",
    )


@pytest.mark.parametrize(
    ("variable", "value", "sentence"),
    [
        (
            "TRAITBASE_PORT",
            "eighty",
            "the setting port (TRAITBASE_PORT) is invalid: Input should be a valid integer, unable to parse "
            "string as an integer (got 'eighty').",
        ),
        (
            "TRAITBASE_PORT",
            "70000",
            "the setting port (TRAITBASE_PORT) is invalid: Input should be less than or equal to 65535 (got '70000').",
        ),
        (
            "TRAITBASE_LOG_LEVEL",
            "level loud",
            "the setting log_level (TRAITBASE_LOG_LEVEL) is invalid: must be one of DEBUG, INFO, WARNING, ERROR, "
            "CRITICAL (got 'level loud').",
        ),
    ],
    ids=["port not a number", "port out of range", "unknown log level"],
)
def test_a_bad_setting_is_named_with_its_variable(tmp_path: Path, variable: str, value: str, sentence: str) -> None:
    data = tmp_path / "data"
    done = serve(tmp_path, TRAITBASE_DATA_DIR=str(data), **{variable: value})
    assert (done.returncode, done.stdout, one_sentence(done)) == (3, "", sentence)
    assert not data.exists()  # nothing was written: no first start happened


@pytest.mark.parametrize("how", ["--debug", "TRAITBASE_DEBUG"])
def test_the_debug_flag_adds_the_traceback_before_the_same_sentence(tmp_path: Path, how: str) -> None:
    args = ["--debug"] if how == "--debug" else []
    extra = {"TRAITBASE_DEBUG": "1"} if how == "TRAITBASE_DEBUG" else {}
    done = serve(tmp_path, *args, TRAITBASE_PORT="eighty", **extra)
    assert done.returncode == 3
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert "pydantic_core._pydantic_core.ValidationError" in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "Error: the setting port (TRAITBASE_PORT) is invalid: Input should be a valid integer, unable to parse "
        "string as an integer (got 'eighty')."
    )
