"""``client.query.events`` and ``client.query.experiences``: the event and experience query API (seed 001 §3, §4).

Every method returns the answer's ``data``; a refusal raises the SDK's ``APIError`` with the query
API's message (its number is in ``error.body["code"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal, NotRequired, TypedDict

from traitbase.client._core import Call, Op, SyncRunner, single

CompareBy = Literal["viewedUsers", "clickedUsers", "closedUsers", "formSubmittedUsers", "goalReached",
                    "avgVisitDuration", "avgPagesPerVisit", "bounceRate"]  # fmt: skip
TimeDimension = Literal["day", "hour", "week", "month"]


class EventVariable(TypedDict):
    """A custom event property as a dimension: ``{"name": "eventVariable", "eventVariant": "position"}``."""

    name: Literal["eventVariable"]
    eventVariant: str


class EventFilter(TypedDict):
    name: str
    op: Literal["include", "exclude"]
    value: list[str]
    eventName: NotRequired[str]
    eventVariant: NotRequired[str]


class EventTable(TypedDict):
    """``columns`` are the dimensions then the metrics (bare property names); one list per row."""

    columns: list[str]
    rows: list[list[Any]]


class Boxed(TypedDict):
    """Every experience metric: the formatted value, its label and description in the request's language."""

    value: Any
    label: str
    description: str


class GoalReport(TypedDict):
    id: str
    name: str
    reachedUsers: int
    reachRate: str
    value: float | None  # null: counted by users; else the property's sum, or its mean per viewer


class VersionRow(TypedDict):
    """One A/B row; the compareBy metric is under its own name (``row["clickedUsers"]``), a ``Boxed``."""

    versionId: str
    versionName: str
    deleted: bool
    uplift: str
    probabilityToBeBest: str
    expectedLoss: float
    credibleInterval: list[float]
    sampleRatioMismatch: dict[str, Any]
    goalValue: NotRequired[float]


class FormReport(TypedDict):
    columns: list[dict[str, str]]
    rows: list[dict[str, str]]


# Module-level names: inside QueryExperiences, ``list`` is the method.
Rows = list[dict[str, Any]]
VersionRows = list[VersionRow]


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _post(token: str, path: str, body: dict[str, Any]) -> Op[Any]:
    # Queries read only: retrying one is always safe.
    clean = {k: v for k, v in body.items() if v is not None}
    return single(Call("POST", f"/open-api/v1{path}", json=clean, headers={"x-api-key": token}))


class _Reports:
    def __init__(self, run: SyncRunner, token: str) -> None:
        self._run = run
        self._token = token

    def _ask(self, path: str, **body: Any) -> Any:
        return self._run(_post(self._token, path, body))


class QueryEvents(_Reports):
    def __call__(
        self,
        *,
        profile_id: str,
        start: date | str,
        end: date | str,
        dimensions: Sequence[str | EventVariable],
        metrics: Sequence[Literal["eventCount", "sessions"]] | None = None,
        filters: Sequence[EventFilter] | None = None,
        lang: str | None = None,
    ) -> EventTable:
        """``POST event/query``: counts by up to 3 dimensions (``eventName`` among them) and one time dimension."""
        result: EventTable = self._ask("/event/query", profileId=profile_id, startDate=_day(start),
                                       endDate=_day(end), dimensions=list(dimensions),
                                       metrics=list(metrics) if metrics else None,
                                       filters=list(filters) if filters else None, lang=lang)  # fmt: skip
        return result

    def fields(self, lang: str | None = None) -> dict[str, Any]:
        """``GET event/fields``: metrics, dimensions, filters and operators, labelled in ``lang``."""
        params = {"lang": lang} if lang else None
        op = single(Call("GET", "/open-api/v1/event/fields", params=params, headers={"x-api-key": self._token}))
        result: dict[str, Any] = self._run(op)
        return result


class QueryExperiences(_Reports):
    def list(self, profile_id: str) -> Rows:
        """``experience/list``: every experience with its goals and versions (ids for the report calls)."""
        result: Rows = self._ask("/experience/list", profileId=profile_id)
        return result

    def user_properties(self, profile_id: str) -> Rows:
        result: Rows = self._ask("/experience/user-properties", profileId=profile_id)
        return result

    def overview(self, profile_id: str, experience_ids: Sequence[str], *, metrics: Sequence[str] | None = None,
                 start: date | str | None = None, end: date | str | None = None, lang: str | None = None
                 ) -> Rows:  # fmt: skip
        """``report/overview``: per experience, each requested metric as ``{value, label, description}``."""
        result: Rows = self._ask(
            "/experience/report/overview", profileId=profile_id, experiences=[{"id": i} for i in experience_ids],
            metrics=list(metrics) if metrics else None, startDate=_day(start) if start else None,
            endDate=_day(end) if end else None, lang=lang)  # fmt: skip
        return result

    def metrics(self, profile_id: str, experience_id: str, *, start: date | str, end: date | str,
                lang: str | None = None) -> dict[str, Any]:  # fmt: skip
        """``report/metrics``: the type's metrics (``Boxed``) and ``goals`` (``GoalReport``)."""
        result: dict[str, Any] = self._ask("/experience/report/metrics", profileId=profile_id, id=experience_id,
                                           startDate=_day(start), endDate=_day(end), lang=lang)  # fmt: skip
        return result

    def insight(self, profile_id: str, experience_id: str, *, start: date | str, end: date | str, dimension: str,
                sub_dimension: str | None = None, property: str | None = None, lang: str | None = None
                ) -> Rows:  # fmt: skip
        result: Rows = self._ask(
            "/experience/report/insight", profileId=profile_id, id=experience_id, startDate=_day(start),
            endDate=_day(end), dimension=dimension, subDimension=sub_dimension, property=property,
            lang=lang)  # fmt: skip
        return result

    def abtest(self, profile_id: str, experience_id: str, *, start: date | str, end: date | str,
               compare_by: CompareBy, goal_id: str | None = None, show_deleted: bool = False,
               lang: str | None = None) -> VersionRows:  # fmt: skip
        """``report/abtest/metrics``: per version the compareBy metric, uplift and probability to be best."""
        result: VersionRows = self._ask(
            "/experience/report/abtest/metrics", profileId=profile_id, id=experience_id, startDate=_day(start),
            endDate=_day(end), compareBy=compare_by, goalId=goal_id, showDeletedVersions=show_deleted or None,
            lang=lang)  # fmt: skip
        return result

    def abtest_insight(self, profile_id: str, experience_id: str, *, start: date | str, end: date | str,
                       compare_by: CompareBy, dimension: str, sub_dimension: str | None = None,
                       property: str | None = None, goal_id: str | None = None, show_deleted: bool = False,
                       lang: str | None = None) -> Rows:  # fmt: skip
        """``report/abtest/insight``: per dimension value, ``versions`` as ``abtest`` answers them."""
        result: Rows = self._ask(
            "/experience/report/abtest/insight", profileId=profile_id, id=experience_id, startDate=_day(start),
            endDate=_day(end), compareBy=compare_by, goalId=goal_id, dimension=dimension, subDimension=sub_dimension,
            property=property, showDeletedVersions=show_deleted or None, lang=lang)  # fmt: skip
        return result

    def form(self, profile_id: str, experience_id: str, version_id: str, *, start: date | str, end: date | str
             ) -> FormReport:  # fmt: skip
        """``report/form``: the form's columns and one row per submission of that version."""
        result: FormReport = self._ask("/experience/report/form", profileId=profile_id, id=experience_id,
                                       versionId=version_id, startDate=_day(start), endDate=_day(end))  # fmt: skip
        return result
