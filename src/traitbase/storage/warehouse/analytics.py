"""Heatmap query builders over the tracker tables: portable SQL with ``?`` parameters.

Each builder returns ``(sql, params)`` written once in the portable subset of DuckDB SQL; the
warehouse renders it for its engine (DuckDB runs it as is, ClickHouse through ``storage.sql``).
Nothing here knows about HTTP or labels: the domain (``domain/analytics``) picks the builders,
the face formats their rows.

Every heatmap query type starts from one *base* subquery — the page views of the page in the
range, without bots, joined once to their visit, with the filters and the group key applied;
``heatmap_sql`` builds each query type on it as a single statement (one JOIN per SELECT, the
ClickHouse 18.16 rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traitbase.storage.warehouse.collect import EVENTS, PAGEVIEWS, VISITS


@dataclass(frozen=True)
class Cond:
    """One SQL condition over the base's columns (``p.`` page view, ``v.`` visit) and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Scope:
    """What every query of one request shares: tenant, page, range, device, filters, grouping."""

    project: str
    environment: str
    start: datetime
    end: datetime  # exclusive
    url: str
    merged: bool
    device: str | None = None  # the stored spelling: PC, Mobile, Tablet; None = all
    conds: tuple[Cond, ...] = ()
    group: str = "''"  # an expression over p./v. columns; '' = one group

    @property
    def url_column(self) -> str:
        return "p.url_base" if self.merged else "p.url"


def _uses_visit(scope: Scope) -> bool:
    return "v." in scope.group or any("v." in c.sql for c in scope.conds)


def base(scope: Scope, *, visit: bool = True) -> tuple[str, list[Any]]:
    """The page views of the page (with the group key ``g``, and their visit's facts when ``visit``).

    The join to the visit is the costly part of every query; builders that need no visit fact
    skip it unless a filter or the grouping reads the visit.
    """
    join = visit or _uses_visit(scope)
    where = [
        "p.project = ?",
        "p.environment = ?",
        "p.event_time >= ?",
        "p.event_time < ?",
        f"{scope.url_column} = ?",
        "NOT p.is_bot",
    ]
    params: list[Any] = [scope.project, scope.environment, scope.start, scope.end, scope.url]
    if scope.device is not None:
        where.append("p.device_type = ?")
        params.append(scope.device)
    for c in scope.conds:
        where.append(f"({c.sql})")
        params.extend(c.params)
    visit_cols = (
        "v.visit_number AS visit_number, v.entry_page_key AS entry_page_key, v.exit_page_key AS exit_page_key, "
        "v.pageviews AS visit_pageviews "
        if join
        else "0 AS visit_number, 0 AS entry_page_key, 0 AS exit_page_key, 0 AS visit_pageviews "
    )
    source = f"{PAGEVIEWS} p JOIN {VISITS} v ON v.visit_key = p.visit_key" if join else f"{PAGEVIEWS} p"
    sql = (
        f"SELECT p.page_key AS page_key, p.visit_key AS visit_key, p.visitor_key AS visitor_key, "
        f"p.viewport_height AS viewport_height, p.page_height AS page_height, p.device_type AS device_type, "
        f"{scope.group} AS g, {visit_cols}"
        f"FROM {source} WHERE {' AND '.join(where)}"
    )
    return sql, params


def goal_names(project: str, environment: str) -> tuple[str, list[Any]]:
    """Every conversion name seen in the tracker data (configured goals come from the control plane)."""
    return (
        f"SELECT DISTINCT goal FROM {EVENTS} WHERE project = ? AND environment = ? AND kind = 'conversion' "
        "AND goal IS NOT NULL",
        [project, environment],
    )


# --- filter values ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ValuesQuery:
    project: str
    environment: str
    start: datetime
    end: datetime
    search: str | None = None
    limit: int = 1000
    extra: list[Any] = field(default_factory=list)


def distinct_values(table: str, column: str, q: ValuesQuery, where: str = "1 = 1") -> tuple[str, list[Any]]:
    """Distinct non-empty values of a column in the range, optionally matching ``search`` (any case)."""
    conds = ["project = ?", "environment = ?", "event_time >= ?", "event_time < ?", f"{column} IS NOT NULL",
             f"{column} <> ''", f"({where})"]  # fmt: skip
    params: list[Any] = [q.project, q.environment, q.start, q.end, *q.extra]
    if q.search:
        conds.append(f"lower({column}) LIKE ?")
        params.append(f"%{q.search.lower()}%")
    sql = (
        f"SELECT {column} AS value, count(*) AS n FROM {table} WHERE {' AND '.join(conds)} "
        f"GROUP BY {column} ORDER BY n DESC, value LIMIT {int(q.limit)}"
    )
    return sql, params


def property_names(q: ValuesQuery) -> tuple[str, list[Any]]:
    """The property-name lists of one custom event (``q.extra`` = [event name]) in the range."""
    sql = (
        f"SELECT DISTINCT json_keys(properties) AS keys FROM {EVENTS} WHERE project = ? AND environment = ? "
        "AND event_time >= ? AND event_time < ? AND kind = 'custom' AND name = ? AND properties IS NOT NULL "
        f"LIMIT {int(q.limit)}"
    )
    return sql, [q.project, q.environment, q.start, q.end, *q.extra]


def distinct_json_values(q: ValuesQuery) -> tuple[str, list[Any]]:
    """Distinct values of one property of one custom event (``q.extra`` = [event name, JSON path])."""
    event, path = q.extra
    conds = "project = ? AND environment = ? AND event_time >= ? AND event_time < ? AND kind = 'custom' AND name = ?"
    params: list[Any] = [q.project, q.environment, q.start, q.end, event, path]
    search = ""
    if q.search:
        search = " AND lower(value) LIKE ?"
        params.append(f"%{q.search.lower()}%")
    sql = (
        f"SELECT value, count(*) AS n FROM (SELECT json_extract_string(properties, ?) AS value FROM {EVENTS} "
        f"WHERE {conds}) x WHERE value IS NOT NULL AND value <> ''{search} GROUP BY value ORDER BY n DESC, value "
        f"LIMIT {int(q.limit)}"
    )
    # The path is the first placeholder in the text (inside the SELECT list).
    return sql, [path, q.project, q.environment, q.start, q.end, event, *params[6:]]
