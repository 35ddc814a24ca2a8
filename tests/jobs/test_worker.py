"""The worker loop on SQLite and PostgreSQL: claim, complete, retry, fail, interrupt, lease takeover."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from traitbase.domain import jobs as domain_jobs
from traitbase.domain.jobs import Interrupted, JobContext, JobFailed
from traitbase.jobs.registry import Resources, register_job_kind
from traitbase.jobs.runner import JobRun, Worker, WorkerPool
from traitbase.storage.repos import jobs as repo
from traitbase.storage.repos.jobs import LeaseLost

CALLS: list[tuple[str, str]] = []


def _count_to_three(run: JobContext, res: Resources) -> dict[str, Any]:
    """Resumable: counts in steps, one checkpoint per step; stops when asked."""
    n = int(run.job.checkpoint.get("n", 0))
    while n < 3:
        if run.should_stop():
            raise Interrupted
        with run.step() as s:
            n += 1
            run.save(s, checkpoint={"n": n}, progress={"done": n})
    return {"counted": n, "who": run.job.payload["who"]}


def _always_breaks(run: JobContext, res: Resources) -> None:
    raise RuntimeError("disk on fire")


def _bad_input(run: JobContext, res: Resources) -> None:
    raise JobFailed("the file is not there")


def _record(run: JobContext, res: Resources) -> None:
    CALLS.append((run.job.id, run.job.lease_owner or ""))
    time.sleep(0.01)


register_job_kind("test_count", _count_to_three)
register_job_kind("test_breaks", _always_breaks)
register_job_kind("test_bad_input", _bad_input)
register_job_kind("test_record", _record)


def _enqueue(res: Resources, kind: str, *, max_attempts: int = 5, payload: dict[str, Any] | None = None) -> str:
    with res.db.uow() as s:
        return domain_jobs.enqueue(
            s,
            kind=kind,
            org_id=1,
            project_id="abcdef12",
            environment="production",
            payload=payload or {"who": "tests"},
            max_attempts=max_attempts,
        )


def _job(res: Resources, job_id: str) -> repo.JobRow:
    with res.db.read() as s:
        job = repo.get_job(s, job_id)
    assert job is not None
    return job


def _worker(res: Resources, name: str = "w", stop: threading.Event | None = None) -> Worker:
    return Worker(res, name=name, stop=stop or threading.Event(), wake=threading.Event())


def _summary(job: repo.JobRow) -> dict[str, Any]:
    return {
        "status": job.status,
        "attempts": job.attempts,
        "checkpoint": job.checkpoint,
        "progress": job.progress,
        "result": job.result,
        "error": job.error,
        "lease_owner": job.lease_owner,
    }


def test_a_job_runs_to_completion_with_its_result_and_counters(sqlite_res: Resources) -> None:
    jid = _enqueue(sqlite_res, "test_count", payload={"who": "ada"})
    assert _job(sqlite_res, jid).status == "pending"
    assert _worker(sqlite_res).run_until_idle() == 1
    assert _summary(_job(sqlite_res, jid)) == {
        "status": "completed",
        "attempts": 1,
        "checkpoint": {"n": 3},
        "progress": {"done": 3},
        "result": {"counted": 3, "who": "ada"},
        "error": None,
        "lease_owner": None,
    }


def test_a_failing_handler_is_retried_then_marked_failed(sqlite_res: Resources) -> None:
    jid = _enqueue(sqlite_res, "test_breaks", max_attempts=2)
    assert _worker(sqlite_res).run_until_idle() == 2
    assert _summary(_job(sqlite_res, jid)) == {
        "status": "failed",
        "attempts": 2,
        "checkpoint": {},
        "progress": {},
        "result": None,
        "error": "RuntimeError: disk on fire",
        "lease_owner": None,
    }


def test_a_job_failed_error_ends_the_job_without_retry(sqlite_res: Resources) -> None:
    jid = _enqueue(sqlite_res, "test_bad_input")
    assert _worker(sqlite_res).run_until_idle() == 1
    job = _job(sqlite_res, jid)
    assert (job.status, job.attempts, job.error) == ("failed", 1, "the file is not there")


def test_a_stopping_worker_releases_its_job_which_resumes_from_the_checkpoint(sqlite_res: Resources) -> None:
    jid = _enqueue(sqlite_res, "test_count")
    stop = threading.Event()
    worker = _worker(sqlite_res, stop=stop)
    job = worker.claim()
    assert job is not None
    run = JobRun(job, owner=worker.owner, resources=sqlite_res, stop=stop)
    with run.step() as s:
        run.save(s, checkpoint={"n": 2}, progress={"done": 2})
    stop.set()
    worker._execute(run)
    assert _summary(_job(sqlite_res, jid)) == {
        "status": "pending",
        "attempts": 0,
        "checkpoint": {"n": 2},
        "progress": {"done": 2},
        "result": None,
        "error": None,
        "lease_owner": None,
    }
    assert _worker(sqlite_res).run_until_idle() == 1
    assert _job(sqlite_res, jid).result == {"counted": 3, "who": "tests"}


def _takeover(res: Resources) -> None:
    """Worker A's lease expires; worker B claims the job; A can no longer write for it."""
    jid = _enqueue(res, "test_count")
    a, b = _worker(res, "a"), _worker(res, "b")
    job_a = a.claim()
    assert job_a is not None
    run_a = JobRun(job_a, owner=a.owner, resources=res, stop=threading.Event())
    assert b.claim() is None  # the lease is still valid
    with res.db.uow() as s:
        repo.renew_lease(s, job_id=jid, owner=a.owner, lease_seconds=-1.0, now=time.time())
    job_b = b.claim()
    assert job_b is not None
    assert (job_b.id, job_b.attempts, job_b.lease_owner) == (jid, 2, b.owner)
    with pytest.raises(LeaseLost), run_a.step() as s:
        run_a.save(s, checkpoint={"n": 99}, progress={})
    assert run_a.should_stop()
    b._execute(JobRun(job_b, owner=b.owner, resources=res, stop=threading.Event()))
    assert _job(res, jid).result == {"counted": 3, "who": "tests"}


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_write_sqlite(sqlite_res: Resources) -> None:
    _takeover(sqlite_res)


