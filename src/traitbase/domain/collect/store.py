"""The write path of tracker rows: visits assigned and every table written once per group commit.

A request submits its ``Payload`` (rows.py); the warehouse writer calls ``write_group`` once per
group commit with every payload of the group: it loads the visitors' stored state, drops
retried batches, assigns visits (``visits.assign``), folds merged visits, and inserts each
table once. A 204 is sent only after that commit is durable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING, Any

from traitbase.domain.collect.rows import ROW_FIELDS, Payload
from traitbase.domain.collect.statecache import CACHE_NAME, Held, VisitorStateCache
from traitbase.domain.collect.visits import RECENT_VISITS, Assignment, Page, Visit, assign, entry_source
from traitbase.storage.warehouse import collect as tables
from traitbase.storage.warehouse.base import WriteOp, WriteTx
from traitbase.storage.warehouse.collect import VisitorState

if TYPE_CHECKING:
    import pyarrow as pa

RECENT_BATCHES = 32  # batch keys kept per visitor: the tracker retries a batch within minutes


def write_op(payload: Payload) -> WriteOp:
    return WriteOp(group_step=write_group, payload=payload, payload_rows=payload.rows)


# --- on the writer thread ------------------------------------------------------------------
def _stored_visits(tx: WriteTx, recent: dict[int, list[int]]) -> dict[int, list[Visit]]:
    wanted = [k for keys in recent.values() for k in keys]
    by_visitor: dict[int, list[Visit]] = defaultdict(list)
    for row in tables.load_visits(tx, wanted):
        key, visitor, number, start, end, events, pkeys, ptimes, purls, psources = row
        pages = [
            Page(key=int(k), time_ms=int(t), url=str(u), source=str(s))
            for k, t, u, s in zip(pkeys or [], ptimes or [], purls or [], psources or [], strict=False)
        ]
        by_visitor[int(visitor)].append(
            Visit(
                key=int(key),
                number=int(number),
                start_ms=_ms(start),
                end_ms=_ms(end),
                events=int(events),
                pages=pages,
            )
        )
    return by_visitor


def _ms(value: Any) -> int:
    return int(value.replace(tzinfo=UTC).timestamp() * 1000)


def _fresh(group: list[Payload], recent: list[int]) -> tuple[list[Payload], list[int]]:
    """A visitor's payloads whose batch was not stored before (nor earlier in this group)."""
    seen = set(recent)
    fresh: list[Payload] = []
    for p in group:
        if p.digest is not None:
            if p.digest in seen:
                continue
            seen.add(p.digest)
            recent = [*recent, p.digest]
        fresh.append(p)
    return fresh, recent[-RECENT_BATCHES:]


