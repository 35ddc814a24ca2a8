"""Visit assignment (pure): idle gaps, late and out-of-order events, merging, numbering."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from traitbase.domain.collect.visits import Assignment, Page, Visit, assign, sweep

MIN = 60_000
IDLE = 30 * MIN


def step(prior: Assignment | None, times: list[int], pages: tuple[Page, ...] = ()) -> Assignment:
    return assign(
        visitor_key=7,
        recent=prior.visits if prior else [],
        visit_count=prior.visit_count if prior else 0,
        times=times,
        pages=list(pages),
        idle_ms=IDLE,
    )


def spans(a: Assignment) -> list[tuple[int, int, int, list[int]]]:
    return [(v.number, v.start_ms // MIN, v.end_ms // MIN, [p.key for p in v.pages]) for v in a.visits]


def page(key: int, minute: int) -> Page:
    return Page(key=key, time_ms=minute * MIN, url=f"/p{key}", source="Direct")


def test_a_gap_longer_than_the_idle_time_starts_a_new_visit() -> None:
    a = step(None, [0, 10 * MIN, 41 * MIN], (page(1, 0), page(2, 10), page(3, 41)))
    assert spans(a) == [(1, 0, 10, [1, 2]), (2, 41, 41, [3])]
    assert a.visit_count == 2
    assert a.visit_of[0] == a.visit_of[1] != a.visit_of[2]


def test_three_batches_out_of_order_make_one_visit() -> None:
    a = step(None, [20 * MIN], (page(3, 20),))
    b = step(a, [0], (page(1, 0),))
    c = step(b, [10 * MIN], (page(2, 10),))
    assert spans(c) == [(1, 0, 20, [1, 2, 3])]
    assert c.visit_count == 1
    assert a.visit_of[0] == b.visit_of[0] == c.visit_of[0]


def test_a_late_event_that_closes_a_gap_merges_two_visits() -> None:
    a = step(None, [0, 50 * MIN], (page(1, 0), page(2, 50)))
    assert a.visit_count == 2
    first, second = a.visits[0].key, a.visits[1].key
    b = step(a, [25 * MIN])
    assert spans(b) == [(1, 0, 50, [1, 2])]
    assert b.merged == {second: first}
    assert b.visit_of == [first]
    assert b.visit_count == 1


def test_an_early_late_event_renumbers_later_visits() -> None:
    a = step(None, [100 * MIN], (page(2, 100),))
    b = step(a, [0], (page(1, 0),))
    assert spans(b) == [(1, 0, 0, [1]), (2, 100, 100, [2])]
    assert b.visit_count == 2


def test_visits_older_than_the_recent_ones_count_in_the_number() -> None:
    recent = [Visit(key=99, number=5, start_ms=0, end_ms=MIN, events=1)]
    a = assign(visitor_key=7, recent=recent, visit_count=5, times=[90 * MIN], pages=[], idle_ms=IDLE)
    assert [(v.key == 99, v.number) for v in a.visits] == [(True, 5), (False, 6)]
    assert a.visit_count == 6


@settings(max_examples=300, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=5),
    minutes=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
    page_at=st.lists(st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=11)),
                     max_size=6),
)  # fmt: skip
def test_the_one_new_visit_shortcut_gives_the_sweeps_answer(
    count: int, minutes: list[int], page_at: list[tuple[int, int]]
) -> None:
    # A visitor with no recent visit whose new times fit in one idle gap takes the shortcut; any
    # other input takes the sweep. Both must agree wherever the shortcut applies.
    times = [m * MIN for m in minutes]
    pages = [page(key, minutes[i % len(minutes)]) for key, i in page_at]
    args = {"visitor_key": 7, "recent": [], "visit_count": count, "times": times, "idle_ms": IDLE}
    fast = assign(**args, pages=list(pages))
    slow = sweep(**args, pages=list(pages))
    assert (fast.visit_of, fast.merged, fast.visit_count) == (slow.visit_of, slow.merged, slow.visit_count)
    assert [(v.key, v.number, v.start_ms, v.end_ms, v.events, v.pages) for v in fast.visits] == [
        (v.key, v.number, v.start_ms, v.end_ms, v.events, v.pages) for v in slow.visits
    ]
