"""Visit assignment (pure): idle gaps, late and out-of-order events, merging, numbering."""

from __future__ import annotations

from traitbase.domain.collect.visits import Assignment, Page, Visit, assign

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
