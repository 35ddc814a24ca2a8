"""Control-plane commands over the admin API: ``orgs``, ``projects``, ``keys`` and ``users``."""

from __future__ import annotations

from typing import Annotated, Any, cast

import typer

from traitbase.cli import output
from traitbase.cli.common import DEFAULT, Env, Json, Token, Url, api_errors, client, environment_of
from traitbase.client.admin import Scope

orgs = typer.Typer(help="Organizations.", no_args_is_help=True)
projects = typer.Typer(help="Projects.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
users = typer.Typer(help="Users and their attributes.", no_args_is_help=True)

OrgId = Annotated[int | None, typer.Option("--org", help="Organization ID (default: the key's own).")]
ProjectOpt = Annotated[str | None, typer.Option("--project", "-p", help="Project ID.")]
ProjectReq = Annotated[str, typer.Option("--project", "-p", help="Project ID.")]

SCOPES = ("upload", "query", "admin")


def _scopes(values: list[str]) -> list[Scope]:
    scopes = [s.strip() for v in values for s in v.split(",") if s.strip()]
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise typer.BadParameter(f"scopes are {', '.join(SCOPES)} (got {', '.join(bad) or 'none'})")
    return cast(list[Scope], scopes)


@orgs.command("list")
def orgs_list(*, url: Url = DEFAULT, token: Token, as_json: Json = False) -> None:
    """List the organizations the key can see."""
    with api_errors(), client(url, token) as c:
        rows: list[Any] = c.admin.list_orgs()
    output.show_list("org", rows, as_json=as_json)


@orgs.command("create")
def orgs_create(
    *,
    name: Annotated[str, typer.Argument(help="Organization name.")],
    plan: Annotated[str, typer.Option(help="free, free_trial or growth.")] = "free",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Create an organization (needs an instance-admin key)."""
    with api_errors(), client(url, token) as c:
        org = c.admin.create_org(name, plan=plan)
    output.show_record("org", cast(dict[str, Any], org), as_json=as_json)


@projects.command("list")
def projects_list(*, org: OrgId = None, url: Url = DEFAULT, token: Token, as_json: Json = False) -> None:
    """List projects."""
    with api_errors(), client(url, token) as c:
        rows: list[Any] = c.admin.list_projects(org_id=org)
    output.show_list("project", rows, as_json=as_json)


@projects.command("create")
def projects_create(
    *,
    name: Annotated[str, typer.Argument(help="Project name.")],
    org: OrgId = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone of the project's reports.")] = "UTC",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Create a project (with its production and sandbox environments and a site key)."""
    with api_errors(), client(url, token) as c:
        project = c.admin.create_project(name, org_id=org, timezone=timezone)
    output.show_record("project", cast(dict[str, Any], project), as_json=as_json)


@projects.command("get")
def projects_get(
    *,
    project_id: Annotated[str, typer.Argument(help="Project ID.")],
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Show one project."""
    with api_errors(), client(url, token) as c:
        project = c.admin.get_project(project_id)
    output.show_record("project", cast(dict[str, Any], project), as_json=as_json)


@keys.command("create")
def keys_create(
    *,
    scopes: Annotated[
        list[str], typer.Option("--scopes", "--scope", "-s", help="upload, query, admin; comma-separated or repeated.")
    ],
    project: ProjectOpt = None,
    org: OrgId = None,
    environment: Env = "production",
    name: Annotated[str, typer.Option(help="A label for the key.")] = "cli key",
    token_auth: Annotated[
        bool, typer.Option("--token-auth", help="Enable the audience files' token scheme (secret kept encrypted).")
    ] = False,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Create a key; its token is printed this once. Without --project it is an organization key."""
    scope_list, env = _scopes(scopes), environment_of(environment)
    with api_errors(), client(url, token) as c:
        key = c.admin.create_key(
            name=name, scopes=scope_list, project_id=project, environment=env, org_id=org, token_auth=token_auth
        )
    output.issued_key(cast(dict[str, Any], key), as_json=as_json)


@keys.command("list")
def keys_list(
    *, project: ProjectOpt = None, org: OrgId = None, url: Url = DEFAULT, token: Token, as_json: Json = False
) -> None:
    """List keys (never their secrets)."""
    with api_errors(), client(url, token) as c:
        rows: list[Any] = c.admin.list_keys(project_id=project, org_id=org)
    output.show_list("key", rows, as_json=as_json)


@keys.command("revoke")
def keys_revoke(
    *,
    key_id: Annotated[str, typer.Argument(help="Key ID (the part of the token before the dot).")],
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Revoke a key; every server process refuses it within `key_cache_seconds`."""
    with api_errors(), client(url, token) as c:
        key = c.admin.revoke_key(key_id)
    output.show_record("key", cast(dict[str, Any], key), as_json=as_json)


@users.command("get")
def users_get(
    *,
    user_id: Annotated[str, typer.Argument(help="The user's user_id.")],
    project: ProjectReq,
    environment: Env = "production",
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """Show one user's attributes as the project sees them (organization scope overlaid with the project's)."""
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        user = c.admin.get_user(project, user_id, environment=env)
    output.show_record("user", cast(dict[str, Any], user), as_json=as_json)


@users.command("list")
def users_list(
    *,
    project: ProjectReq,
    environment: Env = "production",
    after: Annotated[str | None, typer.Option(help="Start after this user_id (the previous page's `next`).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Users per page.")] = 100,
    url: Url = DEFAULT,
    token: Token,
    as_json: Json = False,
) -> None:
    """List a page of users in user_id order; --json also gives `next` for the following page."""
    env = environment_of(environment)
    with api_errors(), client(url, token) as c:
        page = c.admin.list_users(project, environment=env, after=after, limit=limit)
    if as_json:
        output.json(page)
    else:
        output.show_list("user", cast(list[dict[str, Any]], page["users"]), as_json=False)
        if page["next"]:
            output.notice(f"More users: --after {page['next']}")
