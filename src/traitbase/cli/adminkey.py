"""``traitbase admin-key create``: mint an admin key on the machine that holds the data directory.

For an operator who lost the first-start token (or every admin key): no server and no existing key
are needed, only access to the data directory (and the database, in scale mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from traitbase.cli import local, output, startup
from traitbase.cli.common import Json
from traitbase.errors import NotFound

admin_key = typer.Typer(help="Admin keys minted locally, from the data directory.", no_args_is_help=True)


@admin_key.command("create")
def create(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Data directory of the installation (default: TRAITBASE_DATA_DIR)."),
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Scale mode: the control-plane database URL.")
    ] = None,
    org: Annotated[int | None, typer.Option("--org", help="Organization ID (default: the first one).")] = None,
    name: Annotated[str, typer.Option("--name", help="Name of the new key.")] = "local admin",
    as_json: Json = False,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="TRAITBASE_DEBUG", help="On failure, print the traceback too.")
    ] = False,
) -> None:
    """Create a new instance-admin key directly in the installation's database and print its token once."""
    with startup.guarded(debug=debug, doing="the admin key was not created"):
        settings = startup.load_settings(lambda: local.settings_with(data_dir=data_dir, database_url=database_url))
        startup.check_installation(settings)
        try:
            key = local.mint_admin_key(settings, org_id=org, name=name)
        except NotFound as exc:
            code = startup.ExitCode.DATA_DIR if org is None else startup.ExitCode.FAILED
            where = f" (data directory {settings.data_dir.absolute()})"
            raise startup.StartupError(code, f"the admin key was not created: {exc.message}{where}.") from exc
    output.local_admin_key(key, as_json=as_json)
