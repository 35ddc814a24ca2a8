"""``upload-attributes``: stream a CSV of any size through the SDK, one batch in memory at a time."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from traitbase.cli import output
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of, key_for
from traitbase.client import Client


def upload_attributes(
    *,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV with a user_id column.")
    ],
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-p",
            help="Upload into this project with an admin --token (a short-lived upload key is made and revoked). "
            "Without it, --token must be an upload key and its own project is written.",
        ),
    ] = None,
    environment: Env = "production",
    batch_size: Annotated[int, typer.Option(min=1, help="Users per request (the server accepts at most 100).")] = 100,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Upload user attributes from a CSV file (header row with user_id; empty cells leave values unchanged)."""
    env = environment_of(environment)
    with (
        api_errors(),
        client(url, token) as admin_client,
        key_for(admin_client, token, project=project, environment=env, name=f"upload-attributes {file.name}") as key,
        client(url, key, batch_size=batch_size) as uploader,
    ):
        result = _upload(uploader, file)
    output.upload_result(result, as_json=as_json)


def _upload(uploader: Client, file: Path) -> dict[str, Any]:
    with output.upload_progress(file.stat().st_size) as report:
        return asdict(uploader.attributes.upload(file, progress=report))
