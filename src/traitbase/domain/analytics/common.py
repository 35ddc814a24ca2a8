"""What every query type shares: the scope of the request, conversion matching, metric selection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.format import rate
from traitbase.domain.analytics.parse import HeatmapQuery
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.storage.warehouse.analytics import Scope

# (catalog section, raw value) -> localized label
Labeler = Callable[[str, str], str]


@dataclass(frozen=True)
class Job:
    q: HeatmapQuery
    tenant: Tenant
    reader: Reader
    label: Labeler


def scope(job: Job, group: str = "''") -> Scope:
    q, t = job.q, job.tenant
    conds = tuple(reg.build_filter(f, t.project, t.environment) for f in q.filters)
    return Scope(
        project=t.project,
        environment=t.environment,
        start=q.dates.start_dt,
        end=q.dates.end_dt,
        url=q.url.split("?", 1)[0] if q.merged else q.url,
        merged=q.merged,
        device=reg.DEVICE_TYPES[q.device],
        conds=conds,
        group=group,
    )


def matched_goals(job: Job) -> list[str] | None:
    """Goals whose name contains any of conversionNames (any case); None when none were asked for.

    4012 when names were given and nothing matches.
    """
    wanted = [n.lower() for n in job.q.conversion_names if n.strip()]
    if not wanted:
        return None
    goals = [g for g in job.reader.goal_names(job.tenant) if any(w in g.lower() for w in wanted)]
    if not goals:
        raise QueryError(4012, ", ".join(job.q.conversion_names))
    return goals


def wants(job: Job, metric: str) -> bool:
    return job.q.metrics is None or metric in job.q.metrics


def select(job: Job, values: dict[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """The requested metrics (all when ``metrics`` is absent), in the seed's order."""
    return {m: values[m] for m in order if wants(job, m) and m in values}


def conversions(job: Job, goals: list[str] | None, completions: dict[str, int], base: int) -> list[dict[str, Any]]:
    """The ``conversions`` array: one entry per matched goal, with the conversion metrics asked for."""
    out = []
    for g in goals or []:
        item: dict[str, Any] = {"conversionName": g}
        if wants(job, "completions"):
            item["completions"] = completions.get(g, 0)
        if wants(job, "conversionRate"):
            item["conversionRate"] = rate(completions.get(g, 0), base)
        out.append(item)
    return out
