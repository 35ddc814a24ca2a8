"""Profile imports: the job a worker runs (chunked, each chunk committed with its checkpoint)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy.orm import Session

from traitbase.domain import blobkeys
from traitbase.domain.imports import fold, sortedrun
from traitbase.domain.imports.fold import Folded, FoldPool
from traitbase.domain.imports.ops import Applier
from traitbase.domain.imports.parse import FORMATS, ImportLimits
from traitbase.domain.imports.service import COUNTERS, ImportTarget
from traitbase.domain.jobs import Interrupted, JobContext, JobFailed
from traitbase.kit.gcpause import gc_paused
from traitbase.kit.prefetch import Prefetcher
from traitbase.storage import importsort
from traitbase.storage.blobs import BlobStore
from traitbase.storage.repos import jobs as job_repo
from traitbase.storage.repos import profiles as profile_repo

# Chunks between full runs of the cyclic collector while an import runs (it is paused).
_COLLECT_EVERY = 16


def run_profile_import(
    run: JobContext, *, blobs: BlobStore, limits: ImportLimits, sort: SortPlace | None = None
) -> dict[str, Any]:
    """Apply the job's file; with ``sort``, a JSON Lines file is applied customer by customer (``sortedrun``)."""
    job = run.job
    payload, cp = job.payload, dict(job.checkpoint)
    target = ImportTarget(org_id=job.org_id, project_id=job.project_id, environment=job.environment)
    counters = {k: int(job.progress.get(k, 0)) for k in COUNTERS}
    # A job begun in file order (an offset in its checkpoint) finishes in file order.
    by_customer = sort is not None and payload["format"] == "json" and ("sorted" in cp or not cp.get("offset"))
    work_dir = sort.root / job.id if sort is not None else None
    if not cp.get("done"):
        if not blobs.exists(payload["blob"]):
            if work_dir is not None:
                importsort.remove(work_dir)
            raise JobFailed("the uploaded file is missing from storage")
        applier = Applier(max_value_length=limits.max_value_length, max_attr_length=limits.max_attr_length)
        with blobs.open(payload["blob"]) as fh, ExitStack() as stack:
            source: Iterator[tuple[Any, dict[str, Any]]]
            pool: FoldPool | None = None
            if by_customer and sort is not None and work_dir is not None:
                start, rows = _prepare_sorted(
                    run, fh, cp, counters, work_dir=work_dir, limits=limits, memory_mb=sort.memory_mb
                )
                if sort.processes > 1 and rows - start > fold.APART_AFTER_LINES:
                    lines = importsort.lines_path(work_dir)
                    pool = stack.enter_context(FoldPool(limits, helpers=sort.processes - 1, lines=lines))
                    source = sortedrun.positions(work_dir, start=start, rows=rows, limits=limits)
                else:
                    parts = sortedrun.chunks(work_dir, start=start, rows=rows, limits=limits)
                    source = ((p.chunk, p.checkpoint) for p in parts)
            else:
                fmt = FORMATS[payload["format"]](limits, cp, payload.get("options", {}))
                start, first_line = int(cp.get("offset", 0)), int(cp.get("line", 1))
                source = (
                    (c, dict(offset=c.end, line=c.next_line, **c.state))
                    for c in fmt.chunks(fh, start=start, first_line=first_line)
                )
            # The next chunk is read (and decoded, without helpers) in a thread while this one is
            # applied. Reading, decoding and applying allocate many short-lived containers without
            # reference cycles, so the cyclic collector is paused for the whole loop (see
            # ``gcpause``) and run explicitly after each chunk, on the young generations only (a
            # full collection every few chunks): resumed after every chunk, its automatic runs
            # traversed the chunks' live objects again and again (about 9 % of an import).
            chunks = stack.enter_context(Prefetcher(source, around=gc_paused, name=f"import-{job.id[:8]}"))
            stack.enter_context(gc_paused())
            items = iter(chunks)
            current = next(items, None)
            started = pool.start(current[0]) if pool is not None and current is not None else None
            n = 0
            while current is not None:
                item, after = current
                n += 1
                if run.should_stop():
                    raise Interrupted
                prepared = pool.finish(started) if pool is not None and started is not None else None
                # With helpers the next chunk's positions are taken now, so the helpers can decode
                # it while this chunk is written (``PreparedChunk.fold``).
                upcoming = next(items, None) if prepared is not None else None
                with run.step() as s:
                    load = _loader(s, target)
                    if prepared is not None:
                        ahead = upcoming[0] if upcoming is not None else None
                        folded, started = prepared.fold(load, applier, ahead)
                    else:
                        folded = fold.fold([item], load(item.user_ids()), applier)
                    _store(s, folded, target=target, counters=counters)
                    job_repo.add_line_errors(s, job_id=job.id, errors=_error_rows(folded.errors, limits))
                    cp.update(after)
                    run.save(s, checkpoint=cp, progress=counters)
                current = upcoming if prepared is not None else next(items, None)
                del item, prepared, folded
                # The young generations hold little but the chunk's leftovers (the database
                # driver's results form reference cycles that keep a chunk's documents alive).
                gc.collect() if n % _COLLECT_EVERY == 0 else gc.collect(1)
        cp["done"] = True
    if work_dir is not None:
        importsort.remove(work_dir)
    if counters["failed"] and not cp.get("error_log"):
        cp["error_log"] = _write_error_log(run, blobs)
    with run.step() as s:
        job_repo.delete_line_errors(s, job_id=job.id)
        run.save(s, checkpoint=cp, progress=counters)
    return {"error_log": cp.get("error_log")}


