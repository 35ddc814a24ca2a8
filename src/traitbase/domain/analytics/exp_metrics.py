"""Experience metrics from the report builders' rows (SPEC 8) and their seed 3.9 value formats.

Counts are integers; rates ``"42.86%"``; decimals ``"2.50"``; durations ``MM:SS`` (``HH:MM:SS`` from an
hour). Every metric is a ``{value, label, description}`` object, localized by the face's catalog.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from traitbase.domain.analytics import stats

Texts = Callable[[str], tuple[str, str]]  # metric name -> (label, description) in the request's language

# metric -> value kind (seed 3.3 / 3.9)
KINDS: dict[str, str] = {
    "viewedUsers": "value", "views": "value", "clickedUsers": "value", "clickRate": "rate",
    "closedUsers": "value", "closeRate": "rate", "formSubmittedUsers": "value", "formSubmitRate": "rate",
    "goalReachedUsers": "value", "goalReachRate": "rate", "goalStatus": "value",
    "avgVisitDuration": "time", "avgPagesPerVisit": "decimal", "bounceRate": "rate",
    "lastUpdatedTime": "text", "lastUpdatedMember": "text", "createdTime": "text", "createdMember": "text",
    "runningPeriod": "text", "tags": "text",
}  # fmt: skip
ACTION_OF = {"viewedUsers": "view", "clickedUsers": "click", "closedUsers": "close",
             "formSubmittedUsers": "form_submit"}  # fmt: skip


def pct(num: float, den: float) -> str:
    return f"{(num / den * 100 if den else 0.0):.2f}%"


def dec(num: float, den: float) -> str:
    return f"{(num / den if den else 0.0):.2f}"


def clock(seconds: float) -> str:
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def boxed(name: str, value: Any, texts: Texts) -> dict[str, Any]:
    label, description = texts(name)
    return {"value": value, "label": label, "description": description}


@dataclass
class Cell:
    """What one (version, group) has: users and counts per action, goal reach, viewed visits."""

    users: dict[str, int] = field(default_factory=dict)  # action -> distinct visitors
    events: dict[str, int] = field(default_factory=dict)  # action -> actions
    goal_users: dict[str, int] = field(default_factory=dict)  # goal id -> distinct visitors
    goal_reachers: int | None = None  # distinct visitors with any goal (None: not read; see add_goal_rows)
    goal_sums: dict[str, float] = field(default_factory=dict)  # goal id -> sum of its property
    visits: int = 0
    dur: float = 0.0
    dur_sq: float = 0.0
    pv: float = 0.0
    pv_sq: float = 0.0
    bounces: int = 0

    def add_action(self, row: dict[str, Any]) -> None:
        action, users, events = str(row["action"]), int(row["users"] or 0), int(row["events"] or 0)
        if action == "goal":
            self.goal_users[str(row["goal"])] = self.goal_users.get(str(row["goal"]), 0) + users
        self.users[action] = self.users.get(action, 0) + users
        self.events[action] = self.events.get(action, 0) + events

    def add_visits(self, row: dict[str, Any]) -> None:
        self.visits += int(row["visits"] or 0)
        self.dur += float(row["dur"] or 0)
        self.dur_sq += float(row["dur_sq"] or 0)
        self.pv += float(row["pv"] or 0)
        self.pv_sq += float(row["pv_sq"] or 0)
        self.bounces += int(row["bounces"] or 0)

    def add_goal_rows(self, reached: list[dict[str, Any]], valued: dict[str, tuple[str, list[dict[str, Any]]]]) -> None:
        """Goal actions one by one: distinct visitors over every goal, and each valued goal's property sum.

        ``valued`` maps a goal counted by sum or average to its property and its actions. Values are the
        strings the tracker sent; one that is not a number is left out (as if the property were absent).
        """
        self.goal_reachers = len({str(r["visitor_key"]) for r in reached})
        for goal_id, (prop, rows) in valued.items():
            numbers = (_number((orjson.loads(r["fields"]) if r["fields"] else {}).get(prop)) for r in rows)
            self.goal_sums[goal_id] = sum(n for n in numbers if n is not None)

    def goal_value(self, goal: dict[str, Any]) -> float | None:
        """``goals[].value``: null for a goal counted by users; the property's sum, or its mean per viewer."""
        count_by = goal.get("countBy", "users")
        if count_by == "users":
            return None
        total = self.goal_sums.get(str(goal["id"]), 0.0)
        if count_by == "sum":
            return round(total, 2)
        return round(total / self.viewed, 2) if self.viewed else 0.0

    @property
    def viewed(self) -> int:
        return self.users.get("view", 0)

    def raw(self, metric: str, goal_id: str | None = None) -> float:
        """The number behind a metric (rates as fractions, durations in seconds)."""
        if metric in ACTION_OF:
            return float(self.users.get(ACTION_OF[metric], 0))
        if metric == "views":
            return float(self.events.get("view", 0))
        if metric in ("goalReachedUsers", "goalReached"):
            if goal_id:
                return float(self.goal_users.get(goal_id, 0))
            # A visitor who reached two goals is one goal-reaching user (the per-goal counts would add up twice).
            return float(self.goal_reachers if self.goal_reachers is not None else self.users.get("goal", 0))
        rates = {"clickRate": "click", "closeRate": "close", "formSubmitRate": "form_submit"}
        if metric in rates:
            return self.users.get(rates[metric], 0) / self.viewed if self.viewed else 0.0
        if metric == "goalReachRate":
            return self.raw("goalReachedUsers", goal_id) / self.viewed if self.viewed else 0.0
        if metric == "avgVisitDuration":
            return self.dur / self.visits if self.visits else 0.0
        if metric == "avgPagesPerVisit":
            return self.pv / self.visits if self.visits else 0.0
        if metric == "bounceRate":
            return self.bounces / self.visits if self.visits else 0.0
        raise KeyError(metric)

    def shown(self, metric: str, goal_id: str | None = None) -> Any:
        kind, value = KINDS.get(metric, "value"), self.raw(metric, goal_id)
        if metric == "goalReached":
            return int(value)
        if kind == "rate":
            return f"{value * 100:.2f}%"
        if kind == "decimal":
            return f"{value:.2f}"
        if kind == "time":
            return clock(value)
        return int(value)

    def arm(self, metric: str, goal_id: str | None) -> stats.Arm:
        """The statistics model of a compareBy metric: users out of viewers, or a mean over viewed visits."""
        if metric == "avgVisitDuration":
            return stats.Mean(self.visits, self.dur, self.dur_sq)
        if metric == "avgPagesPerVisit":
            return stats.Mean(self.visits, self.pv, self.pv_sq)
        if metric == "bounceRate":
            return stats.Proportion(self.visits, self.bounces)
        x = int(self.raw(metric, goal_id))
        return stats.Proportion(max(self.viewed, x), x)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def cells(action_rows: list[dict[str, Any]], visit_rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
          ) -> dict[Any, Cell]:  # fmt: skip
    out: dict[Any, Cell] = {}
    for r in action_rows:
        out.setdefault(key(r), Cell()).add_action(r)
    for r in visit_rows:
        out.setdefault(key(r), Cell()).add_visits(r)
    return out


