"""The query API's operations: queryType registry, filter values, custom dimensions, event variables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from traitbase.domain.analytics import blocks as blk
from traitbase.domain.analytics import maps, page, parse
from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.common import Job, Labeler
from traitbase.domain.analytics.errors import QueryError, missing
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.storage.warehouse import analytics as sql
from traitbase.storage.warehouse.collect import EVENTS, PAGEVIEWS

QueryFn = Callable[[Job], Any]

# queryType -> (the builder, its metric names). click_map and scroll_map are Traitbase extensions.
QUERY_TYPES: dict[str, tuple[QueryFn, tuple[str, ...]]] = {
    "page_metrics": (page.page_metrics, reg.PAGE_METRICS),
    "page_insight": (page.page_insight, reg.PAGE_METRICS),
    "block_metrics": (blk.block_metrics, reg.BLOCK_METRICS),
    "element_metrics": (blk.element_metrics, reg.ELEMENT_METRICS),
    "click_map": (maps.click_map, ()),
    "scroll_map": (maps.scroll_map, ()),
}
METRICS_OF: dict[str, tuple[str, ...]] = {name: m for name, (_, m) in QUERY_TYPES.items()}


def heatmap(reader: Reader, tenant: Tenant, q: parse.HeatmapQuery, label: Labeler) -> Any:
    fn = QUERY_TYPES[q.query_type][0]
    return fn(Job(q=q, tenant=tenant, reader=reader, label=label))


# --- filter values (seed 2.1): filter name -> (table, column, extra condition) ---------------------
_VALUE_SOURCES: dict[str, tuple[str, str, str]] = {
    **{name: (PAGEVIEWS, col, "NOT is_bot") for name, col in reg.COLUMN_FILTERS.items()},
    "deviceType": (PAGEVIEWS, "device_type", "NOT is_bot"),
    "sourceType": (PAGEVIEWS, "source_type", "NOT is_bot"),
    "combinedPages": (PAGEVIEWS, "url_base", "NOT is_bot"),
    "originalPages": (PAGEVIEWS, "url", "NOT is_bot"),
    "conversionName": (EVENTS, "goal", "kind = 'conversion' AND NOT is_bot"),
    "eventName": (EVENTS, "name", "kind = 'custom' AND NOT is_bot"),
    # The two-step filters list their first step here: dimension names, and custom event names.
    "customDimension": (EVENTS, "name", "kind = 'dimension' AND NOT is_bot"),
    "eventVariable": (EVENTS, "name", "kind = 'custom' AND NOT is_bot"),
}
# Fixed enums answered without reading data.
_FIXED: dict[str, tuple[str, ...]] = {
    "visitType": tuple(reg.VISIT_TYPES),
    "exitType": tuple(reg.EXIT_TYPES),
}
# Every name filter-values answers (the MCP tool's enum is this tuple).
VALUE_LISTS: tuple[str, ...] = (*_FIXED, *_VALUE_SOURCES)


def _values_query(body: dict[str, Any], tenant: Tenant, today: date, retention: int, limit: int) -> sql.ValuesQuery:
    dates = parse.date_range(body, today=today, retention_days=retention, required=False)
    search = parse.text(body, "search", required=False)
    return sql.ValuesQuery(tenant.project, tenant.environment, dates.start_dt, dates.end_dt, search=search, limit=limit)


def filter_values(reader: Reader, tenant: Tenant, body: dict[str, Any], *, today: date, retention: int,
                  limit: int) -> list[str]:  # fmt: skip
    name = parse.text(body, "name") or ""
    q = _values_query(body, tenant, today, retention, limit)
    if name in _FIXED:
        return [v for v in _FIXED[name] if not q.search or q.search.lower() in v.lower()]
    source = _VALUE_SOURCES.get(name)
    if source is None:
        raise QueryError(4015, f"name: {name!r} has no values list (see the filter table)")
    table, column, where = source
    return [str(r["value"]) for r in reader.rows(sql.distinct_values(table, column, q, where))]


def custom_dimensions(reader: Reader, tenant: Tenant, body: dict[str, Any], *, today: date, retention: int,
                      limit: int) -> list[str]:  # fmt: skip
    q = _values_query(body, tenant, today, retention, limit)
    return [str(r["value"]) for r in reader.rows(sql.distinct_values(EVENTS, "name", q, "kind = 'dimension'"))]


def custom_dimension_values(reader: Reader, tenant: Tenant, body: dict[str, Any], *, today: date, retention: int,
                            limit: int) -> list[str]:  # fmt: skip
    variant = parse.text(body, "eventVariant", required=False) or parse.text(body, "name", required=False)
    if not variant:
        raise missing("eventVariant")
    q = _values_query(body, tenant, today, retention, limit)
    q.extra.append(variant)
    rows = reader.rows(sql.distinct_values(EVENTS, "value", q, "kind = 'dimension' AND name = ?"))
    return [str(r["value"]) for r in rows]


def event_variables(reader: Reader, tenant: Tenant, body: dict[str, Any], *, today: date, retention: int,
                    limit: int) -> list[str]:  # fmt: skip
    event = parse.text(body, "eventName") or ""
    q = _values_query(body, tenant, today, retention, limit)
    q.extra.append(event)
    rows = reader.rows(sql.property_names(q))
    names: set[str] = set()
    for r in rows:
        names.update(r["keys"] or [])
    found = sorted(names)
    return [n for n in found if not q.search or q.search.lower() in n.lower()][:limit]


def event_variable_values(reader: Reader, tenant: Tenant, body: dict[str, Any], *, today: date, retention: int,
                          limit: int) -> list[str]:  # fmt: skip
    event = parse.text(body, "eventName") or ""
    variant = reg.safe_variant(parse.text(body, "eventVariant") or "")
    q = _values_query(body, tenant, today, retention, limit)
    q.extra.extend([event, f"$.{variant}"])
    rows = reader.rows(sql.distinct_json_values(q))
    return [str(r["value"]) for r in rows]
