"""Queries written once, rendered for each warehouse engine.

A query is either a sqlglot expression (built with ``sqlglot.exp`` builders) or a string in the
portable subset of DuckDB SQL with ``?`` placeholders. ``render(query, params, engine)`` binds the
parameters as escaped literals (never string formatting), rewrites for the engine and returns
SQL text. Rules (docs/warehouse.md, "Rendering rules"):

- parameters become typed literals in the tree, so quoting is the generator's job (both engines'
  escaping rules: ``'`` doubled, ``\\`` escaped for ClickHouse);
- non-recursive CTEs are inlined as subqueries (18.16 has no ``WITH name AS``);
- one JOIN per SELECT at most; no window functions; no recursive CTEs (``SqlNotPortable``);
- ``date_trunc``, aggregate ``FILTER`` and ``DELETE`` are rendered as 18.16 spells them (dialect.py);
- ``unnest`` of several lists in one SELECT becomes one ``ARRAY JOIN`` of all of them, and GROUP BY
  an aliased expression groups by the alias (rewrite.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.tokens import TokenType

from traitbase.storage.sql.dialect import ClickHouse1816, SqlNotPortable
from traitbase.storage.sql.rewrite import array_joins, group_by_aliases

Query = str | exp.Expression


@lru_cache(maxsize=512)
def _parse(sql: str) -> exp.Expression:
    # Number the ``?`` tokens ($1, $2, ...) before parsing: the tree's walk order is not the text's
    # order (LIMIT is visited before WHERE), and the tokenizer never mistakes a '?' inside a string.
    out, last, n = [], 0, 0
    for token in DuckDB().tokenize(sql):
        if token.token_type == TokenType.PLACEHOLDER and token.text == "?":
            n += 1
            out.append(sql[last : token.start])
            out.append(f"${n}")
            last = token.end + 1
    out.append(sql[last:])
    parsed = sqlglot.parse_one("".join(out), read="duckdb")
    if not isinstance(parsed, exp.Expression):
        raise SqlNotPortable("empty query")
    return parsed


def _literal(value: Any, engine: str) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        # 18.16 has no boolean literals; 1/0 compare equal to DuckDB booleans too.
        return exp.Literal.number(int(value))
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise SqlNotPortable("non-finite float parameters are not portable")
        return exp.Literal.number(repr(float(value)) if isinstance(value, float) else str(value))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise SqlNotPortable("datetime parameters must be naive UTC")
        if engine == "clickhouse":
            # DateTime on 18.16 has whole seconds and cannot parse a fraction: the time is cut to its second.
            text = value.isoformat(sep=" ", timespec="seconds")
            return exp.Anonymous(this="toDateTime", expressions=[exp.Literal.string(text), exp.Literal.string("UTC")])
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMP"))
    if isinstance(value, date):
        if engine == "clickhouse":
            return exp.Anonymous(this="toDate", expressions=[exp.Literal.string(value.isoformat())])
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, str):
        if "\x00" in value:
            raise SqlNotPortable("NUL characters cannot be bound as SQL literals")
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v, engine) for v in value])
    raise SqlNotPortable(f"cannot bind a parameter of type {type(value).__name__}")


def bind(query: Query, params: Sequence[Any], engine: str) -> exp.Expression:
    """A copy of the query with every ``?`` replaced by its parameter as a literal."""
    tree = (_parse(query) if isinstance(query, str) else query).copy()
    holes = list(tree.find_all(exp.Placeholder))
    numbers = {_hole_number(h) for h in holes}
    if numbers != set(range(1, len(params) + 1)):
        raise SqlNotPortable(f"the query's placeholders {sorted(numbers)} do not match {len(params)} parameters")
    for hole in holes:
        hole.replace(_literal(params[_hole_number(hole) - 1], engine))
    return tree


def _hole_number(hole: exp.Placeholder) -> int:
    name = hole.name
    if not name.isdigit():
        raise SqlNotPortable(f"only positional placeholders are supported, not {hole.sql()!r}")
    return int(name)


def _inline_ctes(tree: exp.Expression) -> exp.Expression:
    """Replace each reference to a non-recursive CTE with the CTE's query as an aliased subquery."""
    for with_ in list(tree.find_all(exp.With)):
        if with_.args.get("recursive"):
            raise SqlNotPortable("recursive CTEs are not available on ClickHouse 18.16")
        scope = with_.parent
        # A CTE may read the ones before it: inline those into its body first, in order.
        ctes: dict[str, exp.Expression] = {}
        for cte in with_.expressions:
            ctes[cte.alias_or_name] = _replace_ctes(cte.this, ctes)
        with_.pop()
        if isinstance(scope, exp.Expression):
            _replace_ctes(scope, ctes)
    return tree


def _replace_ctes(node: exp.Expression, ctes: dict[str, exp.Expression]) -> exp.Expression:
    for table in list(node.find_all(exp.Table)):
        body = ctes.get(table.name)
        if body is None or table.args.get("db"):
            continue
        alias = table.alias or table.name
        table.replace(exp.Subquery(this=body.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias))))
    return node


def _check_portable(tree: exp.Expression) -> None:
    for select in tree.find_all(exp.Select):
        joins = select.args.get("joins") or []
        if len(joins) > 1:
            raise SqlNotPortable("ClickHouse 18.16 allows one JOIN per SELECT; nest the others in subqueries")
    if tree.find(exp.Window) is not None:
        raise SqlNotPortable("window functions are not available on ClickHouse 18.16")


def _final(tree: exp.Expression, tables: frozenset[str]) -> exp.Expression:
    """Read upserted tables (ReplacingMergeTree) with FINAL, so each key shows its latest row only."""
    if not tables or isinstance(tree, exp.Delete):
        return tree
    for table in list(tree.find_all(exp.Table)):
        if table.name in tables and not isinstance(table.parent, exp.Final):
            table.replace(exp.Final(this=table.copy()))
    return tree


def _name_columns(tree: exp.Expression) -> exp.Expression:
    # ClickHouse names a qualified column "t.c" in the result, DuckDB names it "c": alias it.
    if isinstance(tree, exp.Select):
        for i, col in enumerate(tree.expressions):
            if isinstance(col, exp.Column) and col.table:
                tree.expressions[i] = exp.alias_(col, col.name)
    return tree


def _duckdb(tree: exp.Expression, _final_tables: frozenset[str]) -> str:
    return tree.sql(dialect="duckdb")


def _clickhouse(tree: exp.Expression, final_tables: frozenset[str]) -> str:
    tree = group_by_aliases(array_joins(_final(_inline_ctes(tree), final_tables)))
    return _name_columns(tree).sql(dialect=ClickHouse1816)


# Engine name -> renderer of a bound tree (a registry: a new engine adds one entry).
ENGINES: dict[str, Callable[[exp.Expression, frozenset[str]], str]] = {"duckdb": _duckdb, "clickhouse": _clickhouse}


def render(
    query: Query, params: Sequence[Any] = (), engine: str = "duckdb", *, final_tables: frozenset[str] = frozenset()
) -> str:
    """The query as SQL text for ``engine`` with every parameter bound as a literal.

    ``final_tables``: tables whose rows are upserts (ClickHouse reads them ``FINAL``).
    """
    renderer = ENGINES.get(engine)
    if renderer is None:
        raise ValueError(f"unknown SQL engine {engine!r}; known: {sorted(ENGINES)}")
    tree = bind(query, params, engine)
    _check_portable(tree)
    return renderer(tree, final_tables)
