"""page_metrics and page_insight: SPEC 8's page metrics, for the whole page or per dimension value."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.common import Job, conversions, matched_goals, scope, select, wants
from traitbase.domain.analytics.format import count, decimal, duration, millis, rate
from traitbase.storage.warehouse import heatmap_sql as hsql

_DEVICES_OF = {"ALL": ("PC", "MOBILE", "TABLET"), "PC": ("PC",), "MOBILE": ("MOBILE",), "TABLET": ("TABLET",)}


def _groups(job: Job, group: str) -> tuple[list[Any], dict[Any, dict[str, Any]], dict[Any, int], list[str] | None]:
    """Raw per-group figures of every page metric (one statement), any-goal completions, the matched goals."""
    goals = matched_goals(job)
    conv = wants(job, "completions") or wants(job, "conversionRate")
    clicks = any(wants(job, m) for m in ("clicks", "clickRate", "ctaClicks", "ctaClickRate"))
    ctas = job.reader.cta_elements(job.tenant, job.q.url, job.q.merged, _DEVICES_OF[job.q.device]) if clicks else None
    # Completions count visits with any of the goals (every goal when none were named).
    any_goals = (goals if goals is not None else job.reader.goal_names(job.tenant)) if conv else None
    named = goals if conv else None
    figures: dict[Any, dict[str, Any]] = defaultdict(dict)
    totals: dict[Any, int] = {}
    order: list[Any] = []
    query = hsql.page_figures(scope(job, group), cta_elements=ctas, goals=named, any_goals=any_goals)
    for r in job.reader.rows(query):
        g, part, n = r["k"], r["part"], [r[f"n{i}"] for i in range(hsql.PAGE_WIDTH[0])]
        f = figures[g]
        if part == "p":
            order.append(g)
            f.update(pv=n[0], entrances=n[4], bounces=n[5], entered_pageviews=n[6], fv_candidates=n[7])
        elif part == "v":
            f.update(visits=n[1], uv=n[2], new_visits=n[3])
        elif part == "l":
            f.update(leaves=n[0], active_ms=n[1], scrolled=n[2], clicks=n[3], cta_clicks=n[4])
        elif part == "g":
            f.setdefault("by_goal", {})[str(r["goal"])] = count(n[0])
        elif part == "a":
            totals[g] = count(n[0])
    return order, figures, totals, goals


def _metrics(job: Job, f: dict[str, Any], goals: list[str] | None, any_completions: int) -> dict[str, Any]:
    pv, visits = count(f.get("pv")), count(f.get("visits"))
    entrances = count(f.get("entrances"))
    fv = count(f.get("fv_candidates")) - count(f.get("scrolled"))
    values = {
        "visits": visits,
        "pv": pv,
        "uv": count(f.get("uv")),
        "newVisitsRate": rate(count(f.get("new_visits")), visits),
        "entrances": entrances,
        "fvRate": rate(fv, pv),
        "timeOnPage": duration(count(f.get("active_ms")) / 1000 / count(f.get("leaves")) if f.get("leaves") else 0),
        "clicks": count(f.get("clicks")),
        "clickRate": rate(count(f.get("clicks")), pv),
        "ctaClicks": count(f.get("cta_clicks")),
        "ctaClickRate": rate(count(f.get("cta_clicks")), pv),
        "bounceRate": rate(count(f.get("bounces")), entrances),
        "avgPageViews": decimal(count(f.get("entered_pageviews")), entrances),
        "completions": any_completions,
        "conversionRate": rate(any_completions, visits),
    }
    out = select(job, values, reg.PAGE_METRICS)
    if goals is not None:
        out["conversions"] = conversions(job, goals, f.get("by_goal", {}), visits)
    return out


def page_metrics(job: Job) -> dict[str, Any]:
    _, figures, totals, goals = _groups(job, "''")
    return _metrics(job, figures.get("", {}), goals, totals.get("", 0))


def _label(job: Job, dim: reg.Dimension, raw: Any) -> tuple[str, Any]:
    if dim.kind in ("day", "week"):
        d = raw.date() if isinstance(raw, datetime) else raw
        assert isinstance(d, date)
        return d.isoformat(), millis(d)
    value = str(raw or "")
    if dim.labels:
        return job.label(dim.labels, value), value
    return (value or job.label("common", "not_set")), value


def page_insight(job: Job) -> list[dict[str, Any]]:
    assert job.q.fun_name is not None
    dim = reg.FUN_NAMES[job.q.fun_name]
    order, figures, totals, goals = _groups(job, dim.expr)
    out = []
    for g in (
        sorted(order, key=lambda x: (-count(figures[x].get("pv")), str(x))) if dim.kind == "text" else sorted(order)
    ):
        label, key = _label(job, dim, g)
        out.append({"dimension": label, "key": key, **_metrics(job, figures[g], goals, totals.get(g, 0))})
    return out