@dataclass(frozen=True)
class SortPlace:
    """Where a worker sorts import files (a directory under the data directory) and DuckDB's memory for it."""

    root: Path
    memory_mb: int
    # Processes that apply a big sorted import (the worker and ``processes - 1`` helpers; ``fold``).
    processes: int = 1


def _prepare_sorted(
    run: JobContext,
    fh: BinaryIO,
    cp: dict[str, Any],
    counters: dict[str, int],
    *,
    work_dir: Path,
    limits: ImportLimits,
    memory_mb: int,
) -> tuple[int, int]:
    """Sort the file (kept until the job is done, so a resumed job reuses it): (start position, lines)."""
    before = cp.get("sorted")
    rows = sortedrun.ensure_sorted(
        fh,
        work_dir=work_dir,
        limits=limits,
        memory_mb=memory_mb,
        expect=None if before is None else int(before["rows"]),
    )
    if before is None:
        cp["sorted"] = {"rows": rows, "done": 0}
        with run.step() as s:
            run.save(s, checkpoint=cp, progress=counters)
    return int(cp["sorted"]["done"]), rows


def _loader(s: Session, target: ImportTarget) -> Callable[[set[str]], Mapping[str, str]]:
    """The stored documents of a chunk's users, read in the chunk's transaction."""

    def load(uids: set[str]) -> Mapping[str, str]:
        return profile_repo.load_documents(
            s, org_id=target.org_id, scope=target.scope, environment=target.environment, user_ids=uids
        )

    return load


def _store(s: Session, folded: Folded, *, target: ImportTarget, counters: dict[str, int]) -> None:
    counters["total"] += folded.total
    counters["parsed"] += folded.parsed
    counters["failed"] += len(folded.errors)
    counters["successful"] = counters["total"] - counters["failed"]
    profile_repo.replace_attributes(
        s,
        org_id=target.org_id,
        scope=target.scope,
        environment=target.environment,
        rows=folded.rows,
        now=time.time(),
    )


def _error_rows(errors: list[tuple[int, bytes, str]], limits: ImportLimits) -> Iterator[tuple[int, str, str]]:
    for number, raw, reason in errors:
        yield number, raw.decode("utf-8", "replace")[: limits.error_line_max_chars], reason


def _write_error_log(run: JobContext, blobs: BlobStore) -> str:
    """Stream the job's failed lines into a JSON Lines blob: {"line", "raw", "reason"} per line."""
    key = blobkeys.profile_import_errors(run.job.id)

    def lines() -> Iterator[bytes]:
        with run.read() as s:
            for number, raw, reason in job_repo.iter_line_errors(s, job_id=run.job.id):
                yield orjson.dumps({"line": number, "raw": raw, "reason": reason}) + b"\n"

    blobs.put_stream(key, lines())
    return key
