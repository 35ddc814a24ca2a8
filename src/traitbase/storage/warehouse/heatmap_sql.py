"""Heatmap query types as one statement each: the page's page views read once, every figure from them.

A request used to run one statement per figure (counts, leaves, clicks, conversions, ...), and
each statement scanned the page views again, joined them to their visits again and built its own
hash tables; over 10M events that repeated work was most of the time (docs/query.md,
"Performance"). Here each query type is a single statement:

- a CTE ``x`` holds the page's page views (the filtered base of ``analytics.base``), computed once;
  DuckDB materializes a CTE that is read more than once, and the ClickHouse renderer inlines it
  (18.16 has no CTEs), so that engine runs the same text as before, in one round trip;
- every figure is a branch of one ``UNION ALL``, tagged by ``part``, with the same columns in
  every branch (``k`` a key, ``goal``, integer columns ``n0..`` and float columns ``f0..``, cast to
  one type each: 18.16 refuses a UNION whose branches differ in type);
- distinct counts over visits are a per-(group, visit) aggregate ``v`` read by plain counts,
  instead of several ``count(DISTINCT visit_key)`` over the page views (one hash table, not five).

Each branch keeps one JOIN per SELECT (the 18.16 rule) and the metric definitions of SPEC 8
exactly; the domain reads the branches back by ``part``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from traitbase.storage.warehouse.analytics import Scope, base
from traitbase.storage.warehouse.collect import CLICKS, EVENTS, PAGELEAVES, VISITS

Query = tuple[str, list[Any]]


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def _row(part: str, key: str, ints: Sequence[str] = (), floats: Sequence[str] = (), goal: str = "''",
         *, width: tuple[int, int]) -> str:  # fmt: skip
    """The SELECT list of one branch: every branch has the same columns, of the same types."""
    n_int, n_float = width
    cols = [f"'{part}' AS part", f"{key} AS k", f"CAST(coalesce({goal}, '') AS VARCHAR) AS goal"]
    cols += [f"CAST({e} AS BIGINT) AS n{i}" for i, e in enumerate([*ints, *["0"] * (n_int - len(ints))])]
    cols += [f"CAST({e} AS DOUBLE) AS f{i}" for i, e in enumerate([*floats, *["0"] * (n_float - len(floats))])]
    return "SELECT " + ", ".join(cols)


def _text(column: str) -> str:
    """A string key of one type in every branch (18.16 has no supertype of String and LowCardinality)."""
    return f"CAST(coalesce({column}, '') AS VARCHAR)"


def _tenant(alias: str) -> str:
    return f"{alias}.project = ? AND {alias}.environment = ?"


def _conversions(goals: Sequence[str] | None, *, distinct: bool = True) -> tuple[str, list[Any]]:
    """(visit, goal) of the conversions (of ``goals`` when given), distinct unless the caller dedupes."""
    cond = "" if goals is None else f" AND goal IN ({_in(goals)})"
    return (
        f"SELECT {'DISTINCT ' if distinct else ''}visit_key, goal FROM {EVENTS} WHERE project = ? AND environment = ? "
        f"AND kind = 'conversion'{cond}",
        list(goals or []),
    )


def _not_converted_page() -> str:
    return (
        f"page_key NOT IN (SELECT e.page_key FROM {EVENTS} e WHERE {_tenant('e')} AND e.kind = 'conversion' "
        "AND e.page_key IS NOT NULL)"
    )


# --- page_metrics / page_insight ----------------------------------------------------------------
PAGE_WIDTH = (8, 0)


def page_figures(
    scope: Scope, *, cta_elements: Sequence[str] | None, goals: Sequence[str] | None, any_goals: Sequence[str] | None
) -> Query:
    """Per group ``k``: part ``v`` visits (n1 visits, n2 uv, n3 new visits); ``p`` page views (n0 pv,
    n4 entrances, n5 bounces, n6 pageviews of entered visits, n7 fv candidates); ``l`` leaves and
    clicks (n0 leaves, n1 active ms, n2 fv candidates that scrolled, n3 clicks, n4 CTA clicks; the
    clicks only when ``cta_elements`` is not None); ``a`` visits with any of ``any_goals`` (n0; when
    not empty); ``g``
    of those, per goal of ``goals`` (n0; when given: ``goals`` must be part of ``any_goals``)."""
    b, bp = base(scope)
    w = PAGE_WIDTH
    t = [scope.project, scope.environment]
    # x: only the columns the figures read (a materialized CTE costs per column and row).
    x = (
        "SELECT b.page_key AS page_key, b.visit_key AS visit_key, b.visitor_key AS visitor_key, b.g AS g, "
        "b.visit_number AS visit_number, b.viewport_height AS viewport_height, b.visit_pageviews AS visit_pageviews, "
        "CASE WHEN b.entry_page_key = b.page_key THEN 1 ELSE 0 END AS entered, "
        f"CASE WHEN b.exit_page_key = b.page_key AND b.{_not_converted_page()} THEN 1 ELSE 0 END AS fv FROM ({b}) b"
    )
    # v: one row per (group, visit) — visits are counted from it without count(DISTINCT). With one
    # group (page_metrics) it is the page's visits themselves, read from the visits table by a
    # semi-join (cheaper than aggregating the page views per visit), and the per-group figures
    # below are plain aggregates without GROUP BY (over no page view: one row of zeros and NULL
    # sums, read as 0). Together 15 % of the statement's time at 10M events (docs/query.md).
    one_group = scope.group == "''"
    key, by, by_x = (_text("''"), "", "") if one_group else ("g", " GROUP BY g", " GROUP BY x.g")
    v, v_p = (
        (f"SELECT {key} AS g, visit_key, visitor_key, visit_number FROM {VISITS} WHERE project = ? "
         "AND environment = ? AND visit_key IN (SELECT visit_key FROM x)", list(t))
        if one_group
        else ("SELECT g, visit_key, max(visitor_key) AS visitor_key, max(visit_number) AS visit_number "
              "FROM x GROUP BY g, visit_key", [])
    )  # fmt: skip
    # y: (group, visit, goal) of the visits that converted; distinct after the join, which keeps
    # only this page's visits, rather than over every conversion of the project.
    conv, conv_p = _conversions(any_goals or (), distinct=False)
    y = (
        "SELECT DISTINCT v.g AS g, v.visit_key AS visit_key, e.goal AS goal FROM v "
        f"JOIN ({conv}) e ON e.visit_key = v.visit_key"
    )
    new_visit = "sum(CASE WHEN visit_number = 1 THEN 1 ELSE 0 END)"
    bounce = "sum(CASE WHEN entered = 1 AND visit_pageviews = 1 THEN 1 ELSE 0 END)"
    parts: list[tuple[str, list[Any]]] = [
        (_row("v", key, ["0", "count(*)", "count(DISTINCT visitor_key)", new_visit], width=w)
         + " FROM v" + by, []),
        (_row("p", key, ["count(*)", "0", "0", "0", "sum(entered)", bounce, "sum(entered * visit_pageviews)",
                         "sum(fv)"], width=w) + " FROM x" + by, []),
    ]  # fmt: skip

    # Leaves and clicks in one stream, joined to x once (one hash table over the page's page views);
    # every column cast to one type (18.16 has no supertype of UInt8 and LowCardinality(UInt8)).
    def stream(table: str, *cols: str) -> str:
        names = ("leave", "active_ms", "max_scroll", "click", "cta")
        select = ", ".join(f"CAST({c} AS BIGINT) AS {n}" for c, n in zip(cols, names, strict=True))
        return f"SELECT page_key, {select} FROM {table} WHERE project = ? AND environment = ?"

    events, events_p = stream(PAGELEAVES, "1", "active_ms", "max_scroll", "0", "0"), list(t)
    if cta_elements is not None:
        cta = f"CASE WHEN element IN ({_in(cta_elements)}) THEN 1 ELSE 0 END"
        events += " UNION ALL " + stream(CLICKS, "0", "0", "0", "1", cta)
        events_p += [*cta_elements, *t]
    scrolled = "sum(CASE WHEN t.leave = 1 AND t.max_scroll > x.viewport_height THEN x.fv ELSE 0 END)"
    figures = ["sum(t.leave)", "sum(t.active_ms)", scrolled, "sum(t.click)", "sum(t.cta)"]
    parts.append((_row("l", key if one_group else "x.g", figures, width=w)
                  + f" FROM ({events}) t JOIN x ON x.page_key = t.page_key{by_x}", events_p))  # fmt: skip
    if any_goals:
        parts.append((_row("a", "g", ["count(DISTINCT visit_key)"], width=w) + " FROM y GROUP BY g", []))
        if goals:
            parts.append((_row("g", "g", ["count(*)"], goal="goal", width=w)
                          + f" FROM y WHERE goal IN ({_in(goals)}) GROUP BY g, goal", list(goals)))  # fmt: skip
    sql = f"WITH x AS ({x}), v AS ({v}), y AS ({y}) " + " UNION ALL ".join(p for p, _ in parts)
    return sql, [*t, *bp, *v_p, *t, *conv_p, *[p for _, ps in parts for p in ps]]


# --- block_metrics ------------------------------------------------------------------------------
BLOCK_WIDTH = (2, 1)


def block_figures(scope: Scope, blocks: Sequence[str], stay_seconds: float, goals: Sequence[str] | None) -> Query:
    """Keyed by ``k``, the block's rank in ``blocks`` (1..; 0 for the page): part ``pv`` (n0 page
    views); ``m`` (n0 impressions, n1 page views with time on the block, f0 their seconds); ``s`` (n0
    visits that stayed ``stay_seconds``); ``a`` (n0 of them that converted, any goal); ``g`` (n0 of
    them per goal of ``goals``); ``d`` (n0 page views that ended their visit with this block the
    deepest fully seen one).

    A page view's block rows are unnested once (CTE ``r``) with the block's rank instead of its
    name: blocks not configured on the page are dropped there, and every aggregate groups by a
    small integer rather than a string.
    """
    b, bp = base(scope, visit=False)
    w = BLOCK_WIDTH
    t = [scope.project, scope.environment]
    rank = "CASE name " + " ".join("WHEN ? THEN ?" for _ in blocks) + " ELSE 0 END"
    rank_p: list[Any] = [x for i, name in enumerate(blocks, 1) for x in (name, i)]
    # A page view ended its visit when it is its visit's exit page view (no JOIN: an IN list).
    x = (f"SELECT b.*, CASE WHEN b.page_key IN (SELECT exit_page_key FROM {VISITS} WHERE project = ? "
         f"AND environment = ?) THEN 1 ELSE 0 END AS is_exit FROM ({b}) b")  # fmt: skip
    r = (
        f"SELECT page_key, visit_key, is_exit, {rank} AS rank, seconds, seen FROM ("
        # l.page_key, not x.page_key (equal by the join): 18.16 mixes up the offsets of an ARRAY JOIN
        # whose rows carry a key column of the joined side ("Size of offsets doesn't match").
        "SELECT l.page_key AS page_key, x.visit_key AS visit_key, x.is_exit AS is_exit, "
        "unnest(l.block_names) AS name, unnest(l.block_seconds) AS seconds, unnest(l.block_seen) AS seen "
        f"FROM {PAGELEAVES} l JOIN x ON x.page_key = l.page_key WHERE {_tenant('l')}) u"
    )
    r = f"SELECT * FROM ({r}) ranked WHERE rank > 0"
    s = "SELECT DISTINCT rank, visit_key FROM r WHERE seconds >= ?"
    conv, _ = _conversions(None)
    y = (
        "SELECT s.rank AS rank, s.visit_key AS visit_key, e.goal AS goal "
        f"FROM s JOIN ({conv}) e ON e.visit_key = s.visit_key"
    )
    deepest = "SELECT page_key, max(rank) AS deepest, max(is_exit) AS is_exit FROM r WHERE seen GROUP BY page_key"
    parts: list[tuple[str, list[Any]]] = [
        (_row("pv", "0", ["count(*)"], width=w) + " FROM x", []),
        (_row("m", "rank", ["count(DISTINCT page_key) FILTER (WHERE seen)", "count(*) FILTER (WHERE seconds > 0)"],
              ["sum(seconds) FILTER (WHERE seconds > 0)"], width=w) + " FROM r GROUP BY rank", []),
        (_row("d", "deepest", ["count(*)"], width=w) + f" FROM ({deepest}) d WHERE is_exit = 1 GROUP BY deepest", []),
        (_row("s", "rank", ["count(*)"], width=w) + " FROM s GROUP BY rank", []),
        (_row("a", "rank", ["count(DISTINCT visit_key)"], width=w) + " FROM y GROUP BY rank", []),
    ]  # fmt: skip
    if goals:
        parts.append((_row("g", "rank", ["count(*)"], goal="goal", width=w)
                      + f" FROM y WHERE goal IN ({_in(goals)}) GROUP BY rank, goal", list(goals)))  # fmt: skip
    sql = f"WITH x AS ({x}), r AS ({r}), s AS ({s}), y AS ({y}) " + " UNION ALL ".join(p for p, _ in parts)
    return sql, [*t, *bp, *rank_p, *t, stay_seconds, *t, *[p for _, ps in parts for p in ps]]


# --- element_metrics ----------------------------------------------------------------------------
ELEMENT_WIDTH = (2, 0)


def element_figures(scope: Scope, goals: Sequence[str] | None) -> Query:
    """Part ``pv`` (n0 page views); per element ``k``: ``i`` (n0 page views where it was seen), ``k``
    (n0 clicks), ``v`` (n0 visits that clicked it), ``a`` (n0 of them that converted, any goal),
    ``g`` (n0 of them per goal of ``goals``)."""
    b, bp = base(scope, visit=False)
    w = ELEMENT_WIDTH
    t = [scope.project, scope.environment]
    kv = (f"SELECT DISTINCT c.element AS element, x.visit_key AS visit_key FROM {CLICKS} c JOIN x "
          f"ON x.page_key = c.page_key WHERE {_tenant('c')} AND c.element IS NOT NULL")  # fmt: skip
    conv, _ = _conversions(None)
    y = (
        "SELECT kv.element AS element, kv.visit_key AS visit_key, e.goal AS goal "
        f"FROM kv JOIN ({conv}) e ON e.visit_key = kv.visit_key"
    )
    parts: list[tuple[str, list[Any]]] = [
        (_row("pv", _text("''"), ["count(*)"], width=w) + " FROM x", []),
        (_row("i", _text("e.element"), ["count(DISTINCT e.page_key)"], width=w)
         + f" FROM {EVENTS} e JOIN x ON x.page_key = e.page_key WHERE {_tenant('e')} AND e.kind = 'element_view' "
         "GROUP BY e.element", t),
        (_row("k", _text("c.element"), ["count(*)"], width=w)
         + f" FROM {CLICKS} c JOIN x ON x.page_key = c.page_key WHERE {_tenant('c')} AND c.element IS NOT NULL "
         "GROUP BY c.element", t),
        (_row("v", _text("element"), ["count(*)"], width=w) + " FROM kv GROUP BY element", []),
        (_row("a", _text("element"), ["count(DISTINCT visit_key)"], width=w) + " FROM y GROUP BY element", []),
    ]  # fmt: skip
    if goals:
        parts.append((_row("g", _text("element"), ["count(*)"], goal="goal", width=w)
                      + f" FROM y WHERE goal IN ({_in(goals)}) GROUP BY element, goal", list(goals)))  # fmt: skip
    sql = f"WITH x AS ({b}), kv AS ({kv}), y AS ({y}) " + " UNION ALL ".join(p for p, _ in parts)
    return sql, [*bp, *t, *t, *[p for _, ps in parts for p in ps]]


# --- click_map / scroll_map (Traitbase extensions) ---------------------------------------------
def click_cells(scope: Scope, columns: int, row_px: int) -> Query:
    """Clicks per (device, column of page width, row of ``row_px`` pixels, selector): the domain sums a
    cell's selectors for its clicks and keeps its most clicked selector."""
    b, bp = base(scope, visit=False)
    sql = (
        f"SELECT device_type, cx, cy, selector, count(*) AS clicks FROM ("
        f"SELECT c.device_type AS device_type, CAST(floor(least(c.x, 0.999999) * {int(columns)}) AS INTEGER) AS cx, "
        f"CAST(floor(c.y / {int(row_px)}) AS INTEGER) AS cy, c.selector AS selector "
        f"FROM {CLICKS} c JOIN ({b}) b ON b.page_key = c.page_key "
        f"WHERE {_tenant('c')}) k GROUP BY device_type, cx, cy, selector"
    )
    return sql, [*bp, scope.project, scope.environment]


