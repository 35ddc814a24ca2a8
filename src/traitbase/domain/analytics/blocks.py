"""block_metrics and element_metrics: per configured block / element of the page on one device."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from traitbase.domain.analytics import registry as reg
from traitbase.domain.analytics.common import Job, conversions, matched_goals, scope, select, wants
from traitbase.domain.analytics.errors import QueryError
from traitbase.domain.analytics.format import count, duration, rate
from traitbase.storage.warehouse import heatmap_sql as hsql

Parts = dict[str, dict[str, list[Any]]]
_F0 = hsql.BLOCK_WIDTH[0]  # the index of a block row's seconds (the first float column)


def _parts(rows: list[dict[str, Any]], width: int) -> tuple[Parts, dict[str, dict[str, int]]]:
    """The statement's rows by part and key (its integer and float columns), and the per-goal rows."""
    parts: Parts = defaultdict(dict)
    named: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        values = [r[f"n{i}"] for i in range(width)] + [v for c, v in r.items() if c.startswith("f")]
        if r["part"] == "g":
            named[str(r["k"])][str(r["goal"])] = count(values[0])
        else:
            parts[r["part"]][str(r["k"])] = values
    return parts, named


def _n(parts: Parts, part: str, key: str, i: int = 0) -> int:
    return count((parts.get(part, {}).get(key) or [0] * (i + 1))[i])


def block_metrics(job: Job) -> list[dict[str, Any]]:
    cfg = job.reader.page_config(job.tenant, job.q.url, job.q.device, job.q.merged)
    blocks = (cfg or {}).get("blocks") or []
    if not blocks:
        raise QueryError(4008)
    goals = matched_goals(job)
    names = [str(b["name"]) for b in blocks]
    rows = job.reader.rows(hsql.block_figures(scope(job), names, job.q.stay_seconds, goals))
    parts, named = _parts(rows, hsql.BLOCK_WIDTH[0])
    pv = _n(parts, "pv", "0")
    out = []
    for i, b in enumerate(blocks, 1):
        name, rank = str(b["name"]), str(i)  # the statement keys blocks by their rank
        impression, stayed_views = _n(parts, "m", rank), _n(parts, "m", rank, 1)
        seconds = float((parts.get("m", {}).get(rank) or [0] * (_F0 + 1))[_F0] or 0)
        drop, stayed, done = _n(parts, "d", rank), _n(parts, "s", rank), _n(parts, "a", rank)
        values = {
            "impression": impression,
            "impressionRate": rate(impression, pv),
            "avgDuration": duration(seconds / stayed_views if stayed_views else 0),
            "dropoff": drop,
            "dropoffRate": rate(drop, impression),
            "completions": done,
            "conversionRate": rate(done, stayed),
        }
        row: dict[str, Any] = {
            "blockName": name,
            "screenshotUrl": str(b.get("screenshot_url") or b.get("screenshotUrl") or ""),
        }
        row.update(select(job, values, reg.BLOCK_METRICS))
        if goals is not None:
            row["conversions"] = conversions(job, goals, named.get(rank, {}), stayed)
        out.append(row)
    return out


def element_metrics(job: Job) -> list[dict[str, Any]]:
    cfg = job.reader.page_config(job.tenant, job.q.url, job.q.device, job.q.merged)
    elements = (cfg or {}).get("elements") or []
    if not elements:
        raise QueryError(4016)
    goals = matched_goals(job)
    parts, named = _parts(job.reader.rows(hsql.element_figures(scope(job), goals)), hsql.ELEMENT_WIDTH[0])
    pv = _n(parts, "pv", "")
    out = []
    for e in elements:
        name = str(e["name"])
        impression, clicks = _n(parts, "i", name), _n(parts, "k", name)
        clicked_visits, done = _n(parts, "v", name), _n(parts, "a", name)
        values = {
            "impression": impression,
            "impressionRate": rate(impression, pv),
            "click": clicks,
            "clickRate": rate(clicks, impression),
            "completions": done,
            "conversionRate": rate(done, clicked_visits),
        }
        row: dict[str, Any] = {"elementName": name}
        row.update(select(job, values, reg.ELEMENT_METRICS))
        if goals is not None and (wants(job, "completions") or wants(job, "conversionRate")):
            row["conversions"] = conversions(job, goals, named.get(name, {}), clicked_visits)
        out.append(row)
    return out
