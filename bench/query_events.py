"""Query latency of ``event/query`` and ``abtest/metrics`` over bulk-loaded data, against the same SQL run directly.

    python bench/query_events.py [--events 10000000] [--actions 1000000] [--runs 5]

A fresh data directory: bootstrap, a query key and a two-version experience through the app;
then ``--events`` synthetic tracker custom events (20 names, a ``position`` property, three
device types, two OSes, spread over the last 7 days) and ``--actions`` experience actions (views
and clicks of 2 versions) are bulk-loaded into the embedded warehouse with Arrow; then the app
is opened on it and each query is timed through the whole face (in-process ASGI: key, budget,
validation, SQL, formatting) and, separately, its SQL alone on the same warehouse (the
statements the request ran, captured and replayed). Prints p50s and the ratios.

Goals on this machine: every ratio <= 1.3 and every p50 < 500 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from starlette.testclient import TestClient

from traitbase.app import create_app
from traitbase.config import Settings
from traitbase.domain.control.bootstrap import first_start
from traitbase.storage.warehouse.collect import EVENTS, SCHEMAS

GOAL_RATIO, GOAL_P50_MS = 1.3, 500.0
NAMES = [f"event_{i:02d}" for i in range(20)]
PIN = {"name": "eventName", "op": "include", "value": ["event_03"]}


def settings_for(data: Path) -> Settings:
    big = 10_000_000
    return Settings(data_dir=data, access_log=False, log_level="WARNING", plan_free_per_minute=big,
                    plan_free_per_day=big)  # fmt: skip


def prepare(data: Path) -> tuple[str, str, str]:
    app = create_app(settings_for(data))
    with app.state.ctx.db.uow() as s:
        boot = first_start(s, settings_for(data), now_iso="2026-01-01T00:00:00Z")
    assert boot is not None
    admin = {"Authorization": f"Bearer {boot.admin_token}"}
    with TestClient(app) as c:
        body = {"name": "bench", "scopes": ["query"], "project_id": boot.project_id, "environment": "production"}
        r = c.post("/admin/v1/keys", headers=admin, json=body)
        key = r.json()["data"]["token"]
        r = c.post(f"/admin/v1/projects/{boot.project_id}/experiences", headers=admin, json={
            "name": "Bench", "type": "POPUP", "status": "RUNNING",
            "versions": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}]})  # fmt: skip
        exp_id = r.json()["data"]["id"]
    return boot.project_id, key, exp_id


def _table(n: int, columns: dict[str, Any]) -> pa.Table:
    schema = SCHEMAS[EVENTS]
    arrays = [columns[f.name] if f.name in columns else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def load(data: Path, project: str, exp_id: str, events: int, actions: int) -> float:
    rng = np.random.default_rng(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    start = now - timedelta(days=7)
    started = time.perf_counter()
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    chunk = 1_000_000
    for done in range(0, events, chunk):
        n = min(chunk, events - done)
        secs = np.sort(rng.integers(0, 7 * 86_400, n))
        times = pa.array((np.datetime64(start, "us") + secs.astype("timedelta64[s]")), pa.timestamp("us"))
        cols = {
            "project": pa.array([project] * n), "environment": pa.array(["production"] * n),
            "event_time": times, "received_at": times,
            "visitor_key": pa.array(rng.integers(1, 2_000_000, n)),
            "visit_key": pa.array(rng.integers(1, 3_000_000, n)),
            "device_type": pa.array(np.array(["PC", "Mobile", "Tablet"])[rng.integers(0, 3, n)]),
            "is_bot": pa.array(np.zeros(n, dtype=bool)), "kind": pa.array(["custom"] * n),
            "name": pa.array(np.array(NAMES)[rng.integers(0, 20, n)]),
            "properties": pa.array(np.array(['{"position":"home"}', '{"position":"footer"}', '{"position":"top"}'])[
                rng.integers(0, 3, n)]),
        }  # fmt: skip
        con.register("batch", _table(n, cols))
        con.execute(f"INSERT INTO {EVENTS} SELECT * FROM batch")
        con.unregister("batch")
    n = actions
    secs = np.sort(rng.integers(0, 7 * 86_400, n))
    times = pa.array((np.datetime64(start, "us") + secs.astype("timedelta64[s]")), pa.timestamp("us"))
    cols = {
        "project": pa.array([project] * n), "environment": pa.array(["production"] * n),
        "event_time": times, "received_at": times,
        "visitor_key": pa.array(rng.integers(1, 300_000, n)), "visit_key": pa.array(rng.integers(1, 400_000, n)),
        "is_bot": pa.array(np.zeros(n, dtype=bool)), "kind": pa.array(["experience"] * n),
        "experience": pa.array([exp_id] * n), "version": pa.array(np.array(["v1", "v2"])[rng.integers(0, 2, n)]),
        "action": pa.array(np.array(["view", "view", "view", "click"])[rng.integers(0, 4, n)]),
    }  # fmt: skip
    con.register("batch", _table(n, cols))
    con.execute(f"INSERT INTO {EVENTS} SELECT * FROM batch")
    con.close()
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--actions", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tb-bench-query-") as tmp:
        data = Path(tmp)
        project, key, exp_id = prepare(data)
        print(f"loaded {args.events:,} custom events + {args.actions:,} experience actions in "
              f"{load(data, project, exp_id, args.events, args.actions):.1f} s")  # fmt: skip
        app = create_app(settings_for(data))
        wh = app.state.ctx.warehouse
        captured: list[tuple[str, Any]] = []
        real_read = wh.read

        def recording(sql: str, params: Any = (), **kw: Any) -> Any:
            captured.append((sql, params))
            return real_read(sql, params, **kw)

        today = datetime.now(UTC).date()
        dates = {"startDate": (today - timedelta(days=7)).isoformat(), "endDate": today.isoformat()}
        position = {"name": "eventVariable", "eventVariant": "position"}
        abtest = {"id": exp_id, "compareBy": "clickedUsers"}
        cases = {
            "event/query 1 dim + day": ("/event/query", {"dimensions": ["eventName", "day"]}),
            "event/query 2 dims + day": ("/event/query", {"dimensions": ["eventName", "deviceType", "day"],
                                                           "filters": [PIN]}),
            "event/query 3 dims + day": ("/event/query", {"dimensions": ["eventName", "deviceType", position, "day"],
                                                           "filters": [PIN]}),
            "abtest/metrics clickedUsers": ("/experience/report/abtest/metrics", abtest),
        }  # fmt: skip
        ok = True
        with TestClient(app) as c:
            wh.read = recording  # type: ignore[method-assign]
            for label, (path, body) in cases.items():
                full = {"profileId": project, **dates, **body}
                api_ms, sql_ms = [], []
                for i in range(args.runs + 1):
                    captured.clear()
                    t0 = time.perf_counter()
                    r = c.post(f"/open-api/v1{path}", json=full, headers={"x-api-key": key})
                    elapsed = (time.perf_counter() - t0) * 1000
                    assert r.status_code == 200, r.text
                    statements = list(captured)
                    t0 = time.perf_counter()
                    for sql, params in statements:
                        real_read(sql, params)
                    direct = (time.perf_counter() - t0) * 1000
                    if i:  # the first run warms caches
                        api_ms.append(elapsed)
                        sql_ms.append(direct)
                api, direct = statistics.median(api_ms), statistics.median(sql_ms)
                ratio = api / direct if direct else float("inf")
                ok &= ratio <= GOAL_RATIO and api < GOAL_P50_MS
                print(f"{label:32s} p50 {api:8.1f} ms   SQL alone {direct:8.1f} ms   ratio {ratio:5.2f}")
            wh.read = real_read  # type: ignore[method-assign]
        app.state.ctx.close()
    print(f"goals (ratio <= {GOAL_RATIO}, p50 < {GOAL_P50_MS:.0f} ms): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
