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


def _least(self: Generator, e: exp.Expression) -> str:
    # ClickHouse's least/greatest are lower-case only (LEAST is unknown on 18.16) and take two arguments.
    name = "least" if isinstance(e, exp.Least) else "greatest"
    args = [self.sql(e, "this"), *(self.sql(x) for x in e.expressions)]
    out = args[0]
    for arg in args[1:]:
        out = f"{name}({out}, {arg})"
    return out


def _date_diff(self: Generator, e: exp.DateDiff) -> str:
    # DuckDB's date_diff('second', a, b) counts unit boundaries from a to b; 18.16's dateDiff does the same.
    unit = (e.text("unit") or "day").lower()
    return f"dateDiff('{unit}', {self.sql(e, 'expression')}, {self.sql(e, 'this')})"


def _coalesce(self: Generator, e: exp.Coalesce) -> str:
    # With a string default (the usual "coalesce(col, '')"), 18.16 finds no common type of a
    # LowCardinality(Nullable(String)) column and String, or silently returns no rows: the
    # other arguments are read as Nullable(String), which is what DuckDB's implicit cast does.
    args = [e.this, *e.expressions]
    literal = [isinstance(a, exp.Literal) and a.is_string for a in args]
    parts = [
        f"CAST({self.sql(a)} AS Nullable(String))" if any(literal) and not lit else self.sql(a)
        for a, lit in zip(args, literal, strict=True)
    ]
    return f"coalesce({', '.join(parts)})"


def _ch_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _json_key(e: exp.Expression) -> str:
    path = e.expression
    key: str | None = None
    if isinstance(path, exp.JSONPath):
        parts = path.expressions
        if len(parts) == 2 and isinstance(parts[0], exp.JSONPathRoot) and isinstance(parts[1], exp.JSONPathKey):
            key = str(parts[1].this)
    elif isinstance(path, exp.Literal) and path.is_string and path.this.startswith("$."):
        key = path.this[2:]  # a bound parameter: the path as a string
    if not key or any(c in key for c in ".[]*\"'"):
        raise SqlNotPortable("ClickHouse 18.16 reads JSON by one top-level key only ('$.key')")
    return _ch_string(key)


def _json_extract_string(self: Generator, e: exp.Expression) -> str:
    # 18.16 has no JSON parser, only visitParam* (flat, compact JSON: what both write paths store).
    # DuckDB's json_extract_string gives a string as is, another scalar as its JSON text, and NULL
    # for a missing key or a JSON null.
    doc, key = self.sql(e, "this"), _json_key(e)
    text = f"visitParamExtractString({doc}, {key})"
    raw = f"visitParamExtractRaw({doc}, {key})"
    return f"multiIf({text} != '', {text}, {raw} IN ('', 'null'), NULL, {raw} = '\"\"', '', {raw})"


# A JSON string followed by ':' is a key (values are followed by ',' or '}'); escapes kept as written.
_JSON_KEY_PATTERN = _ch_string(r'"((?:[^"\\]|\\.)*)":')


def _json_keys(self: Generator, e: exp.Expression) -> str:
    # The keys of a flat, compact JSON object (18.16 has no JSON parser), in document order.
    # 18.16 has no Nullable(Array): a NULL document gives no keys (DuckDB: NULL).
    return f"extractAll(ifNull({self.sql(e, 'this')}, ''), {_JSON_KEY_PATTERN})"


def _time_to_str(self: Generator, e: exp.Expression) -> str:
    # formatDateTime on 18.16 has no %G (the ISO year, which goes with %V): that piece is toISOYear.
    time = self.sql(e, "this")
    fmt = e.args.get("format")
    text = fmt.this if isinstance(fmt, exp.Literal) else None
    if text is None or "%G" not in text:
        return f"formatDateTime({time}, {self.format_time(e)})"
    parts: list[str] = []
    for i, piece in enumerate(text.split("%G")):
        if i:
            parts.append(f"toString(toISOYear({time}))")
        if piece:
            parts.append(f"formatDateTime({time}, {_ch_string(piece)})")
    return f"concat({', '.join(parts)})" if len(parts) > 1 else parts[0]


def _split_part(self: Generator, e: exp.Expression) -> str:
    # 18.16 has no split_part; an index past the end gives '' on both (arrayElement's default).
    index = e.args.get("part_index")
    if not (isinstance(index, exp.Literal) and index.is_int and int(index.this) > 0):
        raise SqlNotPortable("split_part needs a positive constant index")
    return f"splitByString({self.sql(e, 'delimiter')}, {self.sql(e, 'this')})[{int(index.this)}]"


def _str_position(self: Generator, e: exp.StrPosition) -> str:
    # sqlglot writes POSITION, and 18.16's function names are case-sensitive: only position(haystack, needle)
    # exists (1-based, 0 when absent, as DuckDB's strpos).
    if e.args.get("position") is not None:
        raise SqlNotPortable("strpos takes no start position")
    return f"position({self.sql(e, 'this')}, {self.sql(e, 'substr')})"


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
            exp.Least: _least,
            exp.Greatest: _least,
            exp.DateDiff: _date_diff,
            exp.Coalesce: _coalesce,
            exp.JSONExtractScalar: _json_extract_string,
            exp.JSONKeys: _json_keys,
            exp.TimeToStr: _time_to_str,
            exp.SplitPart: _split_part,
            exp.StrPosition: _str_position,
            exp.Window: _refuse("a window function"),
        }
