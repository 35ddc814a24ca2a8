"""CLI output of experiences (a second printer module next to ``output.py``, which is near its size limit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from traitbase.cli import output


def experiences(rows: Sequence[Mapping[str, Any]], *, as_json: bool) -> None:
    if as_json:
        output.json(list(rows))
        return
    table = Table(title="Experiences")
    for header in ("ID", "Name", "Type", "Status", "Versions", "Goals", "Tags"):
        table.add_column(header)
    for e in rows:
        live = [v for v in e.get("versions") or [] if not v.get("deleted")]
        versions = ", ".join(f"{v['id']} {v['name']} ({v['weight']:g}{', baseline' if v.get('baseline') else ''})"
                             for v in live)  # fmt: skip
        goals = ", ".join(f"{g['id']} {g['name']}" for g in e.get("goals") or [])
        table.add_row(str(e["id"]), str(e["name"]), str(e["type"]), str(e["status"]), versions, goals,
                      ", ".join(e.get("tags") or []))  # fmt: skip
    output.out.print(table)


def experience(e: Mapping[str, Any], *, as_json: bool) -> None:
    if as_json:
        output.json(e)
        return
    head = {k: v for k, v in e.items() if k not in ("versions", "goals", "form")}
    output.show_record("experience", head, as_json=False)
    versions = Table(title="Versions")
    for header in ("ID", "Name", "Weight", "Baseline", "Deleted"):
        versions.add_column(header)
    for v in e.get("versions") or []:
        versions.add_row(str(v["id"]), str(v["name"]), f"{v['weight']:g}", "yes" if v.get("baseline") else "",
                         "yes" if v.get("deleted") else "")  # fmt: skip
    output.out.print(versions)
    goals = Table(title="Goals")
    for header in ("ID", "Name", "Type", "Match", "Counted by"):
        goals.add_column(header)
    for g in e.get("goals") or []:
        counted = g.get("countBy", "users") + (f" of {g['property']}" if g.get("property") else "")
        goals.add_row(str(g["id"]), str(g["name"]), str(g["type"]), str(g["match"]), counted)
    output.out.print(goals)


def deleted(kind: str, ident: Any, *, as_json: bool) -> None:
    if as_json:
        output.json({"deleted": ident})
        return
    output.err.print(f"Deleted {kind} {ident}.")
