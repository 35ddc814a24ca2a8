"""page_metrics and page_insight: SPEC 8's page metrics, for the whole page or per dimension value."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.common import Job, conversions, matched_goals, scope, select, wants
from traitbase.domain.analytics.format import count, decimal, duration, millis, rate
from traitbase.storage.warehouse import analytics as sql

_DEVICES_OF = {"ALL": ("PC", "MOBILE", "TABLET"), "PC": ("PC",), "MOBILE": ("MOBILE",), "TABLET": ("TABLET",)}


def _groups(job: Job, group: str) -> tuple[list[Any], dict[Any, dict[str, Any]], list[str] | None]:
    """Raw per-group figures of every page metric, and the matched goals."""
    goals = matched_goals(job)
    sc = scope(job, group)
    figures: dict[Any, dict[str, Any]] = defaultdict(dict)
    order: list[Any] = []
    for r in job.reader.rows(sql.page_counts(sc)):
        order.append(r["g"])
        figures[r["g"]].update(r)
    for r in job.reader.rows(sql.page_leaves(sc)):
        figures[r["g"]].update(leaves=r["leaves"], active_ms=r["active_ms"], scrolled=r["scrolled_candidates"])
    if wants(job, "clicks") or wants(job, "clickRate") or wants(job, "ctaClicks") or wants(job, "ctaClickRate"):
        ctas = job.reader.cta_elements(job.tenant, job.q.url, job.q.merged, _DEVICES_OF[job.q.device])
        for r in job.reader.rows(sql.page_clicks(sc, ctas)):
            figures[r["g"]].update(clicks=r["clicks"], cta_clicks=r["cta_clicks"])
    if goals is not None and (wants(job, "completions") or wants(job, "conversionRate")):
        by_goal: dict[Any, dict[str, int]] = defaultdict(dict)
        for r in job.reader.rows(sql.page_conversions(sc, goals)):
            by_goal[r["g"]][str(r["goal"])] = count(r["completions"])
        for g, per in by_goal.items():
            figures[g]["by_goal"] = per
    return order, figures, goals


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


def _any_completions(job: Job, group: str, goals: list[str] | None) -> dict[Any, int]:
    """Visits of the page with any of the goals (all goals when none were named), per group."""
    if not (wants(job, "completions") or wants(job, "conversionRate")):
        return {}
    names = goals if goals is not None else job.reader.goal_names(job.tenant)
    if not names:
        return {}
    rows = job.reader.rows(sql.page_any_conversion(scope(job, group), names))
    return {r["g"]: count(r["completions"]) for r in rows}


def page_metrics(job: Job) -> dict[str, Any]:
    _, figures, goals = _groups(job, "''")
    total = _any_completions(job, "''", goals)
    return _metrics(job, figures.get("", {}), goals, total.get("", 0))


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
    order, figures, goals = _groups(job, dim.expr)
    totals = _any_completions(job, dim.expr, goals)
    out = []
    for g in (
        sorted(order, key=lambda x: (-count(figures[x].get("pv")), str(x))) if dim.kind == "text" else sorted(order)
    ):
        label, key = _label(job, dim, g)
        out.append({"dimension": label, "key": key, **_metrics(job, figures[g], goals, totals.get(g, 0))})
    return out
