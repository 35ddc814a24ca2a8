"""What the domain knows about background jobs: enqueueing one, and what a running job offers.

The worker machinery lives in ``traitbase.jobs``; domain code that runs inside a job only sees
the ``JobContext`` protocol below, so it can be driven by a worker or directly by a test.
"""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy.orm import Session

from traitbase.storage.repos import jobs as repo
from traitbase.storage.repos.jobs import JobRow

DEFAULT_MAX_ATTEMPTS = 5


class Interrupted(Exception):
    """The job stopped at a checkpoint because its worker is shutting down; it will resume later."""


class JobFailed(Exception):
    """The job cannot succeed (e.g. its input is unusable); retrying would not help."""


class JobContext(Protocol):
    """A claimed job as its handler sees it."""

    @property
    def job(self) -> JobRow: ...

    def step(self) -> AbstractContextManager[Session]:
        """One transaction that first re-asserts this worker's lease (raising if it was lost)."""
        ...

    def read(self) -> AbstractContextManager[Session]:
        """A read-only session (no write lock), for reading large results outside a step."""
        ...

    def save(self, s: Session, *, checkpoint: dict[str, Any], progress: dict[str, Any]) -> None:
        """Record the checkpoint and counters inside the step's transaction."""
        ...

    def should_stop(self) -> bool:
        """True when the handler should stop at its next checkpoint (raise ``Interrupted``)."""
        ...


def enqueue(
    s: Session,
    *,
    kind: str,
    org_id: int,
    project_id: str | None,
    environment: str,
    payload: dict[str, Any],
    progress: dict[str, Any] | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    job_id: str | None = None,
) -> str:
    """Add a pending job in the caller's transaction; returns its id (a UUID string)."""
    jid = job_id or str(uuid.uuid4())
    repo.insert_job(
        s,
        job_id=jid,
        kind=kind,
        org_id=org_id,
        project_id=project_id,
        environment=environment,
        payload=payload,
        progress=progress or {},
        max_attempts=max_attempts,
        now=time.time(),
    )
    return jid


def get(s: Session, job_id: str) -> JobRow | None:
    return repo.get_job(s, job_id)
