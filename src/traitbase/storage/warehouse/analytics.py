"""Heatmap query builders over the tracker tables: portable SQL with ``?`` parameters.

Each builder returns ``(sql, params)`` written once in the portable subset of DuckDB SQL; the
warehouse renders it for its engine (DuckDB runs it as is, ClickHouse through ``storage.sql``).
Nothing here knows about HTTP or labels: the domain (``domain/analytics``) picks the builders,
the face formats their rows.

Shape of every page query: one *base* subquery — the page views of the page in the range,
without bots, joined once to their visit, with the filters and the group key applied — and
small aggregate queries over it (counts, page leaves, clicks, conversions), each with at most one
JOIN per SELECT (the ClickHouse 18.16 rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traitbase.storage.warehouse.collect import CLICKS, EVENTS, PAGELEAVES, PAGEVIEWS, VISITS


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


def _in_list(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


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


def _tenant(alias: str, scope: Scope) -> tuple[str, list[Any]]:
    return f"{alias}.project = ? AND {alias}.environment = ?", [scope.project, scope.environment]


def page_counts(scope: Scope) -> tuple[str, list[Any]]:
    """Per group: pv, visits, uv, new visits, entrances, bounces, pageviews of entered visits, fv candidates."""
    b, bp = base(scope)
    conv_t, conv_p = _tenant("e", scope)
    sql = (
        "SELECT g, count(*) AS pv, count(DISTINCT visit_key) AS visits, count(DISTINCT visitor_key) AS uv, "
        "count(DISTINCT visit_key) FILTER (WHERE visit_number = 1) AS new_visits, "
        "count(DISTINCT visit_key) FILTER (WHERE entry_page_key = page_key) AS entrances, "
        "count(DISTINCT visit_key) FILTER (WHERE entry_page_key = page_key AND visit_pageviews = 1) AS bounces, "
        "sum(visit_pageviews) FILTER (WHERE entry_page_key = page_key) AS entered_pageviews, "
        "count(*) FILTER (WHERE exit_page_key = page_key AND page_key NOT IN ("
        f"SELECT e.page_key FROM {EVENTS} e WHERE {conv_t} AND e.kind = 'conversion' AND e.page_key IS NOT NULL"
        ")) AS fv_candidates "
        f"FROM ({b}) b GROUP BY g"
    )
    return sql, [*conv_p, *bp]


def page_views(scope: Scope) -> tuple[str, list[Any]]:
    """Page views of the page (no visit join unless a filter needs it)."""
    b, bp = base(scope, visit=False)
    return f"SELECT count(*) AS pv FROM ({b}) b", bp


def page_leaves(scope: Scope) -> tuple[str, list[Any]]:
    """Per group: active time of the page views with a leave, and fv candidates that scrolled."""
    b, bp = base(scope)
    conv_t, conv_p = _tenant("e", scope)
    sql = (
        "SELECT b.g AS g, count(*) AS leaves, sum(l.active_ms) AS active_ms, "
        "count(*) FILTER (WHERE l.max_scroll > b.viewport_height AND b.exit_page_key = b.page_key AND b.page_key "
        f"NOT IN (SELECT e.page_key FROM {EVENTS} e WHERE {conv_t} AND e.kind = 'conversion' "
        "AND e.page_key IS NOT NULL)) AS scrolled_candidates "
        f"FROM {PAGELEAVES} l JOIN ({b}) b ON b.page_key = l.page_key "
        "WHERE l.project = ? AND l.environment = ? GROUP BY b.g"
    )
    return sql, [*conv_p, *bp, scope.project, scope.environment]


def page_clicks(scope: Scope, cta_elements: Sequence[str]) -> tuple[str, list[Any]]:
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT b.g AS g, count(*) AS clicks, "
        f"count(*) FILTER (WHERE c.element IN ({_in_list(cta_elements)})) AS cta_clicks "
        f"FROM {CLICKS} c JOIN ({b}) b ON b.page_key = c.page_key "
        "WHERE c.project = ? AND c.environment = ? GROUP BY b.g"
    )
    return sql, [*cta_elements, *bp, scope.project, scope.environment]


def page_conversions(scope: Scope, goals: Sequence[str]) -> tuple[str, list[Any]]:
    """Per group and goal: visits of the page with that conversion in the same visit."""
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT b.g AS g, e.goal AS goal, count(DISTINCT b.visit_key) AS completions "
        f"FROM ({b}) b JOIN (SELECT DISTINCT visit_key, goal FROM {EVENTS} WHERE project = ? AND environment = ? "
        f"AND kind = 'conversion' AND goal IN ({_in_list(goals)})) e ON e.visit_key = b.visit_key "
        "GROUP BY b.g, e.goal"
    )
    return sql, [*bp, scope.project, scope.environment, *goals]


def page_any_conversion(scope: Scope, goals: Sequence[str]) -> tuple[str, list[Any]]:
    """Per group: visits of the page with any of these conversions in the same visit (counted once)."""
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT b.g AS g, count(DISTINCT b.visit_key) AS completions "
        f"FROM ({b}) b JOIN (SELECT DISTINCT visit_key FROM {EVENTS} WHERE project = ? AND environment = ? "
        f"AND kind = 'conversion' AND goal IN ({_in_list(goals)})) e ON e.visit_key = b.visit_key GROUP BY b.g"
    )
    return sql, [*bp, scope.project, scope.environment, *goals]


def goal_names(project: str, environment: str) -> tuple[str, list[Any]]:
    """Every conversion name seen in the tracker data (configured goals come from the control plane)."""
    return (
        f"SELECT DISTINCT goal FROM {EVENTS} WHERE project = ? AND environment = ? AND kind = 'conversion' "
        "AND goal IS NOT NULL",
        [project, environment],
    )


# --- blocks -----------------------------------------------------------------------------------
def _block_rows(scope: Scope, blocks: Sequence[str], *, exits: bool = False) -> tuple[str, list[Any]]:
    """One row per (page view, block): seconds, fully seen, the block's rank in the page's order.

    ``is_exit`` (the page view ended its visit) is only known with ``exits`` (it needs the visit).
    """
    b, bp = base(scope, visit=exits)
    rank = "CASE name " + " ".join("WHEN ? THEN ?" for _ in blocks) + " ELSE 0 END"
    rank_p: list[Any] = [x for i, name in enumerate(blocks, 1) for x in (name, i)]
    sql = (
        f"SELECT page_key, visit_key, is_exit, name, seconds, seen, {rank} AS rank FROM ("
        "SELECT b.page_key AS page_key, b.visit_key AS visit_key, b.exit_page_key = b.page_key AS is_exit, "
        "unnest(l.block_names) AS name, unnest(l.block_seconds) AS seconds, unnest(l.block_seen) AS seen "
        f"FROM {PAGELEAVES} l JOIN ({b}) b ON b.page_key = l.page_key "
        "WHERE l.project = ? AND l.environment = ?) x"
    )
    return sql, [*rank_p, *bp, scope.project, scope.environment]


def block_metrics(scope: Scope, blocks: Sequence[str]) -> tuple[str, list[Any]]:
    """Per block name: impressions, time spent and the page views that stayed on it."""
    rows, rp = _block_rows(scope, blocks)
    sql = (
        "SELECT name, count(DISTINCT page_key) FILTER (WHERE seen) AS impression, "
        "sum(seconds) FILTER (WHERE seconds > 0) AS total_seconds, count(*) FILTER (WHERE seconds > 0) AS stayed "
        f"FROM ({rows}) r GROUP BY name"
    )
    return sql, rp


def block_dropoffs(scope: Scope, blocks: Sequence[str]) -> tuple[str, list[Any]]:
    """Per rank: page views that ended the visit with this block the deepest fully displayed one."""
    rows, rp = _block_rows(scope, blocks, exits=True)
    sql = (
        "SELECT deepest, count(*) AS dropoff FROM (SELECT page_key, max(rank) AS deepest, max(is_exit) AS is_exit "
        f"FROM ({rows}) r WHERE seen AND rank > 0 GROUP BY page_key) d WHERE is_exit GROUP BY deepest"
    )
    return sql, rp


def block_stays(
    scope: Scope, blocks: Sequence[str], stay_seconds: float, goals: Sequence[str] | None
) -> tuple[str, list[Any]]:
    """Per block and goal: visits that stayed ``stay_seconds`` on it, and those of them that converted.

    ``goals`` None: any conversion counts (goal ''); else one row per matching goal.
    """
    rows, rp = _block_rows(scope, blocks)
    goal_cond = "" if goals is None else f" AND goal IN ({_in_list(goals)})"
    goal_expr = "''" if goals is None else "goal"
    sql = (
        "SELECT s.name AS name, e.goal AS goal, count(DISTINCT s.visit_key) AS completions FROM ("
        f"SELECT DISTINCT name, visit_key FROM ({rows}) r WHERE seconds >= ?) s JOIN ("
        f"SELECT DISTINCT visit_key, {goal_expr} AS goal FROM {EVENTS} WHERE project = ? AND environment = ? "
        f"AND kind = 'conversion'{goal_cond}) e ON e.visit_key = s.visit_key GROUP BY s.name, e.goal"
    )
    return sql, [*rp, stay_seconds, scope.project, scope.environment, *(goals or [])]


def block_stayed_visits(scope: Scope, blocks: Sequence[str], stay_seconds: float) -> tuple[str, list[Any]]:
    rows, rp = _block_rows(scope, blocks)
    sql = f"SELECT name, count(DISTINCT visit_key) AS visits FROM ({rows}) r WHERE seconds >= ? GROUP BY name"
    return sql, [*rp, stay_seconds]


# --- elements ---------------------------------------------------------------------------------
def element_impressions(scope: Scope) -> tuple[str, list[Any]]:
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT e.element AS element, count(DISTINCT e.page_key) AS impression "
        f"FROM {EVENTS} e JOIN ({b}) b ON b.page_key = e.page_key "
        "WHERE e.project = ? AND e.environment = ? AND e.kind = 'element_view' GROUP BY e.element"
    )
    return sql, [*bp, scope.project, scope.environment]


def element_clicks(scope: Scope) -> tuple[str, list[Any]]:
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT c.element AS element, count(*) AS clicks, count(DISTINCT b.visit_key) AS visits "
        f"FROM {CLICKS} c JOIN ({b}) b ON b.page_key = c.page_key "
        "WHERE c.project = ? AND c.environment = ? AND c.element IS NOT NULL GROUP BY c.element"
    )
    return sql, [*bp, scope.project, scope.environment]


def element_conversions(scope: Scope, goals: Sequence[str] | None) -> tuple[str, list[Any]]:
    b, bp = base(scope, visit=False)
    goal_cond = "" if goals is None else f" AND goal IN ({_in_list(goals)})"
    goal_expr = "''" if goals is None else "goal"
    sql = (
        "SELECT k.element AS element, e.goal AS goal, count(DISTINCT k.visit_key) AS completions FROM ("
        f"SELECT DISTINCT c.element AS element, b.visit_key AS visit_key FROM {CLICKS} c JOIN ({b}) b "
        "ON b.page_key = c.page_key WHERE c.project = ? AND c.environment = ? AND c.element IS NOT NULL) k JOIN ("
        f"SELECT DISTINCT visit_key, {goal_expr} AS goal FROM {EVENTS} WHERE project = ? AND environment = ? "
        f"AND kind = 'conversion'{goal_cond}) e ON e.visit_key = k.visit_key GROUP BY k.element, e.goal"
    )
    return sql, [*bp, scope.project, scope.environment, scope.project, scope.environment, *(goals or [])]


# --- heatmap data (Traitbase extensions) ------------------------------------------------------
def click_grid(scope: Scope, columns: int, row_px: int) -> tuple[str, list[Any]]:
    """Clicks per (device, column of page width, row of ``row_px`` pixels), with the cell's top selector."""
    b, bp = base(scope, visit=False)
    sql = (
        f"SELECT device_type, cx, cy, count(*) AS clicks, max(selector) AS selector FROM ("
        f"SELECT c.device_type AS device_type, CAST(floor(least(c.x, 0.999999) * {int(columns)}) AS INTEGER) AS cx, "
        f"CAST(floor(c.y / {int(row_px)}) AS INTEGER) AS cy, c.selector AS selector "
        f"FROM {CLICKS} c JOIN ({b}) b ON b.page_key = c.page_key "
        "WHERE c.project = ? AND c.environment = ?) k GROUP BY device_type, cx, cy"
    )
    return sql, [*bp, scope.project, scope.environment]


