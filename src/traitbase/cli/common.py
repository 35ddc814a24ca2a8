"""What the server-talking commands share: the ``--url``/``--token``/``--json`` options, the client, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, cast

import httpx
import typer

from traitbase.cli import output
from traitbase.client import Client, TraitbaseError
from traitbase.client._core import DEFAULT_URL
from traitbase.client.admin import Environment

Url = Annotated[
    str, typer.Option("--url", envvar="TRAITBASE_URL", help="Base URL of the Traitbase server.", show_envvar=True)
]
Token = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="TRAITBASE_TOKEN",
        help="API key token (an admin key for admin commands).",
        show_envvar=True,
        show_default=False,
    ),
]
Env = Annotated[str, typer.Option("--environment", "-e", help="production or sandbox.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of tables.")]
DEFAULT = DEFAULT_URL
ENVIRONMENTS = ("production", "sandbox")

# Tests point the CLI at an in-process app by replacing this (None: real network).
transport: httpx.BaseTransport | None = None


def client(url: str, token: str, *, batch_size: int = 100) -> Client:
    return Client(url, token, batch_size=batch_size, transport=transport)


@contextmanager
def api_errors() -> Iterator[None]:
    """Any SDK error ends the command with its message (the server's own) and exit status 1."""
    try:
        yield
    except TraitbaseError as exc:
        output.error(str(exc), getattr(exc, "__notes__", ()))
        raise typer.Exit(1) from None


def environment_of(value: str) -> Environment:
    if value not in ENVIRONMENTS:
        raise typer.BadParameter(f"must be one of {', '.join(ENVIRONMENTS)}", param_hint="--environment")
    return cast(Environment, value)


@contextmanager
def key_for(
    admin_client: Client,
    token: str,
    *,
    project: str | None,
    environment: Environment,
    name: str,
    token_auth: bool = False,
) -> Iterator[str]:
    """The token a command acts with: ``token`` itself, or — given a project and an admin token —
    a short-lived upload key for that project, revoked when the command ends (even on failure)."""
    if project is None:
        yield token
        return
    issued = admin_client.admin.create_key(
        name=name, scopes=["upload"], project_id=project, environment=environment, token_auth=token_auth
    )
    try:
        yield issued["token"]
    finally:
        admin_client.admin.revoke_key(issued["key_id"])
