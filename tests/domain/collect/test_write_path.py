"""The tracker write path on the embedded warehouse, where visitor state is also kept by the writer.

Each ``write`` is its own group commit, so a visitor's second batch is assigned from the state the
writer kept after the first commit; these tests pin that it matches what is stored, including
after a wipe deletes the rows behind it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from traitbase.domain.collect import parse, rows, store
from traitbase.domain.collect.geo import NOWHERE
from traitbase.storage.warehouse.base import WriteOp
from traitbase.storage.warehouse.duckdb import DuckDBWarehouse
from traitbase.storage.warehouse.events import wipe_step

T = 1_733_040_000_000
MIN = 60_000
SITE = rows.Site(project="proj", environment="production", org_id=1)
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    w = DuckDBWarehouse(tmp_path / "w.duckdb")
    yield w
    w.close()


def op(minute: int, page: str, *, visitor: str = "v1", extra: tuple[dict[str, Any], ...] = ()) -> WriteOp:
    ts = T + minute * MIN
    events = [
        {"kind": "pageview", "id": f"pv-{page}", "ts": ts, "page": page, "url": f"https://shop.example/{page}"},
        {"kind": "click", "id": f"c-{page}", "ts": ts + 1000, "page": page, "url": f"https://shop.example/{page}",
         "x": 0.5, "y": 10},
        *extra,
    ]  # fmt: skip
    last = max(int(e["ts"]) for e in events)
    batch = parse.parse_batch(json.dumps({"visitor": visitor, "sent_at": last, "events": events}).encode(),
                              max_events=100)  # fmt: skip
    payload = rows.build_payload(batch, site=SITE, user_agent=UA, place=NOWHERE, now_ms=last,
                                 idle_ms=30 * MIN, digest=rows.batch_digest(SITE, batch))  # fmt: skip
    return store.write_op(payload)


def write(wh: DuckDBWarehouse, minute: int, page: str, *, visitor: str = "v1") -> None:
    wh.submit(op(minute, page, visitor=visitor)).result()


def leave(page: str, minute: int, active_ms: int, n: int) -> dict[str, Any]:
    return {"kind": "pageleave", "id": f"l-{page}-{n}", "ts": T + minute * MIN, "page": page,
            "url": f"https://shop.example/{page}", "active_ms": active_ms}  # fmt: skip


def query(wh: DuckDBWarehouse, sql: str) -> list[tuple[Any, ...]]:
    return wh.read(sql).rows


def test_a_visitors_later_batches_join_the_stored_visit(wh: DuckDBWarehouse) -> None:
    write(wh, 0, "a")
    write(wh, 10, "b")
    write(wh, 10, "b")  # a retried batch: dropped
    write(wh, 50, "c")  # 40 idle minutes: a second visit
    assert query(wh, "SELECT visit_number, pageviews, events, page_urls FROM tracker_visits ORDER BY 1") == [
        (1, 2, 4, ["https://shop.example/a", "https://shop.example/b"]),
        (2, 1, 2, ["https://shop.example/c"]),
    ]
    assert query(wh, "SELECT visit_count, len(recent_batches) FROM tracker_visitors") == [(2, 3)]
    assert query(wh, "SELECT count(*) FROM tracker_clicks") == [(3,)]


def test_after_a_wipe_a_visitor_starts_again(wh: DuckDBWarehouse) -> None:
    write(wh, 0, "a")
    write(wh, 5, "b")
    wh.submit(WriteOp(step=wipe_step(project=SITE.project, environment=SITE.environment))).result()
    write(wh, 10, "c")
    # Within 30 minutes of the wiped visit, yet nothing of it may come back: a first visit of one page.
    assert query(wh, "SELECT visit_number, pageviews, events, page_urls FROM tracker_visits") == [
        (1, 1, 2, ["https://shop.example/c"])
    ]
    assert query(wh, "SELECT visit_count FROM tracker_visitors") == [(1,)]


def test_two_leaves_of_one_page_in_one_group_commit_keep_the_most_active(wh: DuckDBWarehouse) -> None:
    # The writer is held on a first op, so the two batches queue behind it and commit together.
    release = threading.Event()
    held = wh.submit(WriteOp(step=lambda tx: release.wait(10)))
    first = wh.submit(op(0, "a", extra=(leave("a", 1, 4000, 1),)))
    second = wh.submit(op(0, "b", extra=(leave("a", 2, 9000, 2),)))
    third = wh.submit(op(0, "c", extra=(leave("a", 3, 6000, 3),)))
    release.set()
    for f in (held, first, second, third):
        f.result(10)
    assert query(wh, "SELECT active_ms FROM tracker_pageleaves") == [(9000,)]
