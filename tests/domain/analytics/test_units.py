"""Pure parts of the query layer: formatting, parsing, budgets, and rendering every builder for both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from traitbase.domain.analytics import format as fmt
from traitbase.domain.analytics import parse
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.limits import LimitExceeded, QueryLimiter
from traitbase.storage.sql import render
from traitbase.storage.warehouse import analytics as sql
from traitbase.storage.warehouse import heatmap_sql as hsql
from traitbase.storage.warehouse.analytics import Cond, Scope


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (5, "5s"), (59.6, "1m 0s"), (90, "1m 30s"), (3605, "1h 0m 5s")]
)
def test_durations(seconds: float, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_rates_and_millis() -> None:
    assert (fmt.rate(1, 3), fmt.rate(5, 0), fmt.decimal(5, 4)) == (0.3333, 0.0, 1.25)
    assert fmt.millis(date(2024, 12, 1)) == 1733011200000
    assert fmt.millis(datetime(2024, 12, 1, 0, 0, 1)) == 1733011201000


@pytest.mark.parametrize("raw", ["2024-12-01", "2024/12/01"])
def test_both_date_forms(raw: str) -> None:
    assert parse.parse_date(raw, "startDate") == date(2024, 12, 1)


@pytest.mark.parametrize("raw", ["2024-12/01", "2024-02-30", "20241201", 20241201, None])
def test_bad_dates(raw: object) -> None:
    with pytest.raises(QueryError) as e:
        parse.parse_date(raw, "startDate")
    assert e.value.number == 4002


def test_retention_and_order() -> None:
    today = date(2024, 12, 3)
    ok = parse.date_range(
        {"startDate": "2024-09-05", "endDate": "2024-12-03"}, today=today, retention_days=90, required=True
    )
    assert (ok.start, ok.end_dt) == (date(2024, 9, 5), datetime(2024, 12, 4))
    for body, code in (({"startDate": "2024-09-04", "endDate": "2024-12-03"}, 4003),
                       ({"startDate": "2024-12-03", "endDate": "2024-12-01"}, 4002)):  # fmt: skip
        with pytest.raises(QueryError) as e:
            parse.date_range(body, today=today, retention_days=90, required=True)
        assert e.value.number == code


def test_langs() -> None:
    assert [parse.lang_of(x) for x in ("zh", "JP", "fr", None, 3)] == ["ZH", "JP", "EN", "EN", "EN"]


def test_limiter_windows() -> None:
    now = [600.0]
    lim = QueryLimiter(lambda _p: (2, 3), clock=lambda: now[0])
    assert [lim.hit("k", "free").left_minute for _ in range(2)] == [1, 0]
    with pytest.raises(LimitExceeded) as e:
        lim.hit("k", "free")
    assert (e.value.number, e.value.retry_after) == (4290, 60)
    now[0] += 60
    assert lim.hit("k", "free").left_day == 0
    now[0] += 60
    with pytest.raises(LimitExceeded) as e:
        lim.hit("k", "free")
    assert e.value.number == 4291 and e.value.retry_after == 86_400 - 720
    assert lim.peek("other", "free").left_minute == 2  # per key


SCOPE = Scope(
    project="566d12f9",
    environment="production",
    start=datetime(2024, 12, 1),
    end=datetime(2024, 12, 3),
    url="https://shop.example/lp",
    merged=True,
    device="PC",
    conds=(Cond("coalesce(p.os, '') IN (?)", ("Windows",)),),
    group="date_trunc('week', p.event_time)",
)
VQ = sql.ValuesQuery("566d12f9", "production", datetime(2024, 12, 1), datetime(2024, 12, 3), search="a", extra=[])
BUILDERS = {
    "page_figures": hsql.page_figures(SCOPE, cta_elements=["Buy"], goals=["Purchase"], any_goals=["Purchase"]),
    "page_figures_bare": hsql.page_figures(SCOPE, cta_elements=None, goals=None, any_goals=None),
    "block_figures": hsql.block_figures(SCOPE, ["Hero", "Plans"], 5.0, ["Purchase"]),
    "block_figures_any_goal": hsql.block_figures(SCOPE, ["Hero"], 5.0, None),
    "element_figures": hsql.element_figures(SCOPE, ["Purchase"]),
    "element_figures_any_goal": hsql.element_figures(SCOPE, None),
    "click_cells": hsql.click_cells(SCOPE, 20, 100),
    "scroll_figures": hsql.scroll_figures(SCOPE),
    "distinct_values": sql.distinct_values("tracker_pageviews", "browser", VQ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("engine", ["duckdb", "clickhouse"])
def test_every_builder_renders_for_both_engines(name: str, engine: str) -> None:
    text, params = BUILDERS[name]
    out = render(text, params, engine)
    assert "?" not in out.replace("'?'", "")
    assert "566d12f9" in out
    if engine == "clickhouse":
        assert " FILTER (" not in out and "date_trunc" not in out.lower()


@pytest.fixture(scope="module")
def chdb_cursor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import chdb

    from traitbase.storage.warehouse.collect_clickhouse import CLICKHOUSE_DDL

    conn = chdb.connect(str(tmp_path_factory.mktemp("chdb")))
    cur = conn.cursor()
    for ddl in CLICKHOUSE_DDL:
        cur.execute(ddl)
    yield cur
    cur.close()
    conn.close()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_runs_on_current_clickhouse(chdb_cursor: Any, name: str) -> None:
    """Rendered for ClickHouse, every builder runs on chdb over the tracker tables' ClickHouse DDL.

    Syntax and types only (the tables are empty): the metric values are checked by the face tests.
    """
    from traitbase.storage.warehouse.clickhouse import UPSERT_TABLES

    text, params = BUILDERS[name]
    chdb_cursor.execute(render(text, params, "clickhouse", final_tables=UPSERT_TABLES))
    rows = list(chdb_cursor.fetchall())
    # Nothing stored: no rows, or rows of zero counts (an ungrouped count answers one row).
    assert all(v in (0, "", "pv") for row in rows for v in row), rows
    assert len(rows) <= 1
