"""Validation of query-API bodies into typed requests; every refusal is a numbered QueryError."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.errors import QueryError, missing

_DATE = re.compile(r"(\d{4})([-/])(\d{2})\2(\d{2})")
LANGS = ("EN", "ZH", "JP")
MAX_LIST = 200
MAX_TEXT = 2048


def lang_of(value: object) -> str:
    """EN, ZH or JP; anything else (absent, other case, other language) falls back to EN."""
    return value.upper() if isinstance(value, str) and value.upper() in LANGS else "EN"


def parse_date(value: object, field: str) -> date:
    if not isinstance(value, str) or not (m := _DATE.fullmatch(value.strip())):
        raise QueryError(4002, f"{field}: {value!r}")
    try:
        return date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        raise QueryError(4002, f"{field}: {value!r}") from None


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    @property
    def start_dt(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_dt(self) -> datetime:
        """Exclusive upper bound: the day after ``end`` at midnight (UTC)."""
        nxt = self.end + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day)


def date_range(body: dict[str, Any], *, today: date, retention_days: int, required: bool) -> DateRange:
    """The body's dates: format (4002), order (4002), plan retention (4003); default: the last 30 days."""
    raw_start, raw_end = body.get("startDate"), body.get("endDate")
    if required:
        if raw_start in (None, ""):
            raise missing("startDate")
        if raw_end in (None, ""):
            raise missing("endDate")
    start = parse_date(raw_start, "startDate") if raw_start not in (None, "") else today - timedelta(days=29)
    end = parse_date(raw_end, "endDate") if raw_end not in (None, "") else today
    if start > end:
        raise QueryError(4002, "startDate is after endDate")
    if start < today - timedelta(days=retention_days - 1):
        raise QueryError(4003, f"your plan keeps {retention_days} days")
    return DateRange(start, end)


def text(body: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    v = body.get(field)
    if v is None or v == "":
        if required:
            raise missing(field)
        return None
    if not isinstance(v, str) or len(v) > MAX_TEXT or "\x00" in v:
        raise QueryError(4013, f"{field} must be a string of at most {MAX_TEXT} characters")
    return v


def str_list(value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise QueryError(4013, f"{field} must be a list of at most {MAX_LIST} strings")
    if not all(isinstance(v, str) and len(v) <= MAX_TEXT and "\x00" not in v for v in value):
        raise QueryError(4013, f"{field} must be a list of at most {MAX_LIST} strings")
    return tuple(value)


@dataclass(frozen=True)
class HeatmapQuery:
    query_type: str
    profile_id: str
    url: str
    dates: DateRange
    device: str  # ALL, PC, MOBILE, TABLET
    merged: bool
    metrics: tuple[str, ...] | None
    conversion_names: tuple[str, ...]
    filters: tuple[reg.FilterItem, ...]
    fun_name: str | None
    stay_seconds: float
    lang: str
    grid_columns: int = 20
    grid_row_px: int = 100


def filters(raw: object) -> tuple[reg.FilterItem, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_LIST:
        raise QueryError(4013, "filters must be a list of {name, op, value}")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise QueryError(4013, f"filters[{i}] must be an object")
        name = item.get("name")
        if not name:
            raise missing(f"filters[{i}].name")
        if not isinstance(name, str) or name not in reg.FILTERS:
            raise QueryError(4015, f"filters[{i}].name: unknown filter {name!r}")
        op = item.get("op")
        if not op:
            raise missing(f"filters[{i}].op")
        if op not in ("include", "exclude"):
            raise QueryError(4019, f"filters[{i}].op: {op!r}")
        if item.get("value") in (None, []):
            raise missing(f"filters[{i}].value")
        values = str_list(item["value"], f"filters[{i}].value")
        extra: dict[str, str] = {}
        for need in reg.NEEDS.get(name, ()):
            got = item.get(need)
            if not isinstance(got, str) or not got:
                raise missing(f"filters[{i}].{need}")
            extra[need] = got
        variant = extra.get("eventVariant")
        if variant is not None and name == "eventVariable":
            reg.safe_variant(variant)
        out.append(reg.FilterItem(name, op, values, event_name=extra.get("eventName"), variant=variant))
    return tuple(out)


def metrics(raw: object, allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    if raw is None or raw == []:
        return None
    names = str_list(raw, "metrics")
    bad = [m for m in names if m not in allowed]
    if bad:
        raise QueryError(4015, f"metrics: unknown metric {bad[0]!r} (one of {', '.join(allowed)})")
    return names


def heatmap(
    body: dict[str, Any], *, types: dict[str, tuple[str, ...]], today: date, retention_days: int
) -> HeatmapQuery:
    """Validate a ``heatmap/query`` body (after the tenant checks); ``types``: queryType -> its metrics."""
    qt = text(body, "queryType")
    if qt not in types:
        raise QueryError(4001, f"{qt!r} (one of {', '.join(types)})")
    profile_id = text(body, "profileId") or ""
    url = text(body, "url") or ""
    dates = date_range(body, today=today, retention_days=retention_days, required=True)
    device = text(body, "deviceType") or ""
    if device not in reg.DEVICE_TYPES:
        raise QueryError(4014, repr(device))
    if device == "ALL" and qt == "block_metrics":
        raise QueryError(4007)
    if device == "ALL" and qt == "element_metrics":
        raise QueryError(4009)
    range_type = body.get("rangeType") or "MERGE_URL"
    if range_type not in reg.RANGE_TYPES:
        raise QueryError(4015, f"rangeType: {range_type!r} (MERGE_URL or URL)")
    fun = body.get("funName")
    if qt == "page_insight":
        if fun in (None, ""):
            raise QueryError(4006)
        if fun not in reg.FUN_NAMES:
            raise QueryError(4015, f"funName: {fun!r} (one of {', '.join(reg.FUN_NAMES)})")
    stay = body.get("stayTimeFilter", 5)
    if stay is None:
        stay = 5
    if isinstance(stay, bool) or not isinstance(stay, int | float) or not 0 <= stay <= 86_400:
        raise QueryError(4013, "stayTimeFilter must be a number of seconds (0 to 86400)")
    grid = body.get("gridColumns", 20)
    row_px = body.get("gridRowPx", 100)
    for name, v, lo, hi in (("gridColumns", grid, 1, 100), ("gridRowPx", row_px, 10, 10_000)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise QueryError(4013, f"{name} must be an integer from {lo} to {hi}")
    return HeatmapQuery(
        query_type=qt,
        profile_id=profile_id,
        url=url.strip().split("#", 1)[0],
        dates=dates,
        device=device,
        merged=range_type == "MERGE_URL",
        metrics=metrics(body.get("metrics"), types[qt]),
        conversion_names=str_list(body.get("conversionNames"), "conversionNames"),
        filters=filters(body.get("filters")),
        fun_name=fun if qt == "page_insight" else None,
        stay_seconds=float(stay),
        lang=lang_of(body.get("lang")),
        grid_columns=grid,
        grid_row_px=row_px,
    )
