"""The ``traitbase`` command: local commands (serve, init, migrate) and the server-talking ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from traitbase import __version__
from traitbase.cli import (
    admin,
    adminkey,
    audiences,
    events,
    experiences,
    imports,
    local,
    output,
    pages,
    query,
    query_reports,
    scan,
    startup,
    upload,
)
from traitbase.cli.common import Json

app = typer.Typer(
    name="traitbase",
    help="Traitbase: a self-hostable user-data platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(admin.orgs, name="orgs")
app.add_typer(admin.projects, name="projects")
app.add_typer(admin.keys, name="keys")
app.add_typer(admin.users, name="users")
app.add_typer(events.events, name="events")
app.add_typer(events.sandbox, name="sandbox")
app.add_typer(audiences.audiences, name="audiences")
app.add_typer(adminkey.admin_key, name="admin-key")
app.add_typer(pages.pages, name="pages")
app.add_typer(pages.goals, name="goals")
app.add_typer(experiences.experiences, name="experiences")
app.command("mcp")(experiences.mcp)
# query_reports adds events / experiences / abtest to the same group.
assert query_reports.query is query.query
app.add_typer(query.query, name="query")
app.command("upload-attributes")(upload.upload_attributes)
app.command("import-profiles")(imports.import_profiles)
app.command("scan")(scan.scan)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: TRAITBASE_DATA_DIR or ./traitbase-data)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: TRAITBASE_DATABASE_URL or SQLite in the data dir)."),
]


Debug = Annotated[
    bool,
    typer.Option("--debug", envvar="TRAITBASE_DEBUG", help="On a failed start, print the traceback too."),
]


def _version(show: bool) -> None:
    if show:
        output.version(f"traitbase {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Traitbase: a self-hostable user-data platform."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: TRAITBASE_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: TRAITBASE_PORT or 8600).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
    debug: Debug = False,
) -> None:
    """Run the server. On the very first start of a data directory, print the admin token once.

    Everything that can stop a start (settings, the data directory, the port) is checked first;
    the first-start bootstrap runs, and its token is printed, only once the server is serving,
    so a start that fails never shows (and loses) a token.
    """
    with startup.guarded(debug=debug):
        settings = startup.load_settings(
            lambda: local.settings_with(host=host, port=port, data_dir=data_dir, database_url=database_url)
        )
        startup.check_data_dir(settings)
        sock = startup.listen_socket(settings.host, settings.port)
        # After the port: a start refused for its address leaves nothing in the data directory.
        refused = local.claim_data_dir(settings)
        if refused is not None:
            raise startup.StartupError(startup.ExitCode.DATA_DIR_IN_USE, refused)
        if settings.auto_migrate:
            local.migrate_database(settings)

        def serving() -> None:
            created = local.bootstrap(settings, migrate_first=False)
            if created is not None:
                output.bootstrap(created, as_json=as_json)
            output.notice(f"Traitbase serving on http://{settings.host}:{settings.port} (Ctrl+C stops it)")

        if not local.run_server(settings, sock=sock, on_started=serving):
            raise startup.StartupError(
                startup.ExitCode.FAILED, "the server stopped before it was serving; the log lines above say why."
            )


@app.command()
def init(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: Json = False, debug: Debug = False
) -> None:
    """Migrate and do the first-start bootstrap without serving (for scripts and containers).

    Prints the admin token the first time; later runs change nothing, say so, and exit 0.
    """
    with startup.guarded(debug=debug):
        settings = startup.load_settings(lambda: local.settings_with(data_dir=data_dir, database_url=database_url))
        startup.check_data_dir(settings)
        output.bootstrap(local.bootstrap(settings), as_json=as_json)


@app.command()
def migrate(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: Json = False, debug: Debug = False
) -> None:
    """Bring the database schema up to date (safe to run any number of times)."""
    with startup.guarded(debug=debug):
        settings = startup.load_settings(lambda: local.settings_with(data_dir=data_dir, database_url=database_url))
        startup.check_data_dir(settings)
        output.migrated(local.migrate_database(settings), as_json=as_json)


@app.command()
def worker(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[int | None, typer.Option(help="Worker threads (default: job_workers, at least 1).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Run jobs until none is runnable, then exit.")] = False,
    debug: Debug = False,
) -> None:
    """Run background jobs only (scale mode runs these beside the API processes)."""
    from traitbase.jobs.worker import run as run_worker

    with startup.guarded(debug=debug, doing="the worker could not start"):
        settings = startup.load_settings(lambda: local.settings_with(data_dir=data_dir, database_url=database_url))
        startup.check_data_dir(settings)
    # Outside the guard: a worker that fails while running keeps its full traceback in the log.
    run_worker(settings, once=once, workers=workers)


def main() -> None:
    app()
