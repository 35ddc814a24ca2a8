"""ClickHouse rewrites of a bound query tree that sqlglot's generator does not do (see ``render``).

- ``array_joins``: DuckDB unnests the lists of one SELECT side by side (element i of each);
  ClickHouse's ``arrayJoin(a), arrayJoin(b)`` would give their cross product. The unnests of a
  SELECT become one ``ARRAY JOIN a AS x, b AS y``, which pairs them element by element (the lists
  must have equal lengths there; DuckDB would pad the shorter with NULLs).
  The ARRAY JOIN goes first among the SELECT's joins (it applies to the FROM table). 18.16
  returns corrupt blocks ("Size of offsets doesn't match size of column") when such a SELECT
  carries a key column of the JOINed side: builders take keys from the array-joined table
  (``heatmap_sql.block_figures`` reads ``l.page_key``, not the page view's), which the
  hand-counted block tests check on the real server.
- ``group_by_aliases``: ClickHouse aliases are visible in the whole query, so in
  ``SELECT coalesce(goal, '') AS goal ... GROUP BY coalesce(goal, '')`` the ``goal`` of the GROUP BY
  is the alias, and the select item is "not in GROUP BY": such items are grouped by their alias.
"""

from __future__ import annotations

from sqlglot import exp

from traitbase.storage.sql.dialect import SqlNotPortable


def _unnests(select: exp.Select) -> list[exp.Expression]:
    """The select's ``unnest(a) AS x`` items as ``a AS x``; each item replaced by the column ``x``."""
    found: list[exp.Expression] = []
    for i, col in enumerate(select.expressions):
        if isinstance(col, exp.Alias) and isinstance(col.this, exp.Explode | exp.Unnest):
            arg = col.this.this if isinstance(col.this, exp.Explode) else col.this.expressions[0]
            found.append(exp.Alias(this=arg.copy(), alias=exp.to_identifier(col.alias)))
            select.expressions[i] = exp.column(col.alias)
    return found


def array_joins(tree: exp.Expression) -> exp.Expression:
    for select in list(tree.find_all(exp.Select)):
        unnested = _unnests(select)
        others = sum(1 for col in select.expressions if col.find(exp.Explode, exp.Unnest) is not None)
        if others and (unnested or others > 1):
            raise SqlNotPortable("several unnests in one SELECT must each be a whole item: unnest(a) AS x")
        if not unnested:
            continue  # none, or one alone without an alias: arrayJoin(a) is the same thing
        joins = select.args.get("joins") or []
        select.set("joins", [exp.Join(this=unnested[0], expressions=unnested[1:], kind="ARRAY"), *joins])
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
