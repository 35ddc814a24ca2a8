"""``import-profiles``: upload a profile file through the SDK and follow its import job to the end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from traitbase.cli import output
from traitbase.cli.common import DEFAULT, Json, Token, Url, api_errors, client
from traitbase.client import JobFailed
from traitbase.client.imports import DEFAULT_POLL_INTERVAL, EmptyCells, Format, ImportStatus

FORMATS = ("json", "csv")


def import_profiles(
    *,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines or CSV profile file.")
    ],
    app_id: Annotated[str | None, typer.Option("--app-id", help="Project whose own attributes change.")] = None,
    org_id: Annotated[int | None, typer.Option("--org-id", help="Organization whose attributes change.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="json or csv (default: csv for a .csv file, json otherwise).")
    ] = None,
    empty_cells: Annotated[
        str | None,
        typer.Option(
            "--empty-cells",
            help="CSV: delete (server default) removes the attribute of an empty cell; ignore keeps it.",
        ),
    ] = None,
    poll_interval: Annotated[
        float, typer.Option(min=0.01, help="Seconds between status calls (the server allows 60 a minute per key).")
    ] = DEFAULT_POLL_INTERVAL,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Import profiles from a file and wait for the job; exits 1 if the job fails.

    --token is a key with the upload scope (its id and secret are sent as HTTP Basic).
    """
    if (app_id is None) == (org_id is None):
        raise typer.BadParameter("give exactly one of --app-id or --org-id")
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter("must be json or csv", param_hint="--format")
    cells = _empty_cells(empty_cells)
    failed: ImportStatus | None = None
    with api_errors(), client(url, token) as c:
        output.notice(f"Uploading {file} ...")
        job = c.imports.upload_profiles(file, app_id=app_id, org_id=org_id, format=_format(fmt), empty_cells=cells)
        output.notice(f"Import {job.activity_id} started.")
        with output.import_progress(job.file_lines) as report:
            try:
                final = job.wait(poll_interval=poll_interval, on_progress=report)
            except JobFailed as exc:
                final = failed = exc.status
    output.import_result(final, as_json=as_json)
    if failed is not None:
        raise typer.Exit(1)


def _format(value: str | None) -> Format | None:
    return "csv" if value == "csv" else "json" if value == "json" else None


def _empty_cells(value: str | None) -> EmptyCells | None:
    if value is None:
        return None
    if value not in ("delete", "ignore"):
        raise typer.BadParameter("must be delete or ignore", param_hint="--empty-cells")
    return cast(EmptyCells, value)
