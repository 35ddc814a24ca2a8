"""One MCP tool per query endpoint; every input schema is built from the registries the HTTP validators use.

The enums below (metrics, funNames, filters, dimensions, compareBy) are the very tuples and dicts
``domain/analytics`` validates requests against, so a tool's schema and the API cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from traitbase.domain.analytics import event_query, experiences, service
from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.parse import LANGS


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    path: str  # under /open-api/v1
    properties: dict[str, Any]
    required: tuple[str, ...] = ()
    fixed: dict[str, Any] = field(default_factory=dict)  # sent with every call (e.g. queryType)
    method: str = "POST"

    @property
    def input_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": self.properties, "required": list(self.required),
                "additionalProperties": False}  # fmt: skip


_DATE = {"type": "string", "description": "YYYY-MM-DD or YYYY/MM/DD"}
_LANG = {"type": "string", "enum": list(LANGS)}
_FILTER_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "enum": list(reg.FILTERS)},
    "op": {"type": "string", "enum": ["include", "exclude"]},
    "value": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "eventName": {"type": "string"},
    "eventVariant": {"type": "string"},
}
_FILTER: dict[str, Any] = {"type": "object", "properties": _FILTER_PROPERTIES, "required": ["name", "op", "value"]}
_DATES = {"startDate": _DATE, "endDate": _DATE, "lang": _LANG}
_HEATMAP = {
    "url": {"type": "string"},
    **_DATES,
    "deviceType": {"type": "string", "enum": list(reg.DEVICE_TYPES)},
    "rangeType": {"type": "string", "enum": list(reg.RANGE_TYPES)},
    "conversionNames": {"type": "array", "items": {"type": "string"}},
    "filters": {"type": "array", "items": _FILTER},
}


def _metrics(names: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": list(names)}}


_FUN_NAME = {"type": "string", "enum": list(reg.FUN_NAMES)}
_LOOKUP = {"search": {"type": "string", "description": "Substring to match (any case)"}, **_DATES}
_ID = {"id": {"type": "string", "description": "Experience id (experience_list)"}}
_DIM = {"type": "string", "enum": list(experiences.DIMENSIONS)}
_COMPARE = {"compareBy": {"type": "string", "enum": list(experiences.COMPARE_BY)}, "goalId": {"type": "string"},
            "showDeletedVersions": {"type": "boolean"}}  # fmt: skip
_EVENT_DIMENSION = {"oneOf": [
    {"type": "string", "enum": [*event_query.DIMENSIONS, *event_query.TIME_DIMENSIONS]},
    {"type": "object", "properties": {"name": {"const": "eventVariable"}, "eventVariant": {"type": "string"}},
     "required": ["name", "eventVariant"]},
]}  # fmt: skip
_EVENT_NAMES = {"type": "string", "enum": list(event_query.FILTER_NAMES)}
_EVENT_FILTER = {**_FILTER, "properties": {**_FILTER_PROPERTIES, "name": _EVENT_NAMES}}

TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("page_metrics", "Page-level heatmap metrics of one URL.", "/heatmap/query",
             {**_HEATMAP, "metrics": _metrics(reg.PAGE_METRICS)}, ("url", "deviceType"), {"queryType": "page_metrics"}),
    ToolSpec("page_insight", "Page metrics of one URL grouped by a dimension (funName).", "/heatmap/query",
             {**_HEATMAP, "metrics": _metrics(reg.PAGE_METRICS), "funName": _FUN_NAME},
             ("url", "deviceType", "funName"), {"queryType": "page_insight"}),
    ToolSpec("block_metrics", "Block-level metrics of one URL on one device.", "/heatmap/query",
             {**_HEATMAP, "metrics": _metrics(reg.BLOCK_METRICS), "stayTimeFilter": {"type": "number"}},
             ("url", "deviceType"), {"queryType": "block_metrics"}),
    ToolSpec("element_metrics", "Element-level metrics of one URL on one device.", "/heatmap/query",
             {**_HEATMAP, "metrics": _metrics(reg.ELEMENT_METRICS)}, ("url", "deviceType"),
             {"queryType": "element_metrics"}),
    ToolSpec("click_map", "Clicks of one URL binned on a grid, per device type, hottest cells first.",
             "/heatmap/query", {**_HEATMAP, "gridColumns": {"type": "integer", "minimum": 1, "maximum": 100},
                                "gridRowPx": {"type": "integer", "minimum": 10, "maximum": 10_000}},
             ("url", "deviceType"), {"queryType": "click_map"}),
    ToolSpec("scroll_map", "Share of page views of one URL whose deepest scroll reached each 5 % of the page.",
             "/heatmap/query", _HEATMAP, ("url", "deviceType"), {"queryType": "scroll_map"}),
    ToolSpec("filter_values", "Values seen for a filter (last 30 days unless dated).", "/heatmap/filter-values",
             {"name": {"type": "string", "enum": list(service.VALUE_LISTS)}, **_LOOKUP}, ("name",)),
    ToolSpec("custom_dimensions", "Custom dimension names seen.", "/heatmap/custom-dimensions", _LOOKUP),
    ToolSpec("custom_dimension_values", "Values seen for one custom dimension.", "/heatmap/custom-dimension-values",
             {"eventVariant": {"type": "string", "description": "The dimension's name"}, **_LOOKUP},
             ("eventVariant",)),
    ToolSpec("event_variables", "Property names seen on one custom event.", "/heatmap/event-variables",
             {"eventName": {"type": "string"}, **_LOOKUP}, ("eventName",)),
    ToolSpec("event_variable_values", "Values seen for one property of one custom event.",
             "/heatmap/event-variable-values",
             {"eventName": {"type": "string"}, "eventVariant": {"type": "string"}, **_LOOKUP},
             ("eventName", "eventVariant")),
    ToolSpec("experience_list", "Experiences with their goals and versions.", "/experience/list", {}),
    ToolSpec("experience_user_properties", "User properties usable as the userProperty dimension.",
             "/experience/user-properties", {}),
    ToolSpec("experience_overview", "Metrics of several experiences.", "/experience/report/overview",
             {**_DATES, "experiences": {"type": "array", "items": {"type": "object", "properties": _ID}},
              "metrics": _metrics(tuple(experiences.OVERVIEW_DEFAULT))}, ("experiences",)),
    ToolSpec("experience_metrics", "Key metrics of one experience.", "/experience/report/metrics",
             {**_ID, **_DATES}, ("id", "startDate", "endDate")),
    ToolSpec("experience_insight", "Experience metrics by dimension.", "/experience/report/insight",
             {**_ID, **_DATES, "dimension": _DIM, "subDimension": _DIM, "property": {"type": "string"}},
             ("id", "startDate", "endDate", "dimension")),
    ToolSpec("abtest_metrics", "A/B comparison of versions: uplift and probability to be best.",
             "/experience/report/abtest/metrics", {**_ID, **_DATES, **_COMPARE},
             ("id", "startDate", "endDate", "compareBy")),
    ToolSpec("abtest_insight", "A/B comparison of versions by dimension.", "/experience/report/abtest/insight",
             {**_ID, **_DATES, **_COMPARE, "dimension": _DIM, "subDimension": _DIM, "property": {"type": "string"}},
             ("id", "startDate", "endDate", "compareBy", "dimension")),
    ToolSpec("experience_form", "Form submissions of one version.", "/experience/report/form",
             {**_ID, **_DATES, "versionId": {"type": "string"}}, ("id", "versionId", "startDate", "endDate")),
    ToolSpec("event_query", "Custom event counts and sessions by dimensions.", "/event/query",
             {**_DATES, "dimensions": {"type": "array", "items": _EVENT_DIMENSION},
              "metrics": _metrics(event_query.METRICS), "filters": {"type": "array", "items": _EVENT_FILTER}},
             ("startDate", "endDate", "dimensions")),
    ToolSpec("event_fields", "Metrics, dimensions and operators of event_query.", "/event/fields",
             {"lang": _LANG}, method="GET"),
)  # fmt: skip
BY_NAME = {t.name: t for t in TOOLS}
