"""sqlglot's ClickHouse dialect, narrowed to what ClickHouse 18.16 runs (and current ClickHouse too).

Every rendering below was checked on the 18.16.1 server and on chdb (the current engine):
18.16 lacks ``date_trunc``/``toStartOfWeek``, aggregate ``FILTER``, CTEs, ``{name:Type}``
parameters and lightweight ``DELETE``; the forms used instead exist on both versions.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.generator import Generator


class SqlNotPortable(ValueError):
    """The query uses a construct that ClickHouse 18.16 cannot run (or runs differently)."""


# date_trunc units -> the 18.16 function that truncates to that unit (toMonday: ISO weeks start Monday,
# which is DuckDB's date_trunc('week') too).
TRUNC_FUNCTIONS: dict[str, str] = {
    "SECOND": "toStartOfSecond",
    "MINUTE": "toStartOfMinute",
    "HOUR": "toStartOfHour",
    "DAY": "toStartOfDay",
    "WEEK": "toMonday",
    "MONTH": "toStartOfMonth",
    "QUARTER": "toStartOfQuarter",
    "YEAR": "toStartOfYear",
}
# toMonday/toStartOfMonth/... return Date on ClickHouse; DuckDB's date_trunc on a timestamp returns a
# timestamp: wrap in toDateTime so both engines give the same value and type.
_DATE_RESULT = {"WEEK", "MONTH", "QUARTER", "YEAR"}

# aggregate FILTER (WHERE c) -> the -If combinator, which 18.16 has for every aggregate.
_IF_AGGREGATES: dict[type[exp.Expression], str] = {
    exp.Count: "count",
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
}


def _trunc(self: Generator, e: exp.Expression) -> str:
    unit = e.text("unit").upper() or "DAY"
    fn = TRUNC_FUNCTIONS.get(unit)
    if fn is None:
        raise SqlNotPortable(f"date_trunc unit {unit!r} has no ClickHouse 18.16 equivalent")
    arg = self.sql(e, "this")
    if fn == "toStartOfSecond":
        raise SqlNotPortable("date_trunc('second') is not available on ClickHouse 18.16 (DateTime has seconds)")
    inner = f"{fn}({arg})"
    return f"toDateTime({inner})" if unit in _DATE_RESULT else inner


def _filter(self: Generator, e: exp.Filter) -> str:
    agg = e.this
    cond = self.sql(e.expression, "this")
    name = _IF_AGGREGATES.get(type(agg))
    if name is None:
        raise SqlNotPortable(f"FILTER on {agg.sql()} is not portable; use count/sum/avg/min/max")
    arg = agg.this
    if isinstance(arg, exp.Distinct):
        if name != "count":
            raise SqlNotPortable("only count(DISTINCT x) may be filtered")
        return f"uniqExactIf({self.sql(arg.expressions[0])}, {cond})"
    if isinstance(arg, exp.Star) or arg is None:
        return f"countIf({cond})"
    return f"{name}If({self.sql(arg)}, {cond})"


def _delete(self: Generator, e: exp.Delete) -> str:
    # 18.16 has no lightweight DELETE: a mutation rewrites the parts holding matching rows.
    where = e.args.get("where")
    cond = self.sql(where, "this") if where is not None else "1"
    return f"ALTER TABLE {self.sql(e, 'this')} DELETE WHERE {cond}"


def _count_distinct(self: Generator, e: exp.Count) -> str:
    arg = e.this
    if isinstance(arg, exp.Distinct):
        # count(DISTINCT) is uniqExact on both versions; spelled out so no server setting changes it.
        return f"uniqExact({self.expressions(arg, flat=True)})"
    return "count()" if arg is None or isinstance(arg, exp.Star) else f"count({self.sql(arg)})"


def _lower_name(name: str) -> Any:
    # 18.16 knows least/greatest only in lower case (sqlglot writes LEAST/GREATEST).
    def gen(self: Generator, e: exp.Expression) -> str:
        return f"{name}({self.format_args(e.this, *e.expressions)})"

    return gen


def _refuse(what: str) -> Any:
    def gen(_self: Generator, _e: exp.Expression) -> str:
        raise SqlNotPortable(f"{what} is not available on ClickHouse 18.16")

    return gen


class ClickHouse1816(ClickHouse):
    """ClickHouse SQL that runs on 18.16.1 and on current releases alike."""

    class Generator(ClickHouse.Generator):  # type: ignore[misc,valid-type]
        TRANSFORMS = {
            **ClickHouse.Generator.TRANSFORMS,
            exp.TimestampTrunc: _trunc,
            exp.DateTrunc: _trunc,
            exp.Filter: _filter,
            exp.Delete: _delete,
            exp.Count: _count_distinct,
            exp.Window: _refuse("a window function"),
            exp.Least: _lower_name("least"),
            exp.Greatest: _lower_name("greatest"),
        }
