"""``event/query`` (seed 4): custom-event segmentation by dimensions, with the heatmap query's filters.

Rules (seed 4.1, 4.8): ``dimensions`` must include ``"eventName"``; at most 3 non-time dimensions
and 1 time dimension (4018); metrics eventCount / sessions (4018); filter operators include /
exclude (4019); an ``eventName`` include filter is required when grouping by any other non-time
dimension, by an ``eventVariable``, or filtering by an ``eventVariable`` (4018); ``conversionName``
values match goal names by case-insensitive substring (4012 when none does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from traitbase.domain.analytics import parse
from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.errors import QueryError, missing
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.storage.warehouse import event_query_sql as sql
from traitbase.storage.warehouse.analytics import Cond

_C = "coalesce(p.{}, '')"
# Non-time dimensions (seed 4.5) -> SQL over the base ``p`` and its visit ``v``.
DIMENSIONS: dict[str, str] = {
    "eventName": "p.event_name",
    "visitType": "CASE WHEN v.visit_number = 1 THEN 'New visits' WHEN v.visit_number > 1 THEN 'Returning visits' "
    "ELSE '' END",
    "exitType": "CASE WHEN v.pageviews = 1 THEN 'Bounce visits' WHEN v.pageviews > 1 THEN 'Non-bounce visits' "
    "ELSE '' END",
    "originalPages": "coalesce(v.entry_url, '')",
    "combinedPages": "split_part(coalesce(v.entry_url, ''), '?', 1)",
    "sourceType": "coalesce(v.source_type, '')",
    **{name: _C.format(col) for name, col in reg.COLUMN_FILTERS.items()},
    "deviceType": _C.format("device_type"),
}
# Time dimensions: (the key grouped by, its label). Rows are grouped by a truncated timestamp and
# only the groups are formatted (one label per group, not per event: formatting 10 M timestamps
# costs several times the grouping); each label stands for exactly one key.
TIME_DIMENSIONS: dict[str, tuple[str, str]] = {
    "day": ("date_trunc('day', p.event_time)", "strftime({}, '%Y-%m-%d')"),
    "hour": ("CAST(EXTRACT(HOUR FROM p.event_time) AS INTEGER)", "{}"),
    "week": ("date_trunc('week', p.event_time)", "strftime({}, '%G-W%V')"),
    "month": ("date_trunc('month', p.event_time)", "strftime({}, '%Y-%m')"),
}
METRICS = ("eventCount", "sessions")
# Filters of seed 4.6: the heatmap vocabulary without customDimension; eventName and eventVariable
# act on the event itself here, not on its visit.
FILTER_NAMES = tuple(n for n in reg.FILTERS if n != "customDimension")
MAX_NON_TIME, MAX_TIME = 3, 1


@dataclass(frozen=True)
class Column:
    name: str  # the answer's column name (a bare property name for eventVariable)
    expr: str
    params: tuple[Any, ...] = ()
    label: str = "{}"  # how a group's key is shown ({} = the key)


def _dimensions(raw: object) -> list[Column]:
    if raw in (None, []):
        raise missing("dimensions")
    if not isinstance(raw, list) or len(raw) > 10:
        raise QueryError(4018, "dimensions must be a list")
    out: list[Column] = []
    non_time = time = 0
    for i, d in enumerate(raw):
        if isinstance(d, dict):
            if d.get("name") != "eventVariable":
                raise QueryError(4018, f"dimensions[{i}]: objects must be {{name: 'eventVariable', eventVariant}}")
            variant = d.get("eventVariant")
            if not isinstance(variant, str) or not variant:
                raise missing(f"dimensions[{i}].eventVariant")
            reg.safe_variant(variant)
            out.append(Column(variant, "coalesce(json_extract_string(p.properties, ?), '')", (f"$.{variant}",)))
            non_time += 1
        elif isinstance(d, str) and d in DIMENSIONS:
            out.append(Column(d, DIMENSIONS[d]))
            non_time += 1
        elif isinstance(d, str) and d in TIME_DIMENSIONS:
            key, label = TIME_DIMENSIONS[d]
            out.append(Column(d, key, label=label))
            time += 1
        else:
            raise QueryError(4018, f"dimensions[{i}]: unknown dimension {d!r}")
    if not any(c.name == "eventName" and c.expr == DIMENSIONS["eventName"] for c in out):
        raise QueryError(4018, 'dimensions must include "eventName"')
    if non_time > MAX_NON_TIME or time > MAX_TIME:
        raise QueryError(4018, f"at most {MAX_NON_TIME} non-time dimensions and {MAX_TIME} time dimension")
    return out


def _metrics(raw: object) -> tuple[str, ...]:
    if raw in (None, []):
        return ("eventCount",)
    if not isinstance(raw, list) or any(m not in METRICS for m in raw):
        raise QueryError(4018, "metrics: eventCount, sessions")
    return tuple(dict.fromkeys(raw))


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def _conditions(reader: Reader, t: Tenant, items: tuple[reg.FilterItem, ...]) -> list[Cond]:
    out: list[Cond] = []
    for f in items:
        if f.name == "eventName":
            cond = Cond(f"p.event_name IN ({_marks(len(f.values))})", f.values)
        elif f.name == "eventVariable":
            cond = Cond(f"p.event_name = ? AND coalesce(json_extract_string(p.properties, ?), '') IN "
                        f"({_marks(len(f.values))})", (f.event_name, f"$.{f.variant}", *f.values))  # fmt: skip
        elif f.name == "conversionName":
            names = reader.goal_names(t)
            wanted = tuple(n for n in names if any(v.lower() in n.lower() for v in f.values))
            if not wanted:
                raise QueryError(4012, ", ".join(f.values))
            cond = reg.build_filter(reg.FilterItem(f.name, "include", wanted), t.project, t.environment)
        else:
            cond = reg.build_filter(reg.FilterItem(f.name, "include", f.values, f.event_name, f.variant),
                                    t.project, t.environment)  # fmt: skip
        out.append(Cond(f"NOT ({cond.sql})", cond.params) if f.op == "exclude" else cond)
    return out


def _filters(raw: object) -> tuple[reg.FilterItem, ...]:
    if isinstance(raw, list):
        for i, item in enumerate(raw):
            if isinstance(item, dict) and item.get("name") and item.get("name") not in FILTER_NAMES:
                raise QueryError(4018, f"filters[{i}].name: unknown filter {item.get('name')!r}")
    return parse.filters(raw)


def query(reader: Reader, t: Tenant, body: dict[str, Any], *, today: date, retention: int) -> dict[str, Any]:
    dates = parse.date_range(body, today=today, retention_days=retention, required=True)
    columns = _dimensions(body.get("dimensions"))
    metrics = _metrics(body.get("metrics"))
    items = _filters(body.get("filters"))
    pinned = any(f.name == "eventName" and f.op == "include" for f in items)
    needs_pin = (
        any(c.name != "eventName" and c.name not in TIME_DIMENSIONS for c in columns)
        or any(f.name == "eventVariable" for f in items)
    )  # fmt: skip
    if needs_pin and not pinned:
        raise QueryError(4018, 'add the filter {"name": "eventName", "op": "include", "value": ["<event>"]}')
    conds = _conditions(reader, t, items)
    group_conds = [Cond(c.expr, c.params) for c in columns]
    # The group expressions' parameters come first in the text (SELECT list), then the tenant's, then the filters'.
    labels = [c.label for c in columns]
    text, params = sql.segment(t.project, t.environment, dates.start_dt, dates.end_dt,
                               [c.sql for c in group_conds], conds, metrics, labels=labels)  # fmt: skip
    group_params = [x for c in group_conds for x in c.params]
    # GROUP BY / ORDER BY use the aliases, so the group parameters appear once, in the inner SELECT list.
    rows = reader.rows((text, [*group_params, *params]))
    names = [c.name for c in columns] + list(metrics)
    return {
        "columns": names,
        "rows": [[_value(r[f"g{i}"]) for i in range(len(columns))] + [int(r[m] or 0) for m in metrics] for r in rows],
    }


def _value(v: Any) -> Any:
    return v if isinstance(v, int) else ("" if v is None else str(v))


def fields(lang_label: Any) -> dict[str, Any]:
    """Supported metrics, dimensions and operators with labels (``lang_label(section, name)``)."""
    dims = [*DIMENSIONS, *TIME_DIMENSIONS, "eventVariable"]
    enums = {"visitType": list(reg.VISIT_TYPES), "exitType": list(reg.EXIT_TYPES),
             "deviceType": list(reg.DEVICE_FILTER_VALUES), "sourceType": list(reg.SOURCE_TYPES)}  # fmt: skip
    return {
        "metrics": [{"name": m, "label": lang_label("eventMetrics", m)} for m in METRICS],
        "dimensions": [
            {"name": d, "label": lang_label("eventDimensions", d), "time": d in TIME_DIMENSIONS} for d in dims
        ],
        "filters": [{"name": f, "label": lang_label("eventDimensions", f)} for f in FILTER_NAMES],
        "operators": [{"name": o, "label": lang_label("operators", o)} for o in ("include", "exclude")],
        "enums": enums,
    }
