"""``traitbase experiences`` (admin API) and ``traitbase mcp`` (the query API as MCP tools)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import orjson
import typer

from traitbase.cli import output_experiences
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of

experiences = typer.Typer(help="Experiences: versions with traffic weights, goals, forms.", no_args_is_help=True)
ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]
BodyFile = Annotated[Path, typer.Option("--file", "-f", help="JSON body (docs/experiences.md).", exists=True)]


def _body(path: Path) -> dict[str, Any]:
    try:
        body = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--file") from None
    if not isinstance(body, dict):
        raise typer.BadParameter(f"{path}: must hold a JSON object", param_hint="--file")
    return body


@experiences.command("list")
def experiences_list(
    *, project: ProjectReq, environment: Env = "production", url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """List the project's experiences."""
    with api_errors(), client(url, token) as c:
        rows = c.experiences.list(project, environment=environment_of(environment))
    output_experiences.experiences(rows, as_json=as_json)


@experiences.command("show")
def experiences_show(
    *,
    experience_id: Annotated[str, typer.Argument(help="Experience ID.")],
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Show one experience with its versions (deleted ones flagged) and goals."""
    with api_errors(), client(url, token) as c:
        found = c.experiences.get(project, experience_id, environment=environment_of(environment))
    output_experiences.experience(found, as_json=as_json)


@experiences.command("create")
def experiences_create(
    *, project: ProjectReq, file: BodyFile, url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """Create an experience from a JSON body."""
    with api_errors(), client(url, token) as c:
        made = c.experiences.create(project, _body(file))
    output_experiences.experience(made, as_json=as_json)


@experiences.command("update")
def experiences_update(
    *,
    experience_id: Annotated[str, typer.Argument(help="Experience ID.")],
    project: ProjectReq,
    file: BodyFile,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Replace an experience; versions left out are kept, flagged deleted."""
    with api_errors(), client(url, token) as c:
        done = c.experiences.update(project, experience_id, _body(file))
    output_experiences.experience(done, as_json=as_json)


@experiences.command("delete")
def experiences_delete(
    *,
    experience_id: Annotated[str, typer.Argument(help="Experience ID.")],
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Delete an experience (its collected actions stay in the warehouse)."""
    with api_errors(), client(url, token) as c:
        c.experiences.delete(project, experience_id, environment=environment_of(environment))
    output_experiences.deleted("experience", experience_id, as_json=as_json)


def mcp(
    *,
    project: Annotated[str, typer.Option("--project", "-p", help="The profileId every tool queries.")],
    url: Url = DEFAULT,
    key: Annotated[str, typer.Option("--key", envvar="TRAITBASE_QUERY_KEY", help="A query-scope key (x-api-key).",
                                     show_envvar=True)],
) -> None:  # fmt: skip
    """Serve the query API as Model Context Protocol tools over stdio (docs/mcp.md)."""
    from traitbase.faces.mcp.server import serve_stdio

    anyio.run(serve_stdio, url, key, project)
