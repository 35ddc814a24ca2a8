"""block_metrics and element_metrics: per configured block / element of the page on one device."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.common import Job, conversions, matched_goals, scope, select, wants
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.format import count, duration, rate
from traitbase.storage.warehouse import analytics as sql


def _pv(job: Job) -> int:
    rows = job.reader.rows(sql.page_views(scope(job)))
    return sum(count(r["pv"]) for r in rows)


def _by_goal(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[str(r[key])][str(r["goal"])] = count(r["completions"])
    return out


def block_metrics(job: Job) -> list[dict[str, Any]]:
    cfg = job.reader.page_config(job.tenant, job.q.url, job.q.device, job.q.merged)
    blocks = (cfg or {}).get("blocks") or []
    if not blocks:
        raise QueryError(4008)
    goals = matched_goals(job)
    names = [str(b["name"]) for b in blocks]
    sc = scope(job)
    pv = _pv(job)
    stats = {str(r["name"]): r for r in job.reader.rows(sql.block_metrics(sc, names))}
    drops = {count(r["deepest"]): count(r["dropoff"]) for r in job.reader.rows(sql.block_dropoffs(sc, names))}
    stayed = {
        str(r["name"]): count(r["visits"])
        for r in job.reader.rows(sql.block_stayed_visits(sc, names, job.q.stay_seconds))
    }
    conv = _by_goal(job.reader.rows(sql.block_stays(sc, names, job.q.stay_seconds, None)), "name")
    named = _by_goal(job.reader.rows(sql.block_stays(sc, names, job.q.stay_seconds, goals)), "name") if goals else {}
    out = []
    for i, b in enumerate(blocks, 1):
        name = str(b["name"])
        st = stats.get(name, {})
        impression = count(st.get("impression"))
        done = conv.get(name, {}).get("", 0)
        values = {
            "impression": impression,
            "impressionRate": rate(impression, pv),
            "avgDuration": duration(
                float(st.get("total_seconds") or 0) / count(st.get("stayed")) if st.get("stayed") else 0
            ),
            "dropoff": drops.get(i, 0),
            "dropoffRate": rate(drops.get(i, 0), impression),
            "completions": done,
            "conversionRate": rate(done, stayed.get(name, 0)),
        }
        row: dict[str, Any] = {
            "blockName": name,
            "screenshotUrl": str(b.get("screenshot_url") or b.get("screenshotUrl") or ""),
        }
        row.update(select(job, values, reg.BLOCK_METRICS))
        if goals is not None:
            row["conversions"] = conversions(job, goals, named.get(name, {}), stayed.get(name, 0))
        out.append(row)
    return out


def element_metrics(job: Job) -> list[dict[str, Any]]:
    cfg = job.reader.page_config(job.tenant, job.q.url, job.q.device, job.q.merged)
    elements = (cfg or {}).get("elements") or []
    if not elements:
        raise QueryError(4016)
    goals = matched_goals(job)
    sc = scope(job)
    pv = _pv(job)
    seen = {str(r["element"]): count(r["impression"]) for r in job.reader.rows(sql.element_impressions(sc))}
    clicks = {str(r["element"]): r for r in job.reader.rows(sql.element_clicks(sc))}
    conv = _by_goal(job.reader.rows(sql.element_conversions(sc, None)), "element")
    named = _by_goal(job.reader.rows(sql.element_conversions(sc, goals)), "element") if goals else {}
    out = []
    for e in elements:
        name = str(e["name"])
        impression = seen.get(name, 0)
        c = clicks.get(name, {})
        clicked_visits = count(c.get("visits"))
        done = conv.get(name, {}).get("", 0)
        values = {
            "impression": impression,
            "impressionRate": rate(impression, pv),
            "click": count(c.get("clicks")),
            "clickRate": rate(count(c.get("clicks")), impression),
            "completions": done,
            "conversionRate": rate(done, clicked_visits),
        }
        row: dict[str, Any] = {"elementName": name}
        row.update(select(job, values, reg.ELEMENT_METRICS))
        if goals is not None and (wants(job, "completions") or wants(job, "conversionRate")):
            row["conversions"] = conversions(job, goals, named.get(name, {}), clicked_visits)
        out.append(row)
    return out
