"""``client.query``: the query API (``/open-api/v1/``, seed 001) with typed results; a key with ``query`` scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal, NotRequired, TypedDict, cast

from traitbase.client._core import Call, Op, SyncRunner, single
from traitbase.client.query_reports import QueryEvents, QueryExperiences

QueryType = Literal["page_metrics", "page_insight", "block_metrics", "element_metrics", "click_map", "scroll_map"]
DeviceType = Literal["ALL", "PC", "MOBILE", "TABLET"]


class Conversion(TypedDict):
    conversionName: str
    completions: NotRequired[int]
    conversionRate: NotRequired[float]


class PageMetrics(TypedDict, total=False):
    """Only the metrics asked for are present (all when ``metrics`` is not given)."""

    visits: int
    pv: int
    uv: int
    newVisitsRate: float
    entrances: int
    fvRate: float
    timeOnPage: str
    clicks: int
    clickRate: float
    ctaClicks: int
    ctaClickRate: float
    bounceRate: float
    avgPageViews: float
    completions: int
    conversionRate: float
    conversions: list[Conversion]


class InsightRow(PageMetrics, total=False):
    dimension: str  # the localized label
    key: str | int  # the stored value (ms timestamps for week / day)


class BlockRow(TypedDict):
    blockName: str
    screenshotUrl: str
    impression: NotRequired[int]
    impressionRate: NotRequired[float]
    avgDuration: NotRequired[str]
    dropoff: NotRequired[int]
    dropoffRate: NotRequired[float]
    completions: NotRequired[int]
    conversionRate: NotRequired[float]
    conversions: NotRequired[list[Conversion]]


class ElementRow(TypedDict):
    elementName: str
    impression: NotRequired[int]
    impressionRate: NotRequired[float]
    click: NotRequired[int]
    clickRate: NotRequired[float]
    completions: NotRequired[int]
    conversionRate: NotRequired[float]
    conversions: NotRequired[list[Conversion]]


class Filter(TypedDict):
    name: str
    op: Literal["include", "exclude"]
    value: list[str]
    eventName: NotRequired[str]
    eventVariant: NotRequired[str]


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


def _call(path: str, token: str, body: dict[str, Any]) -> Op[Any]:
    # Queries read only: retrying one is always safe.
    return single(Call("POST", f"/open-api/v1/heatmap/{path}", json=body, headers={"x-api-key": token}))


class Query:
    def __init__(self, run: SyncRunner, token: str) -> None:
        self._run = run
        self._token = token
        # client.query.events(...) / .events.fields(); client.query.experiences.list(...), .abtest(...), ...
        self.events = QueryEvents(run, token)
        self.experiences = QueryExperiences(run, token)

    def heatmap(
        self,
        query_type: QueryType,
        *,
        profile_id: str,
        url: str,
        start: date | str,
        end: date | str,
        device: DeviceType = "ALL",
        range_type: Literal["MERGE_URL", "URL"] = "MERGE_URL",
        metrics: Sequence[str] | None = None,
        conversion_names: Sequence[str] | None = None,
        filters: Sequence[Filter] | None = None,
        fun_name: str | None = None,
        stay_time: float | None = None,
        lang: str | None = None,
    ) -> Any:
        """``POST heatmap/query``; the result is the answer's ``data`` (its type follows ``query_type``)."""
        body: dict[str, Any] = {"queryType": query_type, "profileId": profile_id, "url": url, "startDate": _day(start),
                                "endDate": _day(end), "deviceType": device, "rangeType": range_type}  # fmt: skip
        optional = {"metrics": list(metrics) if metrics else None, "filters": list(filters) if filters else None,
                    "conversionNames": list(conversion_names) if conversion_names else None,
                    "funName": fun_name, "stayTimeFilter": stay_time, "lang": lang}  # fmt: skip
        body.update({k: v for k, v in optional.items() if v is not None})
        return self._run(_call("query", self._token, body))

    # Typed shortcuts: the same call, with the result type of each query type.
    def page_metrics(self, **kw: Any) -> PageMetrics:
        return cast(PageMetrics, self.heatmap("page_metrics", **kw))

    def page_insight(self, fun_name: str, **kw: Any) -> list[InsightRow]:
        return cast(list[InsightRow], self.heatmap("page_insight", fun_name=fun_name, **kw))

    def block_metrics(self, **kw: Any) -> list[BlockRow]:
        return cast(list[BlockRow], self.heatmap("block_metrics", **kw))

    def element_metrics(self, **kw: Any) -> list[ElementRow]:
        return cast(list[ElementRow], self.heatmap("element_metrics", **kw))

    def filter_values(self, profile_id: str, name: str, *, search: str | None = None,
                      start: date | str | None = None, end: date | str | None = None) -> list[str]:  # fmt: skip
        body: dict[str, Any] = {"profileId": profile_id, "name": name}
        for k, v in (("search", search), ("startDate", start), ("endDate", end)):
            if v is not None:
                body[k] = _day(v)
        result: list[str] = self._run(_call("filter-values", self._token, body))
        return result
