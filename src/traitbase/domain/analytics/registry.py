"""Registries of the heatmap query's names (seed 001 §2): device types, funNames, filters, metrics.

Every name the API accepts is one entry here; parse.py validates against these tables and the
query modules build SQL from them, so adding a dimension or filter is adding a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from traitbase.domain.analytics.errors import QueryError
from traitbase.storage.warehouse.analytics import Cond
from traitbase.storage.warehouse.collect import EVENTS, PAGEVIEWS

# API spelling -> stored spelling (tracker_pageviews.device_type); ALL = no device condition.
DEVICE_TYPES: dict[str, str | None] = {"ALL": None, "PC": "PC", "MOBILE": "Mobile", "TABLET": "Tablet"}
# Filter values of deviceType (seed 2.1 fixed values) -> stored spelling.
DEVICE_FILTER_VALUES: dict[str, str] = {"PC": "PC", "Mobile": "Mobile", "Tablet": "Tablet"}
SOURCE_TYPES = ("Direct", "Search", "Social", "Referral", "Campaign", "AISearch")
VISIT_TYPES = {"New visits": "v.visit_number = 1", "Returning visits": "v.visit_number > 1"}
EXIT_TYPES = {"Bounce visits": "v.pageviews = 1", "Non-bounce visits": "v.pageviews > 1"}
RANGE_TYPES = ("MERGE_URL", "URL")


@dataclass(frozen=True)
class Dimension:
    """A page_insight funName: the SQL group key and how its raw values become labels."""

    expr: str
    labels: str | None = None  # catalog section translating raw values (None: shown as stored)
    kind: str = "text"  # text | day | week


FUN_NAMES: dict[str, Dimension] = {
    "terminalType": Dimension("p.device_type", labels="device"),
    "sourceType": Dimension("v.source_type", labels="source"),
    "visitType": Dimension("CASE WHEN v.visit_number = 1 THEN 'new' ELSE 'returning' END", labels="visit"),
    "aiName": Dimension("coalesce(p.ai_name, '')"),
    "utmCampaign": Dimension("coalesce(p.utm_campaign, '')"),
    "utmSource": Dimension("coalesce(p.utm_source, '')"),
    "utmMedium": Dimension("coalesce(p.utm_medium, '')"),
    "utmTerm": Dimension("coalesce(p.utm_term, '')"),
    "utmContent": Dimension("coalesce(p.utm_content, '')"),
    "week": Dimension("date_trunc('week', p.event_time)", kind="week"),
    "day": Dimension("date_trunc('day', p.event_time)", kind="day"),
}

# --- metrics (seed 2.3) -------------------------------------------------------------------------
PAGE_METRICS = (
    "visits", "pv", "uv", "newVisitsRate", "entrances", "fvRate", "timeOnPage", "clicks", "clickRate",
    "ctaClicks", "ctaClickRate", "bounceRate", "avgPageViews", "completions", "conversionRate",
)  # fmt: skip
BLOCK_METRICS = ("impression", "impressionRate", "avgDuration", "dropoff", "dropoffRate", "completions",
                 "conversionRate")  # fmt: skip
ELEMENT_METRICS = ("impression", "impressionRate", "click", "clickRate", "completions", "conversionRate")
CONVERSION_METRICS = ("completions", "conversionRate")

# --- filters (seed 2.1) -------------------------------------------------------------------------
# Page-view columns filtered by value: filter name -> column of tracker_pageviews.
COLUMN_FILTERS: dict[str, str] = {
    "os": "os", "osVersion": "os_version", "browser": "browser", "browserVersion": "browser_version",
    "screenResolution": "screen_resolution", "deviceBrand": "device_brand", "country": "country",
    "region": "region", "searchEngine": "search_engine", "socialNetwork": "social_network",
    "socialUrl": "social_url", "aiName": "ai_name", "referralSource": "referral_source",
    "referralUrl": "referral_url", "campaignUrl": "campaign_url", "utmCampaign": "utm_campaign",
    "utmSource": "utm_source", "utmMedium": "utm_medium", "utmTerm": "utm_term", "utmContent": "utm_content",
}  # fmt: skip
_SAFE_NAME = re.compile(r"[A-Za-z0-9_\-]{1,100}")


@dataclass(frozen=True)
class FilterItem:
    name: str
    op: str
    values: tuple[str, ...]
    event_name: str | None = None
    variant: str | None = None


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _column(col: str) -> Callable[[FilterItem, str, str], Cond]:
    def build(f: FilterItem, _project: str, _env: str) -> Cond:
        return Cond(f"coalesce(p.{col}, '') IN ({_marks(f.values)})", f.values)

    return build


def _enum(allowed: Sequence[str], sql: Callable[[str], str]) -> Callable[[FilterItem, str, str], Cond]:
    def build(f: FilterItem, _project: str, _env: str) -> Cond:
        bad = [v for v in f.values if v not in allowed]
        if bad:
            raise QueryError(
                4014 if f.name == "deviceType" else 4015, f"{f.name}: {bad[0]!r} (one of {', '.join(allowed)})"
            )
        return Cond(" OR ".join(sql(v) for v in f.values))

    return build


def _device(f: FilterItem, _p: str, _e: str) -> Cond:
    bad = [v for v in f.values if v not in DEVICE_FILTER_VALUES]
    if bad:
        raise QueryError(4014, f"deviceType filter: {bad[0]!r} (one of PC, Mobile, Tablet)")
    return Cond(f"p.device_type IN ({_marks(f.values)})", tuple(DEVICE_FILTER_VALUES[v] for v in f.values))


def _source(f: FilterItem, _p: str, _e: str) -> Cond:
    bad = [v for v in f.values if v not in SOURCE_TYPES]
    if bad:
        raise QueryError(4015, f"sourceType filter: {bad[0]!r} (one of {', '.join(SOURCE_TYPES)})")
    return Cond(f"v.source_type IN ({_marks(f.values)})", f.values)


def _visits_with(where: str) -> Callable[[FilterItem, str, str], Cond]:
    """A visit-level filter: the page view's visit has a tracker row matching ``where``."""

    def build(f: FilterItem, project: str, env: str) -> Cond:
        sql, extra = where.format(marks=_marks(f.values)), _extra(f)
        return Cond(
            f"p.visit_key IN (SELECT visit_key FROM {EVENTS} WHERE project = ? AND environment = ? AND {sql})",
            (project, env, *extra, *f.values),
        )

    return build