def write_group(tx: WriteTx, payloads: list[Payload]) -> None:
    """Assign visits for every payload of one group commit and insert all their rows."""
    grouped: dict[int, list[Payload]] = defaultdict(list)
    for p in payloads:
        grouped[p.visitor_key].append(p)
    cache = _cache_of(tx)
    held = cache.get(grouped) if cache is not None else {}
    state = {k: s for k, (s, _) in held.items()}
    state.update(tables.load_visitors(tx, [k for k in grouped if k not in held]))
    by_visitor: dict[int, list[Payload]] = {}
    batches: dict[int, list[int]] = {}
    for visitor_key, group in grouped.items():
        prior = state.get(visitor_key)
        fresh, batches[visitor_key] = _fresh(group, prior.recent_batches if prior else [])
        if fresh:
            by_visitor[visitor_key] = fresh
    payloads = [p for group in by_visitor.values() for p in group]
    if not payloads:
        return
    stored = _stored_visits(tx, {k: v.recent_visits for k, v in state.items() if k in by_visitor and k not in held})
    stored.update({k: visits for k, (_, visits) in held.items() if k in by_visitor})
    written: dict[int, Held] = {}
    merged: dict[int, int] = {}
    stored_keys = {v.key for visits in stored.values() for v in visits}
    new_visits: dict[str, list[Any]] = defaultdict(list)
    old_visits: dict[str, list[Any]] = defaultdict(list)
    new_visitors: dict[str, list[Any]] = defaultdict(list)
    old_visitors: dict[str, list[Any]] = defaultdict(list)
    for visitor_key, group in by_visitor.items():
        prior = state.get(visitor_key)
        count, first_seen = (prior.visit_count, prior.first_seen) if prior else (0, None)
        times = [t for p in group for table in p.tuples for t in p.times[table]]
        pages = [page for p in group for page in p.pages]
        first = group[0]
        result = assign(
            visitor_key=visitor_key,
            recent=sorted(stored.get(visitor_key, []), key=lambda v: v.start_ms),
            visit_count=count,
            times=times,
            pages=pages,
            idle_ms=first.idle_ms,
        )
        at = 0
        for p in group:
            for table in p.tuples:
                n = len(p.times[table])
                p.visit_keys[table] = result.visit_of[at : at + n]
                at += n
        merged.update(result.merged)
        _visit_rows(new_visits, old_visits, stored_keys, result, first)
        target = old_visitors if prior else new_visitors
        written[visitor_key] = _visitor_row(target, result, first, first_seen, batches[visitor_key])
    tables.fold_visits(tx, merged=merged)
    for table, cols, known in (
        (tables.VISITS, old_visits, True),
        (tables.VISITS, new_visits, False),
        (tables.VISITORS, old_visitors, True),
        (tables.VISITORS, new_visitors, False),
    ):
        tables.write_keyed(tx, table, tables.table_from_columns(table, cols, _n(cols)), known=known)
    # A visitor with no stored state has no stored page leave (a page key includes the visitor); with
    # one batch in this group its leaves are one per page (rows.py), so they need no upsert.
    new_pages = {k for k, group in by_visitor.items() if k not in state and len(group) == 1}
    _insert_events(tx, payloads, new_pages)
    if cache is not None:
        after_commit: list[Callable[[], None]] = getattr(tx, "after_commit")  # noqa: B009  (with writer_cache)
        after_commit.append(lambda: cache.put(written))


def _cache_of(tx: WriteTx) -> VisitorStateCache | None:
    """The visitor-state copy of a warehouse with a single writer (DuckDB); None where several processes write."""
    space: dict[str, Any] | None = getattr(tx, "writer_cache", None)
    if space is None:
        return None
    cache = space.get(CACHE_NAME)
    if cache is None:
        cache = space[CACHE_NAME] = VisitorStateCache()
    assert isinstance(cache, VisitorStateCache)
    return cache


def _n(cols: dict[str, list[Any]]) -> int:
    return len(next(iter(cols.values()))) if cols else 0


def _visit_rows(
    new: dict[str, list[Any]], old: dict[str, list[Any]], stored: set[int], result: Assignment, p: Payload
) -> None:
    for v in result.visits:
        if not v.changed:
            continue
        out = old if v.key in stored else new
        entry = v.pages[0] if v.pages else None
        exit_ = v.pages[-1] if v.pages else None
        out["visit_key"].append(v.key)
        out["project"].append(p.project)
        out["environment"].append(p.environment)
        out["visitor_key"].append(p.visitor_key)
        out["visit_number"].append(v.number)
        out["start_time"].append(v.start_ms * 1000)
        out["end_time"].append(v.end_ms * 1000)
        out["events"].append(v.events)
        out["pageviews"].append(len(v.pages))
        out["entry_page_key"].append(entry.key if entry else None)
        out["entry_url"].append(entry.url if entry else None)
        out["exit_page_key"].append(exit_.key if exit_ else None)
        out["exit_url"].append(exit_.url if exit_ else None)
        out["source_type"].append(entry_source(v))
        out["device_type"].append(p.device_type)
        out["is_bot"].append(p.is_bot)
        out["page_keys"].append([x.key for x in v.pages])
        out["page_times"].append([x.time_ms for x in v.pages])
        out["page_urls"].append([x.url for x in v.pages])
        out["page_sources"].append([x.source for x in v.pages])
        out["updated_at"].append(p.received_us)


