"""CLI fixtures: a runner whose server-talking commands reach the in-process app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner, Result

from tests.conftest import Env
from traitbase.cli import common
from traitbase.cli.main import app

Invoke = Callable[..., Result]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def parse(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


@pytest.fixture
def cli(env: Env, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Runs a server-talking command against ``env``'s app with the admin token unless one is given."""
    monkeypatch.setattr(common, "transport", env.transport)

    def invoke(*args: str, token: str | None = None) -> Result:
        return run(*args, "--url", "http://testserver", "--token", token or env.boot.admin_token)

    yield invoke
