"""``events`` (read events back) and ``sandbox`` (wipe a project's sandbox) over the admin API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

import typer

from traitbase.cli import output
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of

events = typer.Typer(help="Events stored by the events face.", no_args_is_help=True)
sandbox = typer.Typer(help="A project's sandbox environment.", no_args_is_help=True)

ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("must be a date YYYY-MM-DD", param_hint=option) from None


@events.command("counts")
def events_counts(
    *,
    project: ProjectReq,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC), included.")],
    environment: Env = "production",
    kind: Annotated[str | None, typer.Option(help="Only this kind (action, purchase, login, ...).")] = None,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Count events by kind and name over a range of days, most frequent first."""
    first, last, env = _day(start, "--from"), _day(end, "--to"), environment_of(environment)
    with api_errors(), client(url, token) as c:
        rows = c.events.counts(project, first, last, environment=env, kind=kind)
    output.show_list("event_count", cast(list[dict[str, Any]], rows), as_json=as_json)


@sandbox.command("wipe")
def sandbox_wipe(
    *,
    project: ProjectReq,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Delete everything the project's sandbox holds (events, items, sandbox attributes); production stays."""
    if not yes and not output.confirm(f"Delete all sandbox data of project {project}?"):
        output.notice("Nothing deleted.")
        raise typer.Exit(1)
    with api_errors(), client(url, token) as c:
        result = c.admin.wipe_sandbox(project)
    output.sandbox_wiped(cast(dict[str, Any], result), as_json=as_json)
