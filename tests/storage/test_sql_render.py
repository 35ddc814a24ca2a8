"""``storage/sql``: the same query, rendered once per engine, answers the same on DuckDB, the
ClickHouse 18.16 server and chdb (the current ClickHouse engine); parameters are literals, safely."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pytest

from traitbase.storage.sql import SqlNotPortable, render
from traitbase.storage.warehouse.chclient import DriverClient

pytestmark = pytest.mark.clickhouse

COLUMNS = ["project", "kind", "name", "user_id", "url", "item_id", "amount", "event_time"]
DDL_DUCKDB = [
    "CREATE TABLE events (project VARCHAR, kind VARCHAR, name VARCHAR, user_id VARCHAR, url VARCHAR, "
    "item_id VARCHAR, amount DOUBLE, event_time TIMESTAMP)",
    "CREATE TABLE items (item_id VARCHAR, title VARCHAR)",
]
DDL_CLICKHOUSE = [
    "CREATE TABLE events (project String, kind String, name String, user_id String, url Nullable(String), "
    "item_id String, amount Nullable(Float64), event_time DateTime('UTC')) "
    "ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (project, kind, name, event_time)",
    "CREATE TABLE items (item_id String, title String) ENGINE = MergeTree ORDER BY item_id",
]
ITEMS = [("i1", "Axe"), ("i2", "Bow"), ("i3", "Cap")]
START = datetime(2019, 12, 26)


def _rows() -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    out = []
    for _ in range(400):
        kind = rng.choice(["action", "purchase", "login"])
        out.append(
            (
                rng.choice(["p1", "p2"]),
                kind,
                rng.choice(["buy", "open", "close"]) if kind == "action" else kind,
                f"u{rng.randrange(40)}",
                rng.choice([None, "/a", "/b", "/c?x='1'"]),
                rng.choice(["i1", "i2", "i3", "i4"]),
                round(rng.uniform(1, 50), 2) if kind == "purchase" else None,
                START + timedelta(seconds=rng.randrange(20 * 86400)),
            )
        )
    return out


Runner = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def engines(clickhouse_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Runner]]:
    import uuid

    import chdb

    rows = _rows()
    duck = duckdb.connect(":memory:")
    for sql in DDL_DUCKDB:
        duck.execute(sql)
    duck.executemany(f"INSERT INTO events VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    duck.executemany("INSERT INTO items VALUES (?, ?)", ITEMS)

    name = f"tb_sql_{uuid.uuid4().hex[:10]}"
    admin = DriverClient(f"{clickhouse_server}/default")
    admin.command(f"CREATE DATABASE `{name}`")
    ch = DriverClient(f"{clickhouse_server}/{name}")
    for sql in DDL_CLICKHOUSE:
        ch.command(sql)
    ch.insert_columns("events", COLUMNS, [list(col) for col in zip(*rows, strict=True)])
    ch.insert_columns("items", ["item_id", "title"], [list(col) for col in zip(*ITEMS, strict=True)])

    cconn = chdb.connect(str(tmp_path_factory.mktemp("chdb")))
    cur = cconn.cursor()
    for sql in DDL_CLICKHOUSE:
        cur.execute(sql)
    # chdb is in-process: the rows go in as rendered literals (this also exercises the binding).
    values = ", ".join(f"({', '.join('?' * len(COLUMNS))})" for _ in rows)
    cur.execute(render(f"INSERT INTO events VALUES {values}", [v for r in rows for v in r], "clickhouse"))
    cur.execute(render("INSERT INTO items VALUES (?, ?), (?, ?), (?, ?)", [v for r in ITEMS for v in r], "clickhouse"))

    def on_chdb(sql: str) -> list[tuple[Any, ...]]:
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]

    yield {
        "duckdb": lambda sql: [tuple(r) for r in duck.execute(sql).fetchall()],
        "clickhouse": lambda sql: ch.query(sql).rows,
        "chdb": on_chdb,
    }
    duck.close()
    ch.close()
    admin.command(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()
    cconn.close()


def _run(engines: dict[str, Runner], sql: str, params: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    ch_sql = render(sql, params, "clickhouse")
    return {
        "duckdb": engines["duckdb"](render(sql, params, "duckdb")),
        "clickhouse": engines["clickhouse"](ch_sql),
        "chdb": engines["chdb"](ch_sql),
    }


QUERIES: dict[str, tuple[str, list[Any]]] = {
    "count by name": (
        "SELECT kind, name, count(*) AS n FROM events WHERE project = ? "
        "GROUP BY kind, name ORDER BY n DESC, kind, name",
        ["p1"],
    ),
    "distinct users per url": (
        "SELECT url, count(DISTINCT user_id) AS users FROM events WHERE url IS NOT NULL GROUP BY url ORDER BY url",
        [],
    ),
    "day buckets": (
        "SELECT date_trunc('day', event_time) AS day, count(*) AS n FROM events "
        "WHERE event_time >= ? AND event_time < ? GROUP BY day ORDER BY day",
        [datetime(2019, 12, 30), datetime(2020, 1, 4)],
    ),
    "iso week": (
        "SELECT date_trunc('week', event_time) AS monday, weekofyear(event_time) AS week, count(*) AS n "
        "FROM events GROUP BY monday, week ORDER BY monday",
        [],
    ),
    "conditional aggregates": (
        "SELECT user_id, count(*) FILTER (WHERE kind = 'purchase') AS purchases, "
        "round(coalesce(sum(amount) FILTER (WHERE kind = 'purchase'), 0), 2) AS revenue, "
        "count(DISTINCT name) FILTER (WHERE kind = 'action') AS actions "
        "FROM events WHERE user_id IN (?, ?, ?) GROUP BY user_id ORDER BY user_id",
        ["u1", "u2", "u3"],
    ),
    "join": (
        "SELECT i.title AS title, count(*) AS n FROM events e JOIN items i ON e.item_id = i.item_id "
        "WHERE e.kind = ? GROUP BY i.title ORDER BY title",
        ["purchase"],
    ),
    "subquery": (
        "SELECT count(*) AS heavy FROM (SELECT user_id, count(*) AS n FROM events GROUP BY user_id) s WHERE n >= ?",
        [12],
    ),
    "in subquery and cte": (
        "WITH buyers AS (SELECT DISTINCT user_id FROM events WHERE kind = 'purchase' AND amount > ?) "
        "SELECT count(DISTINCT user_id) AS n FROM events "
        "WHERE kind = 'login' AND user_id IN (SELECT user_id FROM buyers)",
        [40.0],
    ),
    "least, greatest and date_diff": (
        "SELECT user_id, least(count(*), ?) AS capped, greatest(count(*), ?, ?) AS floored, "
        "date_diff('second', min(event_time), max(event_time)) AS span FROM events WHERE user_id IN (?, ?) "
        "GROUP BY user_id ORDER BY user_id",
        [10, 3, 12, "u1", "u2"],
    ),
    "string default over a nullable column, grouped by its own name": (
        "SELECT coalesce(url, '(none)') AS url, count(*) AS n FROM events GROUP BY coalesce(url, '(none)') "
        "ORDER BY url",
        [],
    ),
    "iso year and week label": (
        "SELECT strftime(event_time, '%G-W%V') AS week, count(*) AS n FROM events GROUP BY week ORDER BY week",
        [],
    ),
    "lists unnested side by side": (
        "SELECT k, unnest(?) AS x, unnest(?) AS y FROM (SELECT 1 AS k) t ORDER BY x",
        [[3, 1, 2], ["c", "a", "b"]],
    ),
    "json by top-level key": (
        "SELECT json_extract_string(?, '$.a') AS a, json_extract_string(?, '$.n') AS n, "
        "json_extract_string(?, '$.z') AS z",
        ['{"a":"x","n":3}'] * 3,
    ),
    # Flat objects only on 18.16 (no JSON parser; docs/warehouse.md): what both write paths store.
    "json keys": (
        "SELECT k, unnest(json_keys(?)) AS key FROM (SELECT 1 AS k) t ORDER BY key",
        ['{"b":"x:y","a":3,"c":null,"d":"e\\",\\"f\\":"}'],
    ),
    "a cte reading a cte, union all of cast branches": (
        "WITH b AS (SELECT user_id, count(*) AS n FROM events GROUP BY user_id), "
        "h AS (SELECT user_id FROM b WHERE n >= ?) "
        "SELECT part, n FROM (SELECT 'heavy' AS part, CAST(count(*) AS BIGINT) AS n FROM h "
        "UNION ALL SELECT 'users' AS part, CAST(count(*) AS BIGINT) AS n FROM b) u ORDER BY part",
        [12],
    ),
    # Case-sensitive substring; 18.16 knows position only in lower case (sqlglot writes POSITION).
    "substring position": (
        "SELECT url, strpos(url, ?) AS at, count(*) AS n FROM events "
        "WHERE strpos(url, ?) > 0 OR strpos(url, ?) > 0 GROUP BY url ORDER BY url",
        ["x", "/b", "X"],
    ),
    "parallel unnest zips the lists": (
        "SELECT name, num FROM (SELECT unnest(l.names) AS name, unnest(l.nums) AS num "
        "FROM (SELECT ['a', 'b', 'c'] AS names, [1, 2, 3] AS nums) l) x ORDER BY name",
        [],
    ),
}


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_rendered_query_answers_the_same_on_duckdb_clickhouse_and_chdb(engines: dict[str, Runner], query: str) -> None:
    sql, params = QUERIES[query]
    got = _run(engines, sql, params)
    assert got["duckdb"], "the query must return rows to compare"
    assert got["clickhouse"] == got["duckdb"]
    assert got["chdb"] == got["duckdb"]


HOSTILE = ["plain", "it's", "back\\slash", "\\'; DROP TABLE events; --", "new\nline\ttab", "ünï €", "'' OR 1=1", "\\"]


def test_parallel_unnest_is_one_array_join_on_clickhouse(engines: dict[str, Runner]) -> None:
    sql, params = QUERIES["parallel unnest zips the lists"]
    assert "ARRAY JOIN l.names AS name, l.nums AS num" in render(sql, params, "clickhouse")
    assert _run(engines, sql, params)["clickhouse"] == [("a", 1), ("b", 2), ("c", 3)]


@pytest.mark.parametrize("value", HOSTILE)
def test_string_parameters_are_literals_that_read_back_exactly(engines: dict[str, Runner], value: str) -> None:
    got = _run(engines, "SELECT ? AS s, count(*) AS n FROM events WHERE name = ?", [value, value])
    assert got == {e: [(value, 0)] for e in ("duckdb", "clickhouse", "chdb")}


def test_parameters_inside_string_literals_are_not_placeholders() -> None:
    assert render("SELECT '?' AS q, ? AS p", ["x"], "clickhouse") == "SELECT '?' AS q, 'x' AS p"


def test_placeholders_bind_in_text_order_even_after_limit() -> None:
    sql = render("SELECT a FROM t WHERE a = ? ORDER BY a LIMIT ?", ["x", 5], "clickhouse")
    assert sql == "SELECT a FROM t WHERE a = 'x' ORDER BY a LIMIT 5"


def test_wrong_parameter_count_is_refused() -> None:
    with pytest.raises(SqlNotPortable, match="placeholders"):
        render("SELECT ? AS a", [1, 2], "clickhouse")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT row_number() OVER (ORDER BY a) FROM t", "window"),
        ("SELECT 1 FROM a JOIN b ON a.x = b.x JOIN c ON c.x = a.x", "one JOIN"),
        ("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "recursive"),
        ("SELECT date_trunc('second', t) FROM e", "second"),
    ],
)
def test_constructs_18_16_lacks_are_refused(sql: str, reason: str) -> None:
    with pytest.raises(SqlNotPortable, match=reason):
        render(sql, [], "clickhouse")


def test_clickhouse_spellings_for_constructs_18_16_lacks() -> None:
    assert render(
        "WITH b AS (SELECT u FROM t) SELECT date_trunc('week', x) AS w, count(*) FILTER (WHERE k = 1) AS c FROM b",
        [],
        "clickhouse",
    ) == ("SELECT toDateTime(toMonday(x)) AS w, countIf(k = 1) AS c FROM (SELECT u FROM t) AS b")
    assert render("DELETE FROM t WHERE a = ?", ["x"], "clickhouse") == "ALTER TABLE t DELETE WHERE a = 'x'"


def test_an_unnest_beside_a_join_is_one_array_join_of_the_from_table() -> None:
    # The lists are zipped by one ARRAY JOIN placed before the JOIN (it applies to the FROM table);
    # keys come from the array-joined table (18.16 corrupts blocks otherwise, see rewrite.py).
    sql = render(
        "SELECT l.k AS k, unnest(l.xs) AS x, unnest(l.ys) AS y FROM leaves l JOIN (SELECT k FROM pv) b "
        "ON b.k = l.k WHERE l.project = ? AND b.k > ?",
        ["p", 1],
        "clickhouse",
        final_tables=frozenset({"leaves"}),
    )
    assert sql == (
        "SELECT l.k AS k, x, y FROM leaves AS l FINAL ARRAY JOIN l.xs AS x, l.ys AS y "
        "JOIN (SELECT k FROM pv) AS b ON b.k = l.k WHERE l.project = 'p' AND b.k > 1"
    )
