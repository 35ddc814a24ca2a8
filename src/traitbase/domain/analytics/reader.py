"""What a query needs from storage: warehouse reads (timeout, row cap) and the page/goal configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from traitbase.domain.collect.pages import normalize_url, url_key
from traitbase.storage.repos import pages as page_repo
from traitbase.storage.warehouse import analytics as sql
from traitbase.storage.warehouse.base import Warehouse

Row = dict[str, Any]


@dataclass(frozen=True)
class Tenant:
    project: str
    environment: str


@dataclass
class Reader:
    """Runs builders on the warehouse (under the query face's timeout and row cap) and reads configuration."""

    warehouse: Warehouse
    session: Callable[[], Any]  # a context manager yielding a read Session
    timeout: float
    max_rows: int

    def rows(self, query: tuple[str, list[Any]]) -> list[Row]:
        text, params = query
        res = self.warehouse.read(text, params, timeout=self.timeout, max_rows=self.max_rows)
        return [dict(zip(res.columns, r, strict=True)) for r in res.rows]

    def page_config(self, t: Tenant, url: str, device: str, merged: bool) -> dict[str, Any] | None:
        """Blocks and elements of the page on one device: the form the query asks for first, then the other."""
        order = ("merged", "exact") if merged else ("exact", "merged")
        keys = [(m, url_key(normalize_url(url, m))) for m in order]
        with self.session() as s:
            found = {p.match: p for p in page_repo.find_pages(s, project_id=t.project, environment=t.environment,
                                                              device=device, keys=keys)}  # fmt: skip
            for m in order:
                if m in found:
                    return {"blocks": list(found[m].blocks or []), "elements": list(found[m].elements or [])}
        return None

    def cta_elements(self, t: Tenant, url: str, merged: bool, devices: tuple[str, ...]) -> list[str]:
        names: set[str] = set()
        for d in devices:
            cfg = self.page_config(t, url, d, merged)
            names |= {e["name"] for e in (cfg or {}).get("elements", []) if e.get("cta")}
        return sorted(names)

    def goal_names(self, t: Tenant) -> list[str]:
        """Configured goals and any conversion name seen in the data."""
        with self.session() as s:
            configured = {g.name for g in page_repo.list_goals(s, project_id=t.project, environment=t.environment)}
        seen = {str(r["goal"]) for r in self.rows(sql.goal_names(t.project, t.environment))}
        return sorted(configured | seen)
