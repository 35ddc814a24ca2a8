"""Custom-event segmentation (``event/query``): one portable query over tracker and events-face events.

The base ``p`` is a UNION ALL of
- tracker ``custom`` events, each with the attributes of the page view it happened on, and
- events pushed through the events face (12traits actions, PlayFab events): no page view or visit,
  so their page and visit dimensions are empty and a "session" is the pushed session id, else the user;
and the outer SELECT joins each row's visit ``v`` once. Filter conditions are the heatmap query's
(written over ``p.`` page-view columns and ``v.`` visit columns), so both queries share one vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from traitbase.storage.warehouse.analytics import Cond
from traitbase.storage.warehouse.collect import EVENTS as TRACKER_EVENTS
from traitbase.storage.warehouse.collect import PAGEVIEWS, VISITS

FACE_EVENTS = "events"
# Event kinds of the events face that are named custom events.
FACE_KINDS = ("action", "playfab")
_PAGE_COLUMNS = ("device_type", "device_brand", "os", "os_version", "browser", "browser_version",
                 "screen_resolution", "country", "region", "source_type", "search_engine", "social_network",
                 "social_url", "ai_name", "referral_source", "referral_url", "campaign_url", "utm_source",
                 "utm_medium", "utm_campaign", "utm_term", "utm_content", "url", "url_base")  # fmt: skip
_FACE_VALUES = {"country": "coalesce(country, '')"}


def _tracker_part() -> str:
    cols = ", ".join(f"coalesce(p.{c}, '') AS {c}" for c in _PAGE_COLUMNS)
    return (
        # CAST: the tracker's name is LowCardinality on ClickHouse, the events face's a String, and
        # 18.16 finds no common type for the two sides of the UNION ALL.
        "SELECT CAST(e.name AS VARCHAR) AS event_name, e.properties AS properties, e.event_time AS event_time, "
        f"e.visit_key AS visit_key, CAST(e.visit_key AS VARCHAR) AS session, {cols} "
        f"FROM {TRACKER_EVENTS} e LEFT JOIN {PAGEVIEWS} p ON p.page_key = e.page_key "
        "WHERE e.project = ? AND e.environment = ? AND e.kind = 'custom' AND e.event_time >= ? AND e.event_time < ? "
        "AND NOT e.is_bot"
    )


def _face_part() -> str:
    cols = ", ".join(f"{_FACE_VALUES.get(c, chr(39) * 2)} AS {c}" for c in _PAGE_COLUMNS)
    kinds = ", ".join(f"'{k}'" for k in FACE_KINDS)
    return (
        "SELECT name AS event_name, properties AS properties, event_time AS event_time, "
        "CAST(NULL AS BIGINT) AS visit_key, coalesce(session_id, user_id, '') AS session, "
        f"{cols} FROM {FACE_EVENTS} WHERE project = ? AND environment = ? AND kind IN ({kinds}) "
        "AND event_time >= ? AND event_time < ?"
    )


def segment(
    project: str,
    environment: str,
    start: datetime,
    end: datetime,
    groups: Sequence[str],
    conds: Sequence[Cond],
    metrics: Sequence[str],
) -> tuple[str, list[Any]]:
    """Per group (``g0``, ``g1``, ...): eventCount and sessions of the events matching every condition."""
    tenant = [project, environment, start, end]
    keys = [f"{expr} AS g{i}" for i, expr in enumerate(groups)]
    where = " AND ".join(f"({c.sql})" for c in conds) or "1 = 1"
    params: list[Any] = [x for c in conds for x in c.params]
    agg = {"eventCount": "count(*) AS eventCount", "sessions": "count(DISTINCT p.session) AS sessions"}
    names = ", ".join(f"g{i}" for i in range(len(groups)))
    sql = (
        f"SELECT {', '.join([*keys, *(agg[m] for m in metrics)])} "
        f"FROM ({_tracker_part()} UNION ALL {_face_part()}) p LEFT JOIN {VISITS} v ON v.visit_key = p.visit_key "
        f"WHERE {where} GROUP BY {names} ORDER BY {names}"
    )
    return sql, [*tenant, *tenant, *params]