@pytest.mark.postgres
def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_write_postgres(pg_res: Resources) -> None:
    _takeover(pg_res)


def test_a_job_whose_worker_died_on_every_attempt_is_failed(sqlite_res: Resources) -> None:
    jid = _enqueue(sqlite_res, "test_count", max_attempts=1)
    assert _worker(sqlite_res, "dies").claim() is not None
    with sqlite_res.db.uow() as s:
        s.execute(repo.update(repo.Job).where(repo.Job.id == jid).values(lease_expires_at=0.0))
    assert _worker(sqlite_res).run_until_idle() == 0
    job = _job(sqlite_res, jid)
    assert (job.status, job.error) == ("failed", "gave up after 1 attempts (the worker stopped each time)")


@pytest.mark.postgres
def test_two_worker_pools_on_postgres_never_run_the_same_job(pg_res: Resources, tmp_path: Any) -> None:
    from tests.jobs.conftest import resources_for

    CALLS.clear()
    ids = {_enqueue(pg_res, "test_record") for _ in range(40)}
    other = resources_for(tmp_path / "second", database_url=pg_res.settings.database_url)
    second = next(other)
    pools = [WorkerPool(pg_res, count=2), WorkerPool(second, count=2)]
    for p in pools:
        p.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with pg_res.db.read() as s:
            statuses = {repo.get_job(s, i).status for i in ids}  # type: ignore[union-attr]
        if statuses == {"completed"}:
            break
        time.sleep(0.1)
    for p in pools:
        p.stop()
    next(other, None)
    assert sorted(jid for jid, _ in CALLS) == sorted(ids)
    assert len({owner for _, owner in CALLS}) > 1
