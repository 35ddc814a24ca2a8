"""Seed 2.7's value rules: rates as decimals, times as "5s" / "1m 30s", timestamps in milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime

RATE_DECIMALS = 4
DECIMAL_PLACES = 2


def rate(numerator: float | int | None, denominator: float | int | None) -> float:
    """numerator / denominator as a decimal (0.45 = 45 %); 0 when there is nothing to divide by."""
    if not denominator or numerator is None:
        return 0.0
    return round(float(numerator) / float(denominator), RATE_DECIMALS)


def decimal(numerator: float | int | None, denominator: float | int | None) -> float:
    if not denominator or numerator is None:
        return 0.0
    return round(float(numerator) / float(denominator), DECIMAL_PLACES)


def duration(seconds: float | None) -> str:
    """Whole seconds with units: "0s", "5s", "1m 30s", "2h 0m 5s"."""
    total = round(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m {secs}s"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def millis(value: datetime | date) -> int:
    """A UTC instant (naive values are UTC) as milliseconds since the epoch."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def count(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]
