"""Job kinds and their handlers: a worker looks a claimed job's kind up here (no if/elif chain).

A handler is thin: it takes the running job and the worker's resources and calls domain code.
It returns the job's result (a JSON object) or raises ``Interrupted`` / ``JobFailed`` / any error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from traitbase.config import Settings
from traitbase.domain.jobs import JobContext
from traitbase.limits import Limits
from traitbase.security import Signer
from traitbase.storage.blobs import BlobStore
from traitbase.storage.db import Database
from traitbase.storage.warehouse.base import Warehouse


@dataclass(frozen=True)
class Resources:
    """What a handler may use besides its job: the same objects the API process has."""

    settings: Settings
    db: Database
    blobs: BlobStore
    signer: Signer
    limits: Limits
    # The warehouse, where this process has it open (embedded DuckDB: the server process only).
    warehouse: Warehouse | None = None


Handler = Callable[[JobContext, Resources], dict[str, Any] | None]

_HANDLERS: dict[str, Handler] = {}


def register_job_kind(kind: str, handler: Handler) -> None:
    if kind in _HANDLERS and _HANDLERS[kind] is not handler:
        raise ValueError(f"job kind {kind!r} is already registered")
    _HANDLERS[kind] = handler


def handler_for(kind: str) -> Handler:
    return _HANDLERS[kind]


def kinds() -> list[str]:
    return sorted(_HANDLERS)


def load_handlers() -> None:
    """Import every handler module so each registers its kind."""
    import traitbase.jobs.handlers  # noqa: F401