def click_cell_selectors(scope: Scope, columns: int, row_px: int) -> tuple[str, list[Any]]:
    """Clicks per (device, cell, selector): the face keeps each cell's most clicked selector."""
    b, bp = base(scope, visit=False)
    sql = (
        f"SELECT device_type, cx, cy, selector, count(*) AS clicks FROM ("
        f"SELECT c.device_type AS device_type, CAST(floor(least(c.x, 0.999999) * {int(columns)}) AS INTEGER) AS cx, "
        f"CAST(floor(c.y / {int(row_px)}) AS INTEGER) AS cy, c.selector AS selector "
        f"FROM {CLICKS} c JOIN ({b}) b ON b.page_key = c.page_key "
        "WHERE c.project = ? AND c.environment = ?) k GROUP BY device_type, cx, cy, selector"
    )
    return sql, [*bp, scope.project, scope.environment]


def scroll_depths(scope: Scope) -> tuple[str, list[Any]]:
    """Per device and 5 % step of page depth reached (0..20): page views with a leave."""
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT b.device_type AS device_type, "
        "CAST(floor(least(l.scroll_fraction, 1.0) * 20) AS INTEGER) AS step, count(*) AS views "
        f"FROM {PAGELEAVES} l JOIN ({b}) b ON b.page_key = l.page_key "
        "WHERE l.project = ? AND l.environment = ? GROUP BY b.device_type, step"
    )
    return sql, [*bp, scope.project, scope.environment]


def fold_lines(scope: Scope) -> tuple[str, list[Any]]:
    """Per device: page views and the mean fold line in pixels and as a share of page height."""
    b, bp = base(scope, visit=False)
    sql = (
        "SELECT device_type, count(*) AS views, avg(viewport_height) AS fold_px, "
        "avg(CASE WHEN page_height > 0 THEN least(CAST(viewport_height AS DOUBLE) / page_height, 1.0) END) "
        f"AS fold_fraction FROM ({b}) b GROUP BY device_type"
    )
    return sql, bp


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
