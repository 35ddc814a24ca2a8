"""Printing of query-API results (Rich tables or JSON); kept beside output.py, which prints everything else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from traitbase.cli import output


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(
            ", ".join(f"{k}={v}" for k, v in item.items()) if isinstance(item, dict) else str(item) for item in value
        )
    return "" if value is None else str(value)


def result(data: Any, *, as_json: bool, title: str) -> None:
    """A page_metrics object as a two-column table; lists of rows as one row each."""
    if as_json:
        output.json(data)
        return
    if isinstance(data, Mapping):
        table = Table(title=title)
        table.add_column("Metric")
        table.add_column("Value", overflow="fold")
        for k, v in data.items():
            table.add_row(k, _cell(v))
        output.out.print(table)
        return
    rows: Sequence[Mapping[str, Any]] = data or []
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    table = Table(title=title)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in columns))
    output.out.print(table)
