"""Stage a received file in the blob store, then start the job that reads it — cleanup handled once.

Every route that receives a file does the same three things: stream the body to a new blob,
commit the job (or load) row that will read it, and delete the blob if anything fails before
that commit. Doing it here means one rule for all of them: any failure — a refused form, a
database error, the client going away (cancellation) — deletes the blob, the delete runs off
the event loop and is shielded from cancellation, and database work never runs on the loop.
Once the job row is committed the job owns the blob, and in-process workers are woken.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
from starlette.concurrency import run_in_threadpool

from traitbase.context import AppContext

T = TypeVar("T")


class Stage:
    def __init__(self, ctx: AppContext, key: str) -> None:
        self.ctx = ctx
        self.key = key
        self.touched = False  # a write was attempted: there may be something to delete
        self.size: int | None = None
        self.md5: str | None = None
        self.kept = False  # the blob now belongs to a committed job or upload row
        self.job_started = False

    @property
    def stored(self) -> bool:
        return self.size is not None

    async def receive(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> int:
        """Stream ``chunks`` into the blob (fsynced); returns its size. Over ``max_bytes``: 413."""
        self.touched = True
        info = await self.ctx.blobs.put_async(self.key, chunks, max_bytes=max_bytes)
        self.size, self.md5 = info.size, info.md5
        return info.size

    async def start(self, commit: Callable[[], T]) -> T:
        """Run ``commit`` (opens its own unit of work, enqueues the job) off the loop; the job then owns the blob."""
        result = await run_in_threadpool(commit)
        self.kept = self.job_started = True
        return result

    async def keep(self, commit: Callable[[], T]) -> T:
        """Like ``start`` for a file that no job reads yet (an upload grant); nothing is woken."""
        result = await run_in_threadpool(commit)
        self.kept = True
        return result


@asynccontextmanager
async def staged_file(ctx: AppContext, key: str) -> AsyncIterator[Stage]:
    stage = Stage(ctx, key)
    try:
        yield stage
    finally:
        if stage.touched and not stage.kept:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(ctx.blobs.delete, key)
    if stage.job_started:
        ctx.wake_workers()