SCROLL_WIDTH = (2, 2)


def scroll_figures(scope: Scope) -> Query:
    """Per device ``k``: ``s`` (n0 5 % step of page depth reached, 0..20, n1 page views with a leave
    reaching it), ``f`` (n0 page views, f0 mean fold line in px, f1 as a share of page height)."""
    b, bp = base(scope, visit=False)
    w = SCROLL_WIDTH
    step = "CAST(floor(least(l.scroll_fraction, 1.0) * 20) AS INTEGER)"
    fraction = "avg(CASE WHEN page_height > 0 THEN least(CAST(viewport_height AS DOUBLE) / page_height, 1.0) END)"
    parts = [
        _row("s", "d.device_type", ["step", "views"], width=w)
        + f" FROM (SELECT x.device_type AS device_type, {step} AS step, count(*) AS views FROM {PAGELEAVES} l "
        f"JOIN x ON x.page_key = l.page_key WHERE {_tenant('l')} GROUP BY x.device_type, {step}) d",
        _row("f", "device_type", ["count(*)"], ["avg(viewport_height)", fraction], width=w)
        + " FROM x GROUP BY device_type",
    ]
    sql = f"WITH x AS ({b}) " + " UNION ALL ".join(parts)
    return sql, [*bp, scope.project, scope.environment]
