"""Traitbase extensions (not in seed 001): the data a heatmap is drawn from.

- ``click_map``: clicks binned on a grid — ``gridColumns`` columns of page width (x is a fraction
  of the page width, so layouts of any width share a grid) × rows of ``gridRowPx`` pixels from the
  top — per device type, each cell with its most clicked selector.
- ``scroll_map``: per device type, the share of page views whose deepest scroll reached each 5 %
  step of page depth, and the fold line (mean viewport height, in px and as a share of the page).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from traitbase.domain.analytics.common import Job, scope
from traitbase.domain.analytics.format import count, rate
from traitbase.storage.warehouse import analytics as sql

_API_DEVICE = {"PC": "PC", "Mobile": "MOBILE", "Tablet": "TABLET"}


def click_map(job: Job) -> list[dict[str, Any]]:
    q = job.q
    sc = scope(job)
    top: dict[tuple[str, int, int], tuple[int, str]] = {}
    for r in job.reader.rows(sql.click_cell_selectors(sc, q.grid_columns, q.grid_row_px)):
        k = (str(r["device_type"]), count(r["cx"]), count(r["cy"]))
        n, sel = count(r["clicks"]), str(r["selector"] or "")
        best = top.get(k)
        if best is None or n > best[0] or (n == best[0] and sel < best[1]):
            top[k] = (n, sel)
    cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for r in job.reader.rows(sql.click_grid(sc, q.grid_columns, q.grid_row_px)):
        dev = str(r["device_type"])
        k = (dev, count(r["cx"]), count(r["cy"]))
        totals[dev] += count(r["clicks"])
        cells[dev].append({"col": k[1], "row": k[2], "clicks": count(r["clicks"]), "selector": top.get(k, (0, ""))[1]})
    out = []
    for dev in sorted(cells):
        grid = sorted(cells[dev], key=lambda c: (-c["clicks"], c["row"], c["col"]))
        for c in grid:
            c["share"] = rate(c["clicks"], totals[dev])
        out.append({"deviceType": _API_DEVICE.get(dev, dev), "gridColumns": q.grid_columns, "rowPx": q.grid_row_px,
                    "clicks": totals[dev], "cells": grid})  # fmt: skip
    return out


def scroll_map(job: Job) -> list[dict[str, Any]]:
    sc = scope(job)
    steps: dict[str, dict[int, int]] = defaultdict(dict)
    for r in job.reader.rows(sql.scroll_depths(sc)):
        steps[str(r["device_type"])][count(r["step"])] = count(r["views"])
    folds = {str(r["device_type"]): r for r in job.reader.rows(sql.fold_lines(sc))}
    out = []
    for dev in sorted(set(steps) | set(folds)):
        hist = steps.get(dev, {})
        views = sum(hist.values())
        reached, running = [], views
        for step in range(21):
            reached.append({"depth": round(step * 0.05, 2), "rate": rate(running, views)})
            running -= hist.get(step, 0)
        f = folds.get(dev, {})
        out.append({
            "deviceType": _API_DEVICE.get(dev, dev),
            "views": views,
            "depths": reached,
            "foldPx": round(float(f.get("fold_px") or 0)),
            "foldRate": round(float(f.get("fold_fraction") or 0), 4),
        })  # fmt: skip
    return out
