"""Visit assignment as a pure function over one visitor's stored recent visits and new activity.

Why at write time, from stored state: the warehouse writer is the one place every batch passes
through, in order, so the visitor's recent visits (kept in ``tracker_visitors`` /
``tracker_visits``, not in any process's memory) are always current when a batch is assigned.
Events that arrive late or out of order are merged into the visits they fall into: a point within
``idle`` of a visit extends it, and a point that closes the gap between two visits merges them
(the later one is folded into the earlier one and its rows re-pointed). See docs/collect.md.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

MAX_PAGES = 500  # pages kept in a visit's sequence; a visit past this keeps counting, not listing
RECENT_VISITS = 16  # visits per visitor that late events may still join or merge


def key64(*parts: str) -> int:
    """A stable signed 64-bit id (BIGINT / Int64) for strings: visitor, visit and page-view keys."""
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    return int(struct.unpack("<q", digest)[0])


@dataclass
class Page:
    key: int
    time_ms: int
    url: str
    source: str


@dataclass
class Visit:
    key: int
    number: int
    start_ms: int
    end_ms: int
    events: int = 0
    pages: list[Page] = field(default_factory=list)
    changed: bool = False


@dataclass
class Assignment:
    """The outcome for one visitor: which visit each new time falls in, and what to store."""

    visit_of: list[int]  # per new activity time, in the order given
    visits: list[Visit]  # every recent visit after assignment, earliest first
    merged: dict[int, int]  # absorbed visit key -> the visit it was folded into
    visit_count: int


def assign(
    *,
    visitor_key: int,
    recent: list[Visit],
    visit_count: int,
    times: list[int],
    pages: list[Page],
    idle_ms: int,
) -> Assignment:
    """Cluster stored visits and new activity times so that no gap inside a visit exceeds ``idle_ms``."""
    if not recent and times and max(times) - min(times) <= idle_ms:
        return _one_new_visit(visitor_key, visit_count, times, pages)
    return sweep(visitor_key=visitor_key, recent=recent, visit_count=visit_count, times=times, pages=pages,
                 idle_ms=idle_ms)  # fmt: skip


def sweep(
    *,
    visitor_key: int,
    recent: list[Visit],
    visit_count: int,
    times: list[int],
    pages: list[Page],
    idle_ms: int,
) -> Assignment:
    """The general assignment: stored visits as intervals, new times as points, swept once in time order."""
    older = max(0, visit_count - len(recent))
    # Items: stored visits as intervals, new times as points; sorted by start, swept once.
    items: list[tuple[int, int, int, Visit | None]] = [(v.start_ms, v.end_ms, -1, v) for v in recent]
    items += [(t, t, i, None) for i, t in enumerate(times)]
    items.sort(key=lambda it: (it[0], it[1], it[2]))
    clusters: list[tuple[list[Visit], list[int], list[int]]] = []  # (stored visits, point indexes, [start, end])
    for start, end, idx, visit in items:
        if not clusters or start > clusters[-1][2][1] + idle_ms:
            clusters.append(([], [], [start, end]))
        stored, points, span = clusters[-1]
        span[1] = max(span[1], end)
        if visit is not None:
            stored.append(visit)
        else:
            points.append(idx)
    visit_of = [0] * len(times)
    merged: dict[int, int] = {}
    visits: list[Visit] = []
    for n, (stored, points, span) in enumerate(clusters):
        if stored:
            head = stored[0]
            for other in stored[1:]:
                merged[other.key] = head.key
                head.pages.extend(other.pages)
                head.events += other.events
                head.changed = True
        else:
            head = Visit(key=key64(str(visitor_key), str(span[0])), number=0, start_ms=span[0], end_ms=span[1])
        if points or head.start_ms != span[0] or head.end_ms != span[1]:
            head.changed = True
        head.start_ms, head.end_ms = span[0], span[1]
        head.events += len(points)
        for i in points:
            visit_of[i] = head.key
        number = older + n + 1
        if head.number != number:
            head.number, head.changed = number, True
        visits.append(head)
    _place_pages(visits, pages)
    return Assignment(visit_of=visit_of, visits=visits, merged=merged, visit_count=older + len(clusters))


def _one_new_visit(visitor_key: int, visit_count: int, times: list[int], pages: list[Page]) -> Assignment:
    """The common case, without the sweep: no recent visit, and all new times within one idle gap.

    The result is the sweep's for this input: one cluster spanning the times, numbered after the
    visits the visitor had, holding every new page (all inside the span) in time order.
    """
    start, end = min(times), max(times)
    visit = Visit(key=key64(str(visitor_key), str(start)), number=visit_count + 1, start_ms=start, end_ms=end,
                  events=len(times), changed=True)  # fmt: skip
    _place_pages([visit], pages)
    return Assignment(visit_of=[visit.key] * len(times), visits=[visit], merged={}, visit_count=visit_count + 1)


def _place_pages(visits: list[Visit], pages: list[Page]) -> None:
    """Put new page views into the visit whose span holds them; keep each sequence in time order."""
    for page in pages:
        for v in visits:
            if v.start_ms <= page.time_ms <= v.end_ms:
                if all(p.key != page.key for p in v.pages) and len(v.pages) < MAX_PAGES:
                    v.pages.append(page)
                    v.changed = True
                break
    for v in visits:
        if v.changed:
            v.pages.sort(key=lambda p: (p.time_ms, p.key))


def entry_source(v: Visit) -> str:
    """A visit's source is its entrance's; an internal or unknown entrance is Direct."""
    return (v.pages[0].source if v.pages else "") or "Direct"
