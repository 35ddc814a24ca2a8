"""The ``traitbase`` command: local commands (serve, init, migrate) and the server-talking ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from traitbase.cli import admin, audiences, events, experiences, imports, local, output, pages, query, upload
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
app.add_typer(pages.pages, name="pages")
app.add_typer(pages.goals, name="goals")
app.add_typer(experiences.experiences, name="experiences")
app.command("mcp")(experiences.mcp)
app.add_typer(query.query, name="query")
app.command("upload-attributes")(upload.upload_attributes)
app.command("import-profiles")(imports.import_profiles)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: TRAITBASE_DATA_DIR or ./traitbase-data)."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: TRAITBASE_DATABASE_URL or SQLite in the data dir)."),
]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: TRAITBASE_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: TRAITBASE_PORT or 8600).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Run the server. On the very first start of a data directory, print the admin token once."""
    settings = local.settings_with(host=host, port=port, data_dir=data_dir, database_url=database_url)
    refused = local.claim_data_dir(settings)
    if refused is not None:
        output.error(refused)
        raise typer.Exit(1)
    created = local.bootstrap(settings, migrate_first=settings.auto_migrate)
    if created is not None:
        output.bootstrap(created, as_json=as_json)
    output.notice(f"Traitbase serving on http://{settings.host}:{settings.port} (Ctrl+C stops it)")
    local.run_server(settings)


@app.command()
def init(data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: Json = False) -> None:
    """Migrate and do the first-start bootstrap without serving (for scripts and containers).

    Prints the admin token the first time; later runs change nothing, say so, and exit 0.
    """
    settings = local.settings_with(data_dir=data_dir, database_url=database_url)
    output.bootstrap(local.bootstrap(settings), as_json=as_json)


@app.command()
def migrate(data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: Json = False) -> None:
    """Bring the database schema up to date (safe to run any number of times)."""
    settings = local.settings_with(data_dir=data_dir, database_url=database_url)
    output.migrated(local.migrate_database(settings), as_json=as_json)


@app.command()
def worker(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[int | None, typer.Option(help="Worker threads (default: job_workers, at least 1).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Run jobs until none is runnable, then exit.")] = False,
) -> None:
    """Run background jobs only (scale mode runs these beside the API processes)."""
    from traitbase.jobs.worker import run as run_worker

    run_worker(local.settings_with(data_dir=data_dir, database_url=database_url), once=once, workers=workers)


def main() -> None:
    app()
