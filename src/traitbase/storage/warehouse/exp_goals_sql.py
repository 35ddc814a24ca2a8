"""Experience goals derived from what a visitor did: rows shaped like the explicit ``goal`` actions.

A visitor assigned to a version (their ``view`` actions of the experience in the range; assignment is
sticky, so one version per visitor) reaches a goal when, at or after their first view in the range and
before the range's end, they
- ``event``: sent a tracker custom event named exactly the goal's match (its ``properties`` are the row's
  ``fields``, so a sum / average goal reads its property as from an explicit goal action's fields);
- ``url``: viewed a page whose URL contains the match (case-sensitive substring, as the tracker's
  conversion goals: ``location.href.indexOf(match) >= 0``);
- ``click``: clicked the tracked element named exactly the match.

Each part is ``activity m JOIN assignment a`` over subqueries, at most one JOIN per SELECT (the
ClickHouse 18.16 rule); the assignment's columns have names of their own so no qualifier is needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from traitbase.storage.warehouse.collect import CLICKS, EVENTS, PAGEVIEWS

# (goal id, type, match): what a derived part needs of an experience goal.
Goal = tuple[str, str, str]
# The explicit action rows' columns after version, action and goal, in base()'s order.
PAGE_COLUMNS = ("source_type", "utm_campaign", "utm_source", "utm_medium", "utm_term", "utm_content",
                "referral_url", "referral_source", "ai_name", "country", "region")  # fmt: skip


def _page_cols(alias: str) -> str:
    return ", ".join(f"{alias}.{c} AS {c}" for c in PAGE_COLUMNS)


def _activity(kind: str) -> str:
    """The visitor activity that reaches a goal of ``kind``; params: project, environment, match, start, end."""
    if kind == "event":
        return (
            "SELECT e.visitor_key AS visitor_key, e.visit_key AS visit_key, e.properties AS fields, "
            f"e.event_time AS event_time, e.url AS url, e.device_type AS device_type, {_page_cols('p')} "
            f"FROM {EVENTS} e LEFT JOIN {PAGEVIEWS} p ON p.page_key = e.page_key "
            "WHERE e.project = ? AND e.environment = ? AND e.kind = 'custom' AND e.name = ? "
            "AND e.event_time >= ? AND e.event_time < ? AND NOT e.is_bot"
        )
    if kind == "url":
        return (
            "SELECT p.visitor_key AS visitor_key, p.visit_key AS visit_key, CAST(NULL AS VARCHAR) AS fields, "
            f"p.event_time AS event_time, p.url AS url, p.device_type AS device_type, {_page_cols('p')} "
            f"FROM {PAGEVIEWS} p WHERE p.project = ? AND p.environment = ? AND strpos(p.url, ?) > 0 "
            "AND p.event_time >= ? AND p.event_time < ? AND NOT p.is_bot"
        )
    if kind == "click":
        return (
            "SELECT c.visitor_key AS visitor_key, c.visit_key AS visit_key, CAST(NULL AS VARCHAR) AS fields, "
            f"c.event_time AS event_time, c.url AS url, c.device_type AS device_type, {_page_cols('p')} "
            f"FROM {CLICKS} c LEFT JOIN {PAGEVIEWS} p ON p.page_key = c.page_key "
            "WHERE c.project = ? AND c.environment = ? AND c.element = ? "
            "AND c.event_time >= ? AND c.event_time < ? AND NOT c.is_bot"
        )
    raise ValueError(f"unknown goal type {kind!r}")


# Each assigned visitor's version and first view in the range; params: project, environment,
# experience, start, end.
_ASSIGNED = (
    "SELECT visitor_key AS a_visitor, min(CAST(version AS VARCHAR)) AS a_version, min(event_time) AS a_first "
    f"FROM {EVENTS} WHERE project = ? AND environment = ? AND kind = 'experience' AND experience = ? "
    "AND action = 'view' AND event_time >= ? AND event_time < ? AND NOT is_bot GROUP BY visitor_key"
)


def derived(
    goals: tuple[Goal, ...], project: str, environment: str, experience: str, start: datetime, end: datetime
) -> list[tuple[str, list[Any]]]:
    """One ``UNION ALL`` part per goal: its reaching activity as ``goal`` action rows of the visitor's version."""
    parts: list[tuple[str, list[Any]]] = []
    for goal_id, kind, match in goals:
        sql = (
            "SELECT m.visitor_key AS visitor_key, m.visit_key AS visit_key, a.a_version AS version, "
            "CAST('goal' AS VARCHAR) AS action, CAST(? AS VARCHAR) AS goal, m.fields AS fields, "
            "m.event_time AS event_time, m.url AS url, m.device_type AS device_type, "
            + ", ".join(f"m.{c} AS {c}" for c in PAGE_COLUMNS)
            + f" FROM ({_activity(kind)}) m JOIN ({_ASSIGNED}) a ON a.a_visitor = m.visitor_key "
            "WHERE m.event_time >= a.a_first"
        )
        parts.append((sql, [goal_id, project, environment, match, start, end,
                            project, environment, experience, start, end]))  # fmt: skip
    return parts