def _visitor_row(
    out: dict[str, list[Any]], result: Assignment, p: Payload, first_seen: Any, recent_batches: list[int]
) -> Held:
    """Adds the visitor's row; returns the state it stores (what a cache may keep once committed)."""
    first = first_seen if first_seen is not None else result.visits[0].start_ms * 1000
    recent = result.visits[-RECENT_VISITS:]
    out["visitor_key"].append(p.visitor_key)
    out["project"].append(p.project)
    out["environment"].append(p.environment)
    out["first_seen"].append(first)
    out["last_seen"].append(max(v.end_ms for v in result.visits) * 1000)
    out["visit_count"].append(result.visit_count)
    out["recent_visits"].append([v.key for v in recent])
    out["recent_batches"].append(recent_batches)
    state = VisitorState(
        visit_count=result.visit_count,
        recent_visits=[v.key for v in recent],
        recent_batches=recent_batches,
        first_seen=first,
    )
    return Held(state, tuple(recent))


# Columns that hold one value per request: (column, Payload attribute).
_PER_REQUEST = (
    ("project", "project"),
    ("environment", "environment"),
    ("received_at", "received_us"),
    ("visitor_key", "visitor_key"),
    ("device_type", "device_type"),
    ("is_bot", "is_bot"),
)


def _insert_events(tx: WriteTx, payloads: list[Payload], new_pages: set[int]) -> None:
    """Every request's row tuples of a table converted at once per group commit, one insert per table."""
    for table in ROW_FIELDS:
        if table != tables.PAGELEAVES:
            tables.insert_events(tx, table, _table(table, payloads))
            continue
        fresh = [p for p in payloads if p.visitor_key in new_pages]
        tables.insert_new_leaves(tx, _table(table, fresh))
        known = _best_leaves([p for p in payloads if p.visitor_key not in new_pages])
        tables.insert_events(tx, table, _table(table, known))


_LEAF_KEY = ROW_FIELDS[tables.PAGELEAVES].index("page_key")
_LEAF_ACTIVE = ROW_FIELDS[tables.PAGELEAVES].index("active_ms")


def _best_leaves(payloads: list[Payload]) -> list[Payload]:
    """At most one page leave per page key across the group: the most active time, the first on a tie.

    Two batches of one visitor in one group can both carry a leave of the same page (a page hide
    sends two beacons); one upsert statement holding both would keep whichever comes first, not
    the one that saw more (the rule across commits: ``insert_events``).
    """
    best: dict[int, tuple[int, int, int]] = {}  # page key -> (active ms, payload, row)
    for i, p in enumerate(payloads):
        for j, row in enumerate(p.tuples[tables.PAGELEAVES]):
            prior = best.get(row[_LEAF_KEY])
            if prior is None or row[_LEAF_ACTIVE] > prior[0]:
                best[row[_LEAF_KEY]] = (row[_LEAF_ACTIVE], i, j)
    if len(best) == sum(len(p.tuples[tables.PAGELEAVES]) for p in payloads):
        return payloads
    kept = {(i, j) for _, i, j in best.values()}
    out = []
    for i, p in enumerate(payloads):
        rows = p.tuples[tables.PAGELEAVES]
        keys = p.visit_keys[tables.PAGELEAVES]
        take = [j for j in range(len(rows)) if (i, j) in kept]
        out.append(replace(p, tuples={**p.tuples, tables.PAGELEAVES: [rows[j] for j in take]},
                           visit_keys={**p.visit_keys, tables.PAGELEAVES: [keys[j] for j in take]}))  # fmt: skip
    return out


def _table(table: str, payloads: list[Payload]) -> pa.Table:
    return tables.table_from_rows(
        table,
        ROW_FIELDS[table],
        [r for p in payloads for r in p.tuples[table]],
        counts=[len(p.tuples[table]) for p in payloads],
        per_request={name: [getattr(p, attr) for p in payloads] for name, attr in _PER_REQUEST},
        columns={"visit_key": [k for p in payloads for k in p.visit_keys[table]]},
    )
