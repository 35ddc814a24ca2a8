"""The worker loop: claim a job under a lease, keep the lease alive, run its handler, record the end.

A worker is a thread; ``WorkerPool`` runs a few of them (inside ``traitbase serve`` or a
``traitbase worker`` process). Leases make crashes safe: a job whose worker died is claimed
again once its lease expires, and resumes from the checkpoint its handler last committed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy.orm import Session

from traitbase.domain.jobs import Interrupted, JobFailed
from traitbase.jobs.registry import Resources, handler_for, kinds, load_handlers
from traitbase.storage.repos import jobs as repo
from traitbase.storage.repos.jobs import COMPLETED, FAILED, JobRow, LeaseLost

log = logging.getLogger(__name__)


class JobRun:
    """A job claimed by one worker: the ``JobContext`` its handler sees."""

    def __init__(self, job: JobRow, *, owner: str, resources: Resources, stop: threading.Event) -> None:
        self._job = job
        self.owner = owner
        self.res = resources
        self._stop = stop
        self.lost = threading.Event()

    @property
    def job(self) -> JobRow:
        return self._job

    @property
    def lease_seconds(self) -> float:
        return self.res.settings.job_lease_seconds

    @contextmanager
    def step(self) -> Iterator[Session]:
        with self.res.db.uow() as s:
            # First statement of the transaction: on PostgreSQL it also locks the job row, so
            # nobody can take the job over while this step's changes are being made.
            try:
                self._renew(s)
            except LeaseLost:
                self.lost.set()
                raise
            yield s

    def read(self) -> AbstractContextManager[Session]:
        return self.res.db.read()

    def _renew(self, s: Session) -> None:
        repo.renew_lease(s, job_id=self._job.id, owner=self.owner, lease_seconds=self.lease_seconds, now=time.time())

    def save(self, s: Session, *, checkpoint: dict[str, Any], progress: dict[str, Any]) -> None:
        repo.save_progress(
            s, job_id=self._job.id, owner=self.owner, checkpoint=checkpoint, progress=progress, now=time.time()
        )

    def should_stop(self) -> bool:
        return self._stop.is_set() or self.lost.is_set()

    def heartbeat(self) -> None:
        try:
            with self.res.db.uow() as s:
                self._renew(s)
        except LeaseLost:
            log.warning("job %s: lease lost to another worker", self._job.id)
            self.lost.set()


class Worker:
    """Claims and runs jobs one at a time until stopped."""

    def __init__(self, resources: Resources, *, name: str, stop: threading.Event, wake: threading.Event) -> None:
        self.res = resources
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{name}:{uuid.uuid4().hex[:8]}"[:64]
        self._stop = stop
        self._wake = wake

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_one()
            except Exception:
                log.exception("worker %s: claiming failed", self.owner)
                ran = False
            if not ran:
                self._wake.wait(self.res.settings.job_poll_seconds)
                self._wake.clear()

    def run_until_idle(self) -> int:
        """Run jobs until none is runnable now; returns how many were run."""
        n = 0
        while not self._stop.is_set() and self.run_one():
            n += 1
        return n

    def claim(self) -> JobRow | None:
        s_lease = self.res.settings.job_lease_seconds
        with self.res.db.uow() as s:
            job, exhausted = repo.claim_next(s, owner=self.owner, kinds=kinds(), lease_seconds=s_lease, now=time.time())
        for dead in exhausted:
            log.error("job %s (%s) failed: %s", dead.id, dead.kind, dead.error)
        return job

    def run_one(self) -> bool:
        job = self.claim()
        if job is None:
            return False
        run = JobRun(job, owner=self.owner, resources=self.res, stop=self._stop)
        beat_stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(run, beat_stop), name=f"lease-{job.id[:8]}", daemon=True)
        beat.start()
        try:
            self._execute(run)
        finally:
            beat_stop.set()
            beat.join()
        return True

    def _beat(self, run: JobRun, done: threading.Event) -> None:
        every = max(0.05, self.res.settings.job_lease_seconds / 3)
        while not done.wait(every):
            run.heartbeat()
            if run.lost.is_set():
                return

    def _execute(self, run: JobRun) -> None:
        job = run.job
        try:
            result = handler_for(job.kind)(run, self.res)
        except LeaseLost:
            log.warning("job %s: stopped, another worker owns it now", job.id)
            return
        except Interrupted:
            self._settle(job, release_after=0.0, error=None, count_attempt=False)
            return
        except JobFailed as exc:
            self._settle(job, status=FAILED, error=str(exc))
            return
        except Exception as exc:
            log.exception("job %s (%s) attempt %d failed", job.id, job.kind, job.attempts)
            reason = f"{type(exc).__name__}: {exc}"
            if job.attempts >= job.max_attempts:
                self._settle(job, status=FAILED, error=reason)
            else:
                delay = self.res.settings.job_retry_backoff_seconds * 2 ** (job.attempts - 1)
                self._settle(job, release_after=delay, error=reason, count_attempt=True)
            return
        self._settle(job, status=COMPLETED, result=result)

    def _settle(
        self,
        job: JobRow,
        *,
        status: str | None = None,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        release_after: float = 0.0,
        count_attempt: bool = True,
    ) -> None:
        """Record how the attempt ended: finished (``status``) or released back to the queue."""
        now = time.time()
        try:
            with self.res.db.uow() as s:
                if status is not None:
                    repo.finish(s, job_id=job.id, owner=self.owner, status=status, now=now, result=result, error=error)
                else:
                    repo.release(
                        s,
                        job_id=job.id,
                        owner=self.owner,
                        run_after=now + release_after,
                        now=now,
                        error=error,
                        count_attempt=count_attempt,
                    )
        except LeaseLost:
            log.warning("worker %s: job %s was taken over before it could be settled", self.owner, job.id)


class WorkerPool:
    """``count`` worker threads sharing a stop flag; ``wake()`` makes idle ones look for work now."""

    def __init__(self, resources: Resources, *, count: int) -> None:
        load_handlers()
        self.res = resources
        self.count = count
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.count):
            w = Worker(self.res, name=f"w{i}", stop=self._stop, wake=self._wake)
            t = threading.Thread(target=w.run_forever, name=f"job-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask running jobs to stop at their next checkpoint, then wait for the threads."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
