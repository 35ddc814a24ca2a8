"""Web collection commands over the admin API: ``pages`` (blocks, tracked elements) and ``goals``."""

from __future__ import annotations

import re
from typing import Annotated, Any, cast

import typer

from traitbase.cli import output
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of
from traitbase.client.pages import Block, Device, Element, GoalType, Match

pages = typer.Typer(help="Page configurations of web collection: blocks and tracked elements.", no_args_is_help=True)
goals = typer.Typer(help="Goals (conversions) of web collection.", no_args_is_help=True)

ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]
_BAND = re.compile(r"^(\d+)-(\d+)$")


def parse_block(spec: str) -> Block:
    """``NAME=CSS`` or ``NAME=TOP-BOTTOM`` (a pixel band)."""
    name, sep, target = spec.partition("=")
    if not sep or not name.strip() or not target.strip():
        raise typer.BadParameter(f"'{spec}': use NAME=SELECTOR or NAME=TOP-BOTTOM", param_hint="--block")
    band = _BAND.match(target.strip())
    if band:
        return {"name": name.strip(), "top": int(band.group(1)), "bottom": int(band.group(2))}
    return {"name": name.strip(), "selector": target.strip()}


def parse_element(spec: str, *, cta: bool) -> Element:
    name, sep, selector = spec.partition("=")
    if not sep or not name.strip() or not selector.strip():
        raise typer.BadParameter(f"'{spec}': use NAME=SELECTOR", param_hint="--element/--cta")
    return {"name": name.strip(), "selector": selector.strip(), "cta": cta}


def _deleted(what: str, ident: Any, *, as_json: bool) -> None:
    if as_json:
        output.json({"deleted": ident})
    else:
        output.notice(f"Deleted {what}.")


def _choice(value: str, allowed: tuple[str, ...], hint: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"must be one of {', '.join(allowed)}", param_hint=hint)
    return value


@pages.command("set")
def pages_set(
    *,
    page_url: Annotated[str, typer.Argument(help="The page URL.")],
    project: ProjectReq,
    device: Annotated[str, typer.Option(help="PC, MOBILE or TABLET.")] = "PC",
    match: Annotated[str, typer.Option(help="exact, or merged (every query string of the page).")] = "exact",
    block: Annotated[list[str] | None, typer.Option(help="NAME=SELECTOR or NAME=TOP-BOTTOM, in page order.")] = None,
    element: Annotated[list[str] | None, typer.Option(help="Tracked element NAME=SELECTOR.")] = None,
    cta: Annotated[list[str] | None, typer.Option(help="Tracked call-to-action element NAME=SELECTOR.")] = None,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Replace the blocks and tracked elements of one page on one device type."""
    blocks = [parse_block(b) for b in block or []]
    elements = [parse_element(e, cta=False) for e in element or []] + [parse_element(e, cta=True) for e in cta or []]
    with api_errors(), client(url, token) as c:
        page = c.pages.set_page(
            project,
            page_url,
            device=cast(Device, _choice(device, ("PC", "MOBILE", "TABLET"), "--device")),
            match=cast(Match, _choice(match, ("exact", "merged"), "--match")),
            environment=environment_of(environment),
            blocks=blocks,
            elements=elements,
        )
    output.page_config(cast(dict[str, Any], page), as_json=as_json)


@pages.command("list")
def pages_list(
    *, project: ProjectReq, environment: Env = "production", url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """List the project's page configurations."""
    with api_errors(), client(url, token) as c:
        rows: list[Any] = c.pages.list_pages(project, environment=environment_of(environment))
    output.show_list("page", rows, as_json=as_json)


@pages.command("delete")
def pages_delete(
    *,
    page_id: Annotated[int, typer.Argument(help="Configuration ID (from `pages list`).")],
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Delete one page configuration."""
    with api_errors(), client(url, token) as c:
        c.pages.delete_page(project, page_id, environment=environment_of(environment))
    _deleted(f"page configuration {page_id}", page_id, as_json=as_json)


@goals.command("set")
def goals_set(
    *,
    name: Annotated[str, typer.Argument(help="Goal name (queries match it by substring).")],
    project: ProjectReq,
    type_: Annotated[str, typer.Option("--type", help="event, url or click.")],
    match: Annotated[str, typer.Option(help="Event name, URL substring, or element name.")],
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Create or change a goal."""
    with api_errors(), client(url, token) as c:
        goal = c.pages.set_goal(
            project,
            name,
            type=cast(GoalType, _choice(type_, ("event", "url", "click"), "--type")),
            match=match,
            environment=environment_of(environment),
        )
    output.show_record("goal", cast(dict[str, Any], goal), as_json=as_json)


@goals.command("list")
def goals_list(
    *, project: ProjectReq, environment: Env = "production", url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """List the project's goals."""
    with api_errors(), client(url, token) as c:
        rows: list[Any] = c.pages.list_goals(project, environment=environment_of(environment))
    output.show_list("goal", rows, as_json=as_json)


@goals.command("delete")
def goals_delete(
    *,
    name: Annotated[str, typer.Argument(help="Goal name.")],
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Delete a goal."""
    with api_errors(), client(url, token) as c:
        c.pages.delete_goal(project, name, environment=environment_of(environment))
    _deleted(f"goal {name}", name, as_json=as_json)