def ab_rows(versions: list[dict[str, Any]], by_version: dict[str, Cell], compare_by: str, goal_id: str | None,
            texts: Texts, valued_goal: dict[str, Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Per version: the compareBy metric, uplift against the baseline, probability to be best, and extras.

    With ``valued_goal`` (goalReached on a goal counted by sum or average) each row adds ``goalValue``,
    the goal's value within that version (as ``goals[].value`` of the key metrics).
    """
    empty = Cell()
    chosen = [by_version.get(v["id"], empty) for v in versions]
    lower = compare_by == "bounceRate"
    results = stats.compare([c.arm(compare_by, goal_id) for c in chosen], lower_is_better=lower)
    base_i = next((i for i, v in enumerate(versions) if v.get("baseline")), 0)
    base_value = chosen[base_i].raw(compare_by, goal_id) if chosen else 0.0
    rate_of = compare_by in ACTION_OF or compare_by == "goalReached"
    live = [i for i, v in enumerate(versions) if not v.get("deleted")]
    srm = stats.srm([chosen[i].viewed for i in live], [float(versions[i]["weight"]) for i in live])
    out = []
    for i, (v, c, r) in enumerate(zip(versions, chosen, results, strict=True)):
        # User counts compare as rates (users / viewers): versions differ in traffic, not only in effect.
        value = c.raw(compare_by, goal_id)
        compared = (value / c.viewed if c.viewed else 0.0) if rate_of and compare_by != "viewedUsers" else value
        base_cmp = chosen[base_i]
        base_compared = ((base_value / base_cmp.viewed if base_cmp.viewed else 0.0)
                         if rate_of and compare_by != "viewedUsers" else base_value)  # fmt: skip
        out.append({
            "versionId": v["id"], "versionName": v["name"], "deleted": bool(v.get("deleted")),
            compare_by: boxed(compare_by, c.shown(compare_by, goal_id), texts),
            "uplift": stats.format_uplift(compared, base_compared, is_baseline=i == base_i),
            "probabilityToBeBest": f"{r.probability_to_be_best * 100:.2f}%",
            "expectedLoss": round(r.expected_loss, 6),
            "credibleInterval": [round(r.ci_low, 6), round(r.ci_high, 6)],
        })  # fmt: skip
        if valued_goal is not None:
            out[-1]["goalValue"] = c.goal_value(valued_goal)
    for row in out:
        row["sampleRatioMismatch"] = {"pValue": round(srm.p_value, 6), "mismatch": srm.mismatch}
    return out
