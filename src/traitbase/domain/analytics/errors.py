"""The query API's numbered errors (seed 001 appendix), each with the HTTP status the appendix gives it."""

from __future__ import annotations

from typing import Any

from traitbase.errors import DomainError

# code -> English text (the face localizes through its message catalogs; this is the fallback).
CODES: dict[int, str] = {
    4001: "Invalid queryType",
    4002: "Invalid date format, expected YYYY-MM-DD or YYYY/MM/DD",
    4003: "Query date exceeds data storage limit of your plan",
    4006: "funName is required for page_insight",
    4007: "block_metrics requires specific deviceType (PC/MOBILE/TABLET)",
    4008: "Page blocks not configured — scan the page first",
    4009: "element_metrics requires specific deviceType (PC/MOBILE/TABLET)",
    4010: "Missing x-api-key header",
    4011: "Invalid API key",
    4012: "No conversions found matching the provided names",
    4013: "Missing required field",
    4014: "Invalid deviceType. Must be one of: ALL, PC, MOBILE, TABLET",
    4015: "Invalid dimension / subDimension",
    4016: "Page elements not configured — scan the page first",
    4017: "Invalid compareBy",
    4018: "Invalid event field",
    4019: "Invalid filter operator: must be include or exclude",
    4030: "profileId does not match API key",
    4031: "API key does not have query permission. Required scope: query",
    4040: "Experience not found",
    4130: "Request body too large",
    4290: "Rate limit exceeded (per minute)",
    4291: "Rate limit exceeded (per day)",
    5000: "Internal server error",
    5030: "Service temporarily unavailable, retry shortly",
}


# HTTP status of each code, as the appendix lists it (4012-4019 are 400 although their digits read 401).
STATUS: dict[int, int] = {code: 400 for code in CODES if 4000 <= code < 4100 and code not in (4010, 4011)}
STATUS.update({4010: 401, 4011: 401, 4030: 403, 4031: 403, 4040: 404, 4130: 413, 4290: 429, 4291: 429,
               5000: 500, 5030: 503})  # fmt: skip


class QueryError(DomainError):
    """A numbered query-API error; ``detail`` (a field name, a reason) is appended to the localized text."""

    code = "query_error"

    def __init__(self, number: int, detail: str = "", *, retry_after: int | None = None, **params: Any) -> None:
        base = CODES[number]
        super().__init__(f"{base}: {detail}" if detail else base, details={"detail": detail, **params})
        self.number = number
        self.status = STATUS[number]
        self.detail = detail
        self.retry_after = retry_after


def missing(field: str) -> QueryError:
    return QueryError(4013, field)
