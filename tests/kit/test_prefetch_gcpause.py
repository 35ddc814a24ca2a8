"""The chunk prefetcher and the collector pause used by imports."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from traitbase.kit.gcpause import gc_paused
from traitbase.kit.prefetch import Prefetcher


def test_prefetched_items_come_in_order_and_at_most_depth_exist_at_once() -> None:
    alive = {"now": 0, "max": 0}
    lock = threading.Lock()

    def source() -> Iterator[int]:
        for i in range(20):
            with lock:
                alive["now"] += 1
                alive["max"] = max(alive["max"], alive["now"])
            yield i

    seen = []
    with Prefetcher(source(), depth=2) as items:
        for item in items:
            seen.append(item)
            with lock:
                alive["now"] -= 1
    assert seen == list(range(20))
    assert alive["max"] <= 2


def test_an_error_in_the_source_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise ValueError("bad header")

    seen = []
    with pytest.raises(ValueError, match="bad header"), Prefetcher(source()) as items:
        for item in items:
            seen.append(item)
    assert seen == [1]


def test_leaving_early_stops_the_producer_without_reading_everything() -> None:
    produced = []

    def source() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i

    with Prefetcher(source(), depth=2) as items:
        for item in items:
            if item == 3:
                break
    assert len(produced) <= 6
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def test_nested_collector_pauses_resume_only_when_the_last_one_ends() -> None:
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_that_was_already_off_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
