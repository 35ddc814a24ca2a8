"""``traitbase audiences``: list, inspect, export and query audiences, and upload an audience file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer

from traitbase.cli import output, output_audiences
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of, key_for
from traitbase.client import Client, UploadedAudience

audiences = typer.Typer(help="Audiences: list, count, export, membership, and audience-file uploads.")

ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]
AudienceId = Annotated[int, typer.Argument(help="Audience ID.")]


@audiences.command("list")
def audiences_list(
    *, project: ProjectReq, environment: Env = "production", url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """List the project's audiences (audience lists and audience files alike)."""
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        rows = c.audiences.list(project, environment=env)
    output.show_list("audience", cast(list[dict[str, Any]], rows), as_json=as_json)


@audiences.command("get")
def audiences_get(
    audience_id: AudienceId,
    *,
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Show one audience with its member count (counted now)."""
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        row = c.audiences.get(project, audience_id, environment=env)
    output.show_record("audience", cast(dict[str, Any], row), as_json=as_json)


@audiences.command("export")
def audiences_export(
    audience_id: AudienceId,
    *,
    project: ProjectReq,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write the ids here, one per line.")
    ] = None,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Stream the member ids (sorted, distinct): one per line on stdout, or into --output.

    With --json: a JSON array on stdout, or with --output a summary {"audience_id", "members", "file"}.
    """
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        if output_file is not None:
            count = c.audiences.export_to_file(project, audience_id, output_file, environment=env)
            summary = {"audience_id": audience_id, "members": count, "file": str(output_file)}
            if as_json:
                output.json(summary)
            else:
                output.notice(f"Wrote {count} members of audience {audience_id} to {output_file}.")
            return
        members = c.audiences.export(project, audience_id, environment=env)
        if as_json:
            output_audiences.json_array(members)
        else:
            output_audiences.lines(members)


@audiences.command("contains")
def audiences_contains(
    audience_id: AudienceId,
    member_id: Annotated[str, typer.Argument(help="The id to look for.")],
    *,
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Say whether an id is a member of the audience."""
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        member = c.audiences.contains(project, audience_id, member_id, environment=env)
    output_audiences.membership(audience_id, member_id, member, as_json=as_json)


@audiences.command("upload")
def audiences_upload(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="Device ids, one per line: .txt, .csv, .txt.gz or .csv.gz."
        ),
    ],
    *,
    name: Annotated[str, typer.Option("--name", "-n", help="Name of the new audience.")],
    platform: Annotated[str, typer.Option(help="android, ios or mix (or 1, 2, 3).")] = "android",
    device_type: Annotated[
        str, typer.Option("--device-type", help="imei, idfa, gaid, oaid, idfv, their _md5 forms, or the number.")
    ] = "gaid",
    area_type: Annotated[int, typer.Option("--area-type", min=1, max=2, help="1: presigned PUT; 2: POST form.")] = 1,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-p",
            help="Upload into this project with an admin --token (a short-lived token-auth upload key is made "
            "and revoked). Without it, --token must be a token-auth key with the upload and admin scopes.",
        ),
    ] = None,
    environment: Env = "production",
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until the members are loaded.")] = True,
    poll: Annotated[float, typer.Option("--poll", min=0.01, help="Seconds between load status checks.")] = 1.0,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Upload an audience file end to end: MD5, presign, upload, create the audience, wait for the load."""
    env = environment_of(environment)
    with (
        api_errors(),
        client(url, token) as admin_client,
        key_for(
            admin_client,
            token,
            project=project,
            environment=env,
            name=f"audiences upload {file.name}",
            token_auth=True,
        ) as key,
        client(url, key) as uploader,
    ):
        made = _upload(uploader, file, name, platform, device_type, area_type)
        result: dict[str, Any] = {
            "audience_id": made.audience_id,
            "data_path": made.data_path,
            "file_md5": made.file_md5,
            "size": made.size,
            "audience": None,
        }
        if wait:
            with output_audiences.waiting(f"Loading audience {made.audience_id} ..."):
                if project is None:
                    result["audience"] = made.wait(interval=poll)
                else:
                    result["audience"] = admin_client.audiences.wait(
                        project, made.audience_id, environment=env, interval=poll
                    )
    output_audiences.uploaded_audience(result, as_json=as_json)


def _upload(
    uploader: Client, file: Path, name: str, platform: str, device_type: str, area_type: int
) -> UploadedAudience:
    try:
        with output_audiences.file_progress(file.stat().st_size) as report:
            return uploader.audiences.upload_file(
                file, name, platform=platform, device_type=device_type, area_type=area_type, progress=report
            )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
