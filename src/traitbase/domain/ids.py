"""The one rule for numeric ids and counters that reach storage: ASCII digits, within 64-bit range.

SQLite, PostgreSQL and DuckDB store these as signed 64-bit integers; a larger value from a
request would fail inside the database driver, so it is refused here, naming the field.
"""

from __future__ import annotations

import re

from traitbase.errors import Invalid

MAX_INT64 = 2**63 - 1

# A str pattern's [0-9] is ASCII only; str.isdigit() and int() also take "²" or Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]{1,19}")


def check_id(value: int, field: str) -> int:
    """An id already typed as an integer (a path or body field): 0 .. 2**63-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT64:
        raise Invalid(f"{field} must be an id between 0 and {MAX_INT64}", errors={field: "out of range"})
    return value


def parse_id(raw: str, field: str) -> int:
    """An id sent as text: ASCII digits only (surrounding spaces allowed), within 64-bit range."""
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise Invalid(f"{field} must be a number made of the digits 0-9", errors={field: "not a number"})
    return check_id(int(text), field)


def parse_id_list(raw: str, field: str) -> list[int]:
    """A comma-separated list of ids; empty entries (``1,,2``, a trailing comma) are skipped."""
    return [parse_id(part, field) for part in raw.split(",") if part.strip()]


def check_int64(value: int, field: str, *, minimum: int = -MAX_INT64 - 1) -> int:
    """A counter or page number bound for a 64-bit column or an OFFSET."""
    if not minimum <= value <= MAX_INT64:
        raise Invalid(f"{field} must be between {minimum} and {MAX_INT64}", errors={field: "out of range"})
    return value
