"""Commands' work on the local installation (no server): settings, migrations, first start, serving."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from traitbase.config import Settings
from traitbase.domain.control import localadmin
from traitbase.domain.control.bootstrap import first_start
from traitbase.storage.db import Database, alembic_config, migrate
from traitbase.storage.warehouse.engines import DataDirInUse, engine_for, hold_data_dir_lock


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment (``TRAITBASE_*``) with the options given on the command line on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def migrate_database(settings: Settings) -> dict[str, Any]:
    migrate(settings)
    url = settings.resolved_database_url
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    return {"database": make_url(url).render_as_string(hide_password=True), "revision": head}


def bootstrap(settings: Settings, *, migrate_first: bool = True) -> dict[str, Any] | None:
    """First start (org, project, admin key) if this installation has none yet; None on later starts."""
    if migrate_first:
        migrate(settings)
    db = Database(settings)
    try:
        with db.uow() as s:
            result = first_start(s, settings, now_iso=datetime.now(UTC).isoformat())
    finally:
        db.dispose()
    return asdict(result) if result is not None else None


def claim_data_dir(settings: Settings) -> str | None:
    """Embedded mode: hold the data directory's lock now; returns why not when another server holds it."""
    if engine_for(settings).shared:
        return None
    try:
        hold_data_dir_lock(settings.data_dir)
    except DataDirInUse as exc:
        return str(exc)
    return None


def mint_admin_key(settings: Settings, *, org_id: int | None, name: str) -> dict[str, Any]:
    """A new instance-admin key written straight into this installation's database (no server needed)."""
    db = Database(settings)
    try:
        with db.uow() as s:
            return asdict(localadmin.mint_admin_key(s, org_id=org_id, name=name))
    finally:
        db.dispose()


def run_server(
    settings: Settings, *, sock: socket.socket | None = None, on_started: Callable[[], None] | None = None
) -> bool:
    """Serve until stopped, on ``sock`` when given (bound beforehand); ``on_started`` runs once serving.

    Returns False when the server stopped before it was serving (uvicorn has logged why).
    """
    import uvicorn

    from traitbase.app import create_app, tune_gc

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_started is not None:
                on_started()

    # Migrations already ran before the first-start check; the app logs its own redacted access lines.
    app = create_app(settings.model_copy(update={"auto_migrate": False}))
    tune_gc(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, access_log=False, log_level=settings.log_level.lower()
    )
    server = Server(config)
    try:
        server.run(sockets=[sock] if sock is not None else None)
    except SystemExit:
        # uvicorn exits when the app's start-up fails; the caller reports it in one sentence.
        if server.started:
            raise
        return False
    return bool(server.started)
