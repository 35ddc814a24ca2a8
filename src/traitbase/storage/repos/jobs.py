"""Job rows: enqueue, claim under a lease, heartbeat, checkpoint, finish; and per-line errors.

Claiming is one transaction: PostgreSQL skips rows another worker has locked
(``FOR UPDATE SKIP LOCKED``); SQLite has a single writer (``BEGIN IMMEDIATE`` plus the in-process
write lock), so its claim is serialised anyway. Every write a worker makes on behalf of a job is
conditional on ``lease_owner`` still being that worker: a worker whose lease was taken over can
no longer change the job (``LeaseLost``), which is what keeps a chunk from being applied twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from traitbase.storage.models import Job, JobLineError

PENDING, RUNNING, COMPLETED, FAILED = "pending", "running", "completed", "failed"


class LeaseLost(Exception):
    """Another worker owns this job now (our lease expired); our transaction must not commit."""


@dataclass(frozen=True)
class JobRow:
    id: str
    kind: str
    org_id: int
    project_id: str | None
    environment: str
    status: str
    payload: dict[str, Any]
    checkpoint: dict[str, Any]
    progress: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    max_attempts: int
    created_at: float
    started_at: float | None
    updated_at: float
    finished_at: float | None
    lease_owner: str | None


def _row(j: Job) -> JobRow:
    return JobRow(
        id=j.id,
        kind=j.kind,
        org_id=j.org_id,
        project_id=j.project_id,
        environment=j.environment,
        status=j.status,
        payload=dict(j.payload or {}),
        checkpoint=dict(j.checkpoint or {}),
        progress=dict(j.progress or {}),
        result=dict(j.result) if j.result is not None else None,
        error=j.error,
        attempts=j.attempts,
        max_attempts=j.max_attempts,
        created_at=j.created_at,
        started_at=j.started_at,
        updated_at=j.updated_at,
        finished_at=j.finished_at,
        lease_owner=j.lease_owner,
    )


def insert_job(
    s: Session,
    *,
    job_id: str,
    kind: str,
    org_id: int,
    project_id: str | None,
    environment: str,
    payload: dict[str, Any],
    progress: dict[str, Any],
    max_attempts: int,
    now: float,
) -> None:
    s.add(
        Job(
            id=job_id,
            kind=kind,
            org_id=org_id,
            project_id=project_id,
            environment=environment,
            status=PENDING,
            payload=payload,
            checkpoint={},
            progress=progress,
            result=None,
            error=None,
            attempts=0,
            max_attempts=max_attempts,
            run_after=now,
            lease_owner=None,
            lease_expires_at=None,
            created_at=now,
            started_at=None,
            updated_at=now,
            finished_at=None,
        )
    )
    s.flush()


def get_job(s: Session, job_id: str) -> JobRow | None:
    j = s.get(Job, job_id)
    return _row(j) if j is not None else None


def claim_next(
    s: Session, *, owner: str, kinds: Sequence[str], lease_seconds: float, now: float
) -> tuple[JobRow | None, list[JobRow]]:
    """Take the oldest runnable job: pending and due, or running with an expired lease.

    Returns (claimed job or None, jobs given up because their attempts ran out while expired).
    """
    runnable = or_(
        (Job.status == PENDING) & (Job.run_after <= now),
        (Job.status == RUNNING) & (Job.lease_expires_at < now),
    )
    q = select(Job).where(runnable, Job.kind.in_(list(kinds))).order_by(Job.created_at, Job.id).limit(8)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    exhausted: list[JobRow] = []
    for job in s.scalars(q):
        if job.status == RUNNING and job.attempts >= job.max_attempts:
            # Its worker died on every attempt: a poison job, not retried forever.
            job.status, job.lease_owner, job.lease_expires_at = FAILED, None, None
            job.error = job.error or f"gave up after {job.attempts} attempts (the worker stopped each time)"
            job.finished_at = job.updated_at = now
            exhausted.append(_row(job))
            continue
        job.status = RUNNING
        job.attempts += 1
        job.lease_owner = owner
        job.lease_expires_at = now + lease_seconds
        job.started_at = job.started_at or now
        job.updated_at = now
        s.flush()
        return _row(job), exhausted
    s.flush()
    return None, exhausted


def renew_lease(s: Session, *, job_id: str, owner: str, lease_seconds: float, now: float) -> None:
    """Extend our lease; raises LeaseLost when the job is no longer ours (this also locks the row)."""
    res = s.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
        .values(lease_expires_at=now + lease_seconds, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(job_id)


def save_progress(
    s: Session, *, job_id: str, owner: str, checkpoint: dict[str, Any], progress: dict[str, Any], now: float
) -> None:
    res = s.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == owner, Job.status == RUNNING)
        .values(checkpoint=checkpoint, progress=progress, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(job_id)


def finish(
    s: Session,
    *,
    job_id: str,
    owner: str,
    status: str,
    now: float,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "lease_owner": None,
        "lease_expires_at": None,
        "finished_at": now,
        "updated_at": now,
        "error": error,
    }
    if result is not None:
        values["result"] = result
    res = s.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(job_id)


def release(
    s: Session, *, job_id: str, owner: str, run_after: float, now: float, error: str | None, count_attempt: bool
) -> None:
    """Give the job back to the queue (a retry after a failure, or a clean shutdown)."""
    values: dict[str, Any] = {
        "status": PENDING,
        "lease_owner": None,
        "lease_expires_at": None,
        "run_after": run_after,
        "updated_at": now,
        "error": error,
    }
    if not count_attempt:
        values["attempts"] = Job.attempts - 1
    s.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def add_line_errors(s: Session, *, job_id: str, errors: Iterable[tuple[int, str, str]]) -> None:
    rows = [{"job_id": job_id, "line": line, "raw": raw, "reason": reason} for line, raw, reason in errors]
    if rows:
        s.execute(insert(JobLineError), rows)


def iter_line_errors(s: Session, *, job_id: str, batch: int = 2000) -> Iterator[tuple[int, str, str]]:
    """Failed lines in line order, read in pages so memory stays bounded."""
    after = -1
    while True:
        page = s.execute(
            select(JobLineError.line, JobLineError.raw, JobLineError.reason)
            .where(JobLineError.job_id == job_id, JobLineError.line > after)
            .order_by(JobLineError.line)
            .limit(batch)
        ).all()
        if not page:
            return
        for line, raw, reason in page:
            yield int(line), str(raw), str(reason)
        after = int(page[-1][0])


def count_line_errors(s: Session, *, job_id: str) -> int:
    return int(s.scalar(select(func.count()).where(JobLineError.job_id == job_id)) or 0)


def delete_line_errors(s: Session, *, job_id: str) -> None:
    s.execute(delete(JobLineError).where(JobLineError.job_id == job_id))
