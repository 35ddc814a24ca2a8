"""Custom-event segmentation (``event/query``): one portable query over tracker and events-face events.

The base ``p`` is a UNION ALL of
- tracker ``custom`` events, each with the attributes of the page view it happened on, and
- events pushed through the events face (12traits actions, PlayFab events): no page view or visit,
  so their page and visit dimensions are empty and a "session" is the pushed session id, else the user;
and the outer SELECT joins each row's visit ``v`` once — each join and column only when the
request's dimensions or filters read it (``Needs``). Filter conditions are the heatmap query's
(written over ``p.`` page-view columns and ``v.`` visit columns), so both queries share one vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Needs:
    """What one request reads: the page-view columns, the properties, the session, the visit.

    A column nobody groups or filters by is not selected, and a join nobody reads is not made: the
    common "event names per day" reads three columns of the event tables and joins nothing.
    """

    page_columns: tuple[str, ...]
    properties: bool
    session: bool
    visit: bool

    @classmethod
    def of(cls, text: str, *, sessions: bool) -> Needs:
        cols = tuple(c for c in _PAGE_COLUMNS if re.search(rf"\bp\.{c}\b", text))
        return cls(cols, "p.properties" in text, sessions, re.search(r"\bv\.", text) is not None)


def _tracker_part(needs: Needs) -> str:
    cols = [f"coalesce(p.{c}, '') AS {c}" for c in needs.page_columns]
    if needs.properties:
        cols.append("e.properties AS properties")
    if needs.session:
        cols.append("CAST(e.visit_key AS VARCHAR) AS session")
    join = f"LEFT JOIN {PAGEVIEWS} p ON p.page_key = e.page_key " if needs.page_columns else ""
    return (
        # CAST: the tracker's name is LowCardinality on ClickHouse, the events face's a String, and
        # 18.16 finds no common type for the two sides of the UNION ALL.
        "SELECT CAST(e.name AS VARCHAR) AS event_name, e.event_time AS event_time, e.visit_key AS visit_key"
        + "".join(f", {c}" for c in cols)
        + f" FROM {TRACKER_EVENTS} e {join}"
        "WHERE e.project = ? AND e.environment = ? AND e.kind = 'custom' AND e.event_time >= ? AND e.event_time < ? "
        "AND NOT e.is_bot"
    )


def _face_part(needs: Needs) -> str:
    cols = [f"{_FACE_VALUES.get(c, chr(39) * 2)} AS {c}" for c in needs.page_columns]
    if needs.properties:
        cols.append("properties AS properties")
    if needs.session:
        cols.append("coalesce(session_id, user_id, '') AS session")
    kinds = ", ".join(f"'{k}'" for k in FACE_KINDS)
    return (
        "SELECT name AS event_name, event_time AS event_time, CAST(NULL AS BIGINT) AS visit_key"
        + "".join(f", {c}" for c in cols)
        + f" FROM {FACE_EVENTS} WHERE project = ? AND environment = ? AND kind IN ({kinds}) "
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
    *,
    labels: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """Per group (``g0``, ``g1``, ...): eventCount and sessions of the events matching every condition.

    Rows are grouped by the keys ``k0``, ``k1``, ... in an inner query; the outer one shows each
    key through its label (``labels[i]``, ``{}`` standing for the key; one label per key), so a
    label is computed once per group, never once per event.
    """
    tenant = [project, environment, start, end]
    keys = [f"{expr} AS k{i}" for i, expr in enumerate(groups)]
    where = " AND ".join(f"({c.sql})" for c in conds) or "1 = 1"
    params: list[Any] = [x for c in conds for x in c.params]
    agg = {"eventCount": "count(*) AS eventCount", "sessions": "count(DISTINCT p.session) AS sessions"}
    knames = ", ".join(f"k{i}" for i in range(len(groups)))
    needs = Needs.of(" ".join([*groups, where]), sessions="sessions" in metrics)
    visit = f" LEFT JOIN {VISITS} v ON v.visit_key = p.visit_key" if needs.visit else ""
    inner = (
        f"SELECT {', '.join([*keys, *(agg[m] for m in metrics)])} "
        f"FROM ({_tracker_part(needs)} UNION ALL {_face_part(needs)}) p{visit} "
        f"WHERE {where} GROUP BY {knames}"
    )
    shown = [(labels[i] if i < len(labels) else "{}").format(f"q.k{i}") + f" AS g{i}" for i in range(len(groups))]
    gnames = ", ".join(f"g{i}" for i in range(len(groups)))
    sql = f"SELECT {', '.join([*shown, *(f'q.{m} AS {m}' for m in metrics)])} FROM ({inner}) q ORDER BY {gnames}"
    return sql, [*tenant, *tenant, *params]
