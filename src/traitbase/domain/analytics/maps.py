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
from traitbase.storage.warehouse import heatmap_sql as hsql

_API_DEVICE = {"PC": "PC", "Mobile": "MOBILE", "Tablet": "TABLET"}


def click_map(job: Job) -> list[dict[str, Any]]:
    q = job.q
    sc = scope(job)
    top: dict[tuple[str, int, int], tuple[int, str]] = {}
    cell_clicks: dict[tuple[str, int, int], int] = defaultdict(int)
    # One statement: clicks per (cell, selector); a cell's clicks are the sum over its selectors.
    for r in job.reader.rows(hsql.click_cells(sc, q.grid_columns, q.grid_row_px)):
        k = (str(r["device_type"]), count(r["cx"]), count(r["cy"]))
        n, sel = count(r["clicks"]), str(r["selector"] or "")
        cell_clicks[k] += n
        best = top.get(k)
        if best is None or n > best[0] or (n == best[0] and sel < best[1]):
            top[k] = (n, sel)
    cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for k, n in cell_clicks.items():
        totals[k[0]] += n
        cells[k[0]].append({"col": k[1], "row": k[2], "clicks": n, "selector": top[k][1]})
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
    folds: dict[str, dict[str, Any]] = {}
    for r in job.reader.rows(hsql.scroll_figures(sc)):
        dev = str(r["k"])
        if r["part"] == "s":
            steps[dev][count(r["n0"])] = count(r["n1"])
        else:
            folds[dev] = {"fold_px": r["f0"], "fold_fraction": r["f1"]}
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