def _extra(f: FilterItem) -> tuple[str, ...]:
    if f.name == "customDimension":
        return (f.variant or "",)
    if f.name == "eventVariable":
        return (f.event_name or "", f"$.{f.variant}")
    return ()


def _pages(col: str) -> Callable[[FilterItem, str, str], Cond]:
    def build(f: FilterItem, project: str, env: str) -> Cond:
        return Cond(
            f"p.visit_key IN (SELECT visit_key FROM {PAGEVIEWS} WHERE project = ? AND environment = ? "
            f"AND {col} IN ({_marks(f.values)}))",
            (project, env, *f.values),
        )

    return build


FilterBuilder = Callable[[FilterItem, str, str], Cond]
FILTERS: dict[str, FilterBuilder] = {
    **{name: _column(col) for name, col in COLUMN_FILTERS.items()},
    "deviceType": _device,
    "sourceType": _source,
    "visitType": _enum(tuple(VISIT_TYPES), VISIT_TYPES.__getitem__),
    "exitType": _enum(tuple(EXIT_TYPES), EXIT_TYPES.__getitem__),
    "combinedPages": _pages("url_base"),
    "originalPages": _pages("url"),
    "conversionName": _visits_with("kind = 'conversion' AND goal IN ({marks})"),
    "eventName": _visits_with("kind = 'custom' AND name IN ({marks})"),
    "customDimension": _visits_with("kind = 'dimension' AND name = ? AND value IN ({marks})"),
    "eventVariable": _visits_with("kind = 'custom' AND name = ? AND json_extract_string(properties, ?) IN ({marks})"),
}
# Filters that name a second field (seed 2.1: customDimension needs eventVariant; eventVariable
# needs eventName and eventVariant).
NEEDS: dict[str, tuple[str, ...]] = {
    "customDimension": ("eventVariant",),
    "eventVariable": ("eventName", "eventVariant"),
}


def safe_variant(name: str) -> str:
    if not _SAFE_NAME.fullmatch(name):
        raise QueryError(4015, f"eventVariant {name!r}: letters, digits, _ and - only (1-100)")
    return name


def build_filter(f: FilterItem, project: str, environment: str) -> Cond:
    cond = FILTERS[f.name](f, project, environment)
    if f.op == "exclude":
        return Cond(f"NOT ({cond.sql})", cond.params)
    return cond
