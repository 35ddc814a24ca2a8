"""ClickHouse rewrites of a bound query tree that sqlglot's generator does not do (see ``render``).

- ``array_joins``: DuckDB unnests the lists of one SELECT side by side (element i of each);
  ClickHouse's ``arrayJoin(a), arrayJoin(b)`` would give their cross product. The unnests of a
  SELECT become one ``ARRAY JOIN a AS x, b AS y``, which pairs them element by element (the lists
  must have equal lengths there; DuckDB would pad the shorter with NULLs).
- 18.16 returns corrupt blocks ("Size of offsets doesn't match size of column") for an array join
  of a table read ``FINAL`` in a SELECT that also JOINs: the array join is moved into a subquery
  on the JOIN's right side (an inner join, so the sides swap without changing the answer), with
  the table's own conditions.
- ``group_by_aliases``: ClickHouse aliases are visible in the whole query, so in
  ``SELECT coalesce(goal, '') AS goal ... GROUP BY coalesce(goal, '')`` the ``goal`` of the GROUP BY
  is the alias, and the select item is "not in GROUP BY": such items are grouped by their alias.
"""

from __future__ import annotations

from sqlglot import exp

from traitbase.storage.sql.dialect import SqlNotPortable

# The key of a SELECT's FROM clause in sqlglot's tree ("from" before sqlglot 28, "from_" since).
_FROM = "from_" if "from_" in exp.Select.arg_types else "from"


def _unnests(select: exp.Select) -> list[exp.Expression]:
    """The select's ``unnest(a) AS x`` items as ``a AS x``; each item replaced by the column ``x``."""
    found: list[exp.Expression] = []
    for i, col in enumerate(select.expressions):
        if isinstance(col, exp.Alias) and isinstance(col.this, exp.Explode | exp.Unnest):
            arg = col.this.this if isinstance(col.this, exp.Explode) else col.this.expressions[0]
            found.append(exp.Alias(this=arg.copy(), alias=exp.to_identifier(col.alias)))
            select.expressions[i] = exp.column(col.alias)
    return found


def _tables(node: exp.Expression) -> set[str]:
    return {c.table for c in node.find_all(exp.Column)}


def _move_right(select: exp.Select, unnested: list[exp.Expression]) -> None:
    """FROM t AS l ARRAY JOIN ... JOIN r ON c  ->  FROM r JOIN (SELECT ... FROM t ARRAY JOIN ...) AS l ON c."""
    (join,) = select.args["joins"]
    source = select.args[_FROM].this
    table = source.this if isinstance(source, exp.Final) else source
    alias = table.alias_or_name if isinstance(table, exp.Table) else ""
    if join.side or join.kind or not alias:
        raise SqlNotPortable("an unnest next to a JOIN needs an inner JOIN and a plain table in FROM")
    if any(_tables(u) != {alias} for u in unnested):
        raise SqlNotPortable("an unnest next to a JOIN must unnest the FROM table's own columns")
    names = {u.alias for u in unnested}
    conds = list(select.args["where"].this.flatten()) if select.args.get("where") else []
    own = [c for c in conds if _tables(c) == {alias}]
    rest = [c for c in conds if _tables(c) != {alias}]
    used = sorted({c.name for c in select.find_all(exp.Column) if c.table == alias} - names)
    inner = exp.select(*(exp.column(n, table=alias) for n in used), *(exp.column(n) for n in sorted(names)))
    inner = inner.from_(source.copy())
    inner.set("joins", [exp.Join(this=unnested[0], expressions=unnested[1:], kind="ARRAY")])
    if own:
        inner = inner.where(exp.and_(*own))
    for col in select.expressions:  # the unnested names now come from the right side
        for c in col.find_all(exp.Column):
            if not c.table and c.name in names:
                c.set("table", exp.to_identifier(alias))
    select.set(_FROM, exp.From(this=join.this.copy()))
    right = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias)))
    select.set("joins", [exp.Join(this=right, on=join.args["on"].copy())])
    select.set("where", exp.Where(this=exp.and_(*rest)) if rest else None)


def array_joins(tree: exp.Expression) -> exp.Expression:
    for select in list(tree.find_all(exp.Select)):
        unnested = _unnests(select)
        others = sum(1 for col in select.expressions if col.find(exp.Explode, exp.Unnest) is not None)
        if others and (unnested or others > 1):
            raise SqlNotPortable("several unnests in one SELECT must each be a whole item: unnest(a) AS x")
        if not unnested:
            continue  # none, or one alone without an alias: arrayJoin(a) is the same thing
        joins = select.args.get("joins") or []
        if joins:
            _move_right(select, unnested)
        else:
            select.set("joins", [exp.Join(this=unnested[0], expressions=unnested[1:], kind="ARRAY")])
    return tree


def group_by_aliases(tree: exp.Expression) -> exp.Expression:
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None:
            continue
        aliased = {a.this: a.alias for a in select.expressions if isinstance(a, exp.Alias)}
        for i, key in enumerate(group.expressions):
            name = aliased.get(key)
            if name is not None and not isinstance(key, exp.Column):
                group.expressions[i] = exp.column(name)
    return tree
