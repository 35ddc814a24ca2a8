"""Experience report builders over ``tracker_events`` (kind ``experience``): portable SQL with ``?`` parameters.

The one base subquery: the experience's actions in the range (explicit ones, then the goals derived
from what assigned visitors did, shaped alike: see ``exp_goals_sql``), each with the attributes of the page
view it happened on (source, campaign, geography) and of its visit (new or returning, duration,
pageviews), and the group key ``g`` — at most one JOIN per SELECT (the ClickHouse 18.16 rule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from traitbase.storage.warehouse.collect import EVENTS, PAGEVIEWS, VISITS
from traitbase.storage.warehouse.exp_goals_sql import PAGE_COLUMNS as _PAGE_COLUMNS
from traitbase.storage.warehouse.exp_goals_sql import Goal, derived

# Group expressions by dimension name (seed 3.5), over the base's columns.
GROUPS: dict[str, str] = {
    "": "''",
    "visitPage": "x.url",
    "terminalType": "x.device_type",
    "sourceType": "x.source_type",
    "utmCampaign": "x.utm_campaign",
    "utmSource": "x.utm_source",
    "utmMedium": "x.utm_medium",
    "utmTerm": "x.utm_term",
    "utmContent": "x.utm_content",
    "sourceUrl": "x.referral_url",
    "sourceHost": "x.referral_source",
    "aiName": "x.ai_name",
    "visitType": "CASE WHEN v.visit_number = 1 THEN 'New visits' ELSE 'Returning visits' END",
    "country": "x.country",
    "region": "x.region",
    "userProperty": "x.visitor_key",  # resolved to the user's attribute by the domain
}


@dataclass(frozen=True)
class ExpScope:
    project: str
    environment: str
    experience: str
    start: datetime
    end: datetime  # exclusive
    group: str = ""
    sub_group: str = ""
    goals: tuple[Goal, ...] = ()  # the experience's goals, reached also by what visitors did (exp_goals_sql)


def _g(name: str) -> str:
    return f"coalesce(CAST({GROUPS[name]} AS VARCHAR), '')"


def base(scope: ExpScope) -> tuple[str, list[Any]]:
    page_cols = ", ".join(f"p.{c} AS {c}" for c in _PAGE_COLUMNS)
    inner = (
        # CASTs: on ClickHouse these are LowCardinality, the derived parts' Strings, and 18.16 finds no
        # common type for the sides of a UNION ALL.
        "SELECT e.visitor_key AS visitor_key, e.visit_key AS visit_key, CAST(e.version AS VARCHAR) AS version, "
        "CAST(e.action AS VARCHAR) AS action, CAST(e.goal AS VARCHAR) AS goal, e.fields AS fields, "
        "e.event_time AS event_time, e.url AS url, "
        f"e.device_type AS device_type, {page_cols} "
        f"FROM {EVENTS} e LEFT JOIN {PAGEVIEWS} p ON p.page_key = e.page_key "
        "WHERE e.project = ? AND e.environment = ? AND e.kind = 'experience' AND e.experience = ? "
        "AND e.event_time >= ? AND e.event_time < ? AND NOT e.is_bot"
    )
    params: list[Any] = [scope.project, scope.environment, scope.experience, scope.start, scope.end]
    for part, part_params in derived(scope.goals, scope.project, scope.environment, scope.experience, scope.start,
                                     scope.end):  # fmt: skip
        inner += f" UNION ALL {part}"
        params += part_params
    sql = (
        "SELECT x.visitor_key AS visitor_key, x.visit_key AS visit_key, x.version AS version, x.action AS action, "
        "x.goal AS goal, x.fields AS fields, x.event_time AS event_time, "
        f"{_g(scope.group)} AS g, {_g(scope.sub_group)} AS sg, "
        "date_diff('second', v.start_time, v.end_time) AS duration, v.pageviews AS pageviews "
        f"FROM ({inner}) x LEFT JOIN {VISITS} v ON v.visit_key = x.visit_key"
    )
    return sql, params


def actions(scope: ExpScope) -> tuple[str, list[Any]]:
    """Per version, group, action and goal: distinct visitors and actions."""
    b, bp = base(scope)
    sql = (
        "SELECT version, g, sg, action, coalesce(goal, '') AS goal, count(DISTINCT visitor_key) AS users, "
        f"count(*) AS events FROM ({b}) b GROUP BY version, g, sg, action, coalesce(goal, '')"
    )
    return sql, bp


def viewed_visits(scope: ExpScope) -> tuple[str, list[Any]]:
    """Per version and group: the visits with a view, their durations and pageviews (sums and squares), bounces."""
    b, bp = base(replace(scope, goals=()))  # views only: the derived goal rows are not read
    sql = (
        "SELECT version, g, sg, count(*) AS visits, sum(duration) AS dur, sum(duration * duration) AS dur_sq, "
        "sum(pageviews) AS pv, sum(pageviews * pageviews) AS pv_sq, sum(CASE WHEN pageviews = 1 THEN 1 ELSE 0 END) "
        "AS bounces FROM (SELECT DISTINCT version, g, sg, visit_key, duration, pageviews "
        f"FROM ({b}) b WHERE action = 'view') d GROUP BY version, g, sg"
    )
    return sql, bp


def action_rows(scope: ExpScope, action: str, goal: str | None = None) -> tuple[str, list[Any]]:
    """One row per action of a kind (form submissions, goal actions with their fields), oldest first."""
    # Derived rows only where read: goal actions, of the one goal asked for.
    goals = tuple(g for g in scope.goals if goal is None or g[0] == goal) if action == "goal" else ()
    b, bp = base(replace(scope, goals=goals))
    cond = "action = ?" + (" AND goal = ?" if goal is not None else "")
    sql = f"SELECT version, g, sg, visitor_key, fields, event_time FROM ({b}) b WHERE {cond} ORDER BY event_time"
    return sql, [*bp, action, *([goal] if goal is not None else [])]


def identified(project: str, environment: str) -> tuple[str, list[Any]]:
    """The last user id each visitor identified as (for breakdowns by user property)."""
    return (
        f"SELECT visitor_key, max(user_id) AS user_id FROM {EVENTS} WHERE project = ? AND environment = ? "
        "AND kind = 'identify' AND user_id IS NOT NULL GROUP BY visitor_key",
        [project, environment],
    )
