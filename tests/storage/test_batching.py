"""The one group-commit queue under both embedded writers: grouping, per-request failure, close."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import pytest

from traitbase.errors import Unavailable
from traitbase.storage.batching import Failed, GroupCommitQueue


def test_requests_queued_together_commit_as_one_group() -> None:
    groups: list[list[int]] = []
    gate = threading.Event()

    def apply(batch: list[int]) -> list[int]:
        gate.wait(5)
        groups.append(list(batch))
        return [x * 10 for x in batch]

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100)
    futures = [q.submit(i) for i in range(5)]
    gate.set()
    assert [f.result(5) for f in futures] == [0, 10, 20, 30, 40]
    q.close()
    # The first request may have been taken alone before the others arrived; the rest share a commit.
    assert sum(len(g) for g in groups) == 5 and len(groups) <= 2


def test_a_failed_request_fails_alone() -> None:
    def apply(batch: list[int]) -> list[object]:
        return [Failed(ValueError(f"bad {x}")) if x == 2 else x for x in batch]

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100)
    futures = [q.submit(i) for i in range(4)]
    assert futures[0].result(5) == 0 and futures[3].result(5) == 3
    with pytest.raises(ValueError, match="bad 2"):
        futures[2].result(5)
    q.close()


def test_a_group_that_raises_is_retried_one_request_at_a_time() -> None:
    gate = threading.Event()
    seen: list[list[int]] = []

    def apply(batch: list[int]) -> list[int]:
        gate.wait(5)
        seen.append(list(batch))
        if 7 in batch:
            raise RuntimeError("poison")
        return batch

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100)
    blocker = q.submit(0)  # holds the writer until the rest are queued behind it
    futures = [q.submit(x) for x in (5, 7, 9)]
    gate.set()
    assert blocker.result(5) == 0
    assert futures[0].result(5) == 5 and futures[2].result(5) == 9
    with pytest.raises(RuntimeError, match="poison"):
        futures[1].result(5)
    # The poisoned group held 7 with others; after it failed, 7 ran alone.
    assert any(7 in g and len(g) > 1 for g in seen) and [7] in seen
    q.close()


def test_weight_caps_a_group() -> None:
    gate = threading.Event()
    groups: list[list[int]] = []

    def apply(batch: list[int]) -> list[int]:
        gate.wait(5)
        groups.append(list(batch))
        return batch

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100, max_weight=10, weight=lambda x: x)
    first = q.submit(1)
    rest = [q.submit(4) for _ in range(6)]
    gate.set()
    first.result(5)
    for f in rest:
        f.result(5)
    q.close()
    # A group stops taking requests once its weight reaches the cap.
    assert all(sum(g) - g[-1] < 10 for g in groups)
    assert sum(len(g) for g in groups) == 7 and len(groups) >= 2


def test_submit_during_close_is_answered_never_left_waiting() -> None:
    """A request racing close() either runs before the writer stops or is refused with 503 at once."""
    release = threading.Event()

    def apply(batch: list[int]) -> list[int]:
        release.wait(5)
        return batch

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=4)
    busy = q.submit(-1)
    accepted: list[Future[object]] = []
    refused: list[int] = []
    stop_submitting = threading.Event()

    def submitter() -> None:
        i = 0
        while not stop_submitting.is_set() and i < 10_000:
            try:
                accepted.append(q.submit(i))
            except Unavailable:
                refused.append(i)
                return
            i += 1

    t = threading.Thread(target=submitter)
    t.start()
    closer = threading.Thread(target=q.close)
    closer.start()
    release.set()
    closer.join(10)
    stop_submitting.set()
    t.join(10)
    assert not closer.is_alive()
    assert busy.result(5) == -1
    for f in accepted:
        f.result(5)  # raises TimeoutError if any accepted request was stranded behind the stop marker
    assert refused, "submissions after close() are refused"
    with pytest.raises(Unavailable):
        q.submit(1)


def test_linger_fills_a_group_up_to_its_limit() -> None:
    """Requests submitted one after another share one commit while the writer lingers (never waits longer)."""
    groups: list[list[int]] = []

    def apply(batch: list[int]) -> list[int]:
        groups.append(batch)
        return batch

    # A linger far longer than the test: the group is committed because it is full, not by the clock.
    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=3, linger=600.0)
    futures = [q.submit(i) for i in range(3)]
    assert [f.result(timeout=30) for f in futures] == [0, 1, 2]
    q.close()
    assert groups == [[0, 1, 2]]


def test_awaited_requests_are_settled_on_their_loop_once_per_group() -> None:
    gate = threading.Event()
    groups: list[list[int]] = []

    def apply(batch: list[int]) -> list[object]:
        gate.wait(5)
        groups.append(list(batch))
        return [Failed(ValueError("bad 3")) if x == 3 else x * 10 for x in batch]

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100)

    async def main() -> tuple[list[object], int]:
        loop = asyncio.get_running_loop()
        calls = 0
        threadsafe = loop.call_soon_threadsafe

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return threadsafe(*args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign,assignment]
        blocker = q.submit_async(0)  # holds the writer until the rest are queued behind it
        waiting = [q.submit_async(x) for x in (1, 2, 3, 4)]
        gate.set()
        await blocker
        got = await asyncio.gather(*waiting, return_exceptions=True)
        return got, calls

    got, calls = asyncio.run(main())
    q.close()
    assert got[:2] == [10, 20] and got[3] == 40
    assert isinstance(got[2], ValueError) and str(got[2]) == "bad 3"
    # One call into the loop per group commit, however many requests the group held.
    assert calls == len(groups) and sum(len(g) for g in groups) == 5 and len(groups) <= 2


def test_an_awaited_request_whose_waiter_gave_up_does_not_stop_the_rest() -> None:
    gate = threading.Event()

    def apply(batch: list[int]) -> list[int]:
        gate.wait(5)
        return batch

    q: GroupCommitQueue[int] = GroupCommitQueue(apply, name="t", max_items=100)

    async def main() -> list[int]:
        blocker = q.submit_async(0)
        gone, kept = q.submit_async(1), q.submit_async(2)
        gone.cancel()  # e.g. the client disconnected; its write still commits
        gate.set()
        return [await blocker, await kept]

    assert asyncio.run(main()) == [0, 2]
    q.close()
