"""Query API latency over HTTP against the same SQL run directly on the engine, in one run.

    python bench/query.py [--events 10000000] [--repeat 15]

1. A fresh data directory; synthetic tracker data loaded straight into the warehouse tables
   (bulk Arrow inserts, not over HTTP): ``--events`` rows over page views (30 %), page leaves with
   five blocks each (30 %), clicks (25 %), element impressions (12 %) and conversions (3 %), with a
   Zipf-like skew over 2,000 URLs, 200,000 visitors, 1 to 5 page views per visit, 30 days; the
   most viewed URL gets a PC page configuration (5 blocks, 5 elements) and a goal.
2. **Direct**: every query type's SQL (the same builders, through the same domain code) run on the
   DuckDB warehouse opened in this process, ``--repeat`` times; p50.
3. **API**: one ``uvicorn`` process on 127.0.0.1 over the same directory; the same queries through
   ``POST /open-api/v1/heatmap/query`` with a query key; p50; ratio API / direct.

Goals on this machine: page_metrics p50 < 150 ms, every type < 500 ms, every ratio <= 1.3. Next to
the wall-clock figures it prints CPU per query (the bench process's on the direct side, the server
process's from /proc on the API side) and the load average: on a shared machine CPU time is the
steadier figure. The run is bounded and stops the server it started by pid.
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

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from harness import cpu_seconds_of, free_port, start_server, stop_server

from traitbase.config import Settings
from traitbase.domain.analytics import parse, service
from traitbase.domain.analytics.reader import Reader, Tenant
from traitbase.domain.collect.pages import normalize_url, url_key
from traitbase.domain.control import service as admin
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.keys.principal import Principal
from traitbase.storage.db import Database, migrate
from traitbase.storage.repos import pages as page_repo
from traitbase.storage.warehouse import collect
from traitbase.storage.warehouse.engines import open_warehouse

URLS, VISITORS, DAYS = 2_000, 200_000, 30
BLOCKS = [f"Block {i}" for i in range(1, 6)]
ELEMENTS = [f"Element {i}" for i in range(1, 6)]
DEVICES = np.array(["PC", "Mobile", "Tablet"])
SOURCES = np.array(["Direct", "Search", "Social", "Referral", "Campaign", "AISearch"])
GOAL = "Purchase"
QUERIES: dict[str, dict[str, Any]] = {
    "page_metrics": {"deviceType": "ALL", "conversionNames": ["purch"]},
    "page_insight day": {"queryType": "page_insight", "funName": "day", "deviceType": "ALL"},
    "page_insight sourceType": {"queryType": "page_insight", "funName": "sourceType", "deviceType": "ALL"},
    "block_metrics": {"queryType": "block_metrics", "deviceType": "PC"},
    "element_metrics": {"queryType": "element_metrics", "deviceType": "PC"},
    "click_map": {"queryType": "click_map", "deviceType": "PC"},
    "scroll_map": {"queryType": "scroll_map", "deviceType": "ALL"},
}
GOAL_PAGE_MS, GOAL_ANY_MS, GOAL_RATIO = 150.0, 500.0, 1.3


def setup(data: Path) -> tuple[str, str]:
    settings = Settings(data_dir=data, access_log=False, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    try:
        with db.uow() as s:
            boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
            assert boot is not None
            root = Principal(
                key_id=boot.admin_key_id, org_id=boot.org_id, project_id=None, environment="production",
                scopes=frozenset({"admin", "query", "upload"}), plan="free", instance_admin=True,
            )  # fmt: skip
            issued = admin.issue_key(s, root, org_id=None, project_id=boot.project_id, environment="production",
                                     name="bench", scopes=["query"])  # fmt: skip
            url = _url(0)
            norm = normalize_url(url, "merged")
            blocks = [{"name": b, "selector": f"#b{i}"} for i, b in enumerate(BLOCKS)]
            elements = [{"name": e, "selector": f"#e{i}", "cta": i == 0} for i, e in enumerate(ELEMENTS)]
            page_repo.put_page(s, org_id=boot.org_id, project_id=boot.project_id, environment="production",
                               match="merged", url=norm, url_key=url_key(norm), device="PC", blocks=blocks,
                               elements=elements)  # fmt: skip
            page_repo.put_goal(s, org_id=boot.org_id, project_id=boot.project_id, environment="production",
                               name=GOAL, type_="event", match="purchase")  # fmt: skip
        return boot.project_id, issued.token
    finally:
        db.dispose()


def _url(i: int) -> str:
    return f"https://shop.example/p/{i}"


def generate(project: str, events: int, now: datetime, seed: int = 7) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    n_pv = int(events * 0.30)
    sizes = rng.integers(1, 6, size=n_pv // 2 + 2)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_pv) + 1]
    n_visits = len(sizes)
    visit_of_pv = np.repeat(np.arange(n_visits), sizes)[:n_pv]
    pos = np.arange(n_pv) - np.repeat(np.cumsum(sizes) - sizes, sizes)[:n_pv]
    visitor_of_visit = rng.zipf(1.3, n_visits) % VISITORS
    start_us = int((now - timedelta(days=DAYS)).timestamp() * 1e6)
    visit_start = np.sort(rng.integers(start_us, int(now.timestamp() * 1e6) - 3_600_000_000, n_visits))
    pv_time = visit_start[visit_of_pv] + pos * 30_000_000
    url_idx = (rng.zipf(1.2, n_pv) - 1) % URLS
    urls = pa.array([_url(i) for i in range(URLS)])
    device_v = DEVICES[rng.choice(3, n_visits, p=[0.55, 0.4, 0.05])]
    source_v = SOURCES[rng.choice(6, n_visits, p=[0.3, 0.3, 0.15, 0.1, 0.1, 0.05])]
    page_key = np.arange(1, n_pv + 1, dtype=np.int64)
    visit_key = visit_of_pv.astype(np.int64) + 10_000_000_000
    visitor_key = visitor_of_visit[visit_of_pv].astype(np.int64)
    ts = pa.array(pv_time, type=pa.timestamp("us"))
    common = {"project": project, "environment": "production", "event_time": ts, "received_at": ts,
              "visitor_key": visitor_key, "visit_key": visit_key, "page_key": page_key,
              "url": pc.take(urls, url_idx), "url_base": pc.take(urls, url_idx),
              "device_type": device_v[visit_of_pv], "is_bot": False}  # fmt: skip

    def table(name: str, cols: dict[str, Any], rows: int) -> pa.Table:
        schema = collect.SCHEMAS[name]
        arrays = []
        for f in schema:
            v = cols.get(f.name)
            if v is None:
                arrays.append(pa.nulls(rows, f.type))
            elif isinstance(v, pa.Array):
                arrays.append(v)
            elif isinstance(v, np.ndarray):
                arrays.append(pa.array(v.tolist() if v.dtype == object else v, type=f.type))
            else:
                arrays.append(pa.repeat(pa.scalar(v, type=f.type), rows))
        return pa.Table.from_arrays(arrays, schema=schema)

    out: dict[str, pa.Table] = {}
    out[collect.PAGEVIEWS] = table(collect.PAGEVIEWS, {**common, "source_type": source_v[visit_of_pv],
                                   "viewport_height": np.full(n_pv, 800, dtype=np.int32),
                                   "page_height": np.full(n_pv, 4000, dtype=np.int32)}, n_pv)  # fmt: skip
    seconds = rng.exponential(6.0, (n_pv, 5)).round(1)
    seen = rng.random((n_pv, 5)) < np.array([0.95, 0.8, 0.6, 0.4, 0.25])
    offsets = pa.array(np.arange(0, 5 * n_pv + 1, 5, dtype=np.int32))
    scroll = rng.integers(800, 4001, n_pv).astype(np.int32)
    names = pc.take(pa.array(BLOCKS), np.tile(np.arange(5), n_pv))
    out[collect.PAGELEAVES] = table(collect.PAGELEAVES, {
        **common, "active_ms": rng.exponential(40_000, n_pv).astype(np.int64),
        "max_scroll": scroll, "page_height": np.full(n_pv, 4000, dtype=np.int32), "scroll_fraction": scroll / 4000.0,
        "block_names": pa.ListArray.from_arrays(offsets, names),
        "block_seconds": pa.ListArray.from_arrays(offsets, pa.array(seconds.ravel())),
        "block_seen": pa.ListArray.from_arrays(offsets, pa.array(seen.ravel()))}, n_pv)  # fmt: skip

    def sample(n: int) -> tuple[np.ndarray, dict[str, Any]]:
        pick = np.sort(rng.integers(0, n_pv, n))
        t = pa.array(pv_time[pick] + 1_000_000, type=pa.timestamp("us"))
        cols = {k: (v[pick] if isinstance(v, np.ndarray) else pc.take(v, pick) if isinstance(v, pa.Array) else v)
                for k, v in common.items()}  # fmt: skip
        cols.update(event_time=t, received_at=t)
        return pick, cols

    n_clicks, n_views, n_conv = int(events * 0.25), int(events * 0.12), int(events * 0.03)
    _, cc = sample(n_clicks)
    which = rng.integers(0, 10, n_clicks)
    out[collect.CLICKS] = table(collect.CLICKS, {
        **cc, "x": rng.random(n_clicks), "y": rng.integers(0, 4000, n_clicks).astype(np.int32),
        "selector": pc.take(pa.array([f"#e{i}" for i in range(10)]), which),
        "element": pc.take(pa.array(ELEMENTS + [None] * 5, type=pa.string()), which)}, n_clicks)  # fmt: skip
    _, vc = sample(n_views)
    views = table(collect.EVENTS, {**vc, "kind": "element_view",
                  "element": pc.take(pa.array(ELEMENTS), rng.integers(0, 5, n_views))}, n_views)  # fmt: skip
    _, kc = sample(n_conv)
    conv = table(collect.EVENTS, {**kc, "kind": "conversion", "goal": GOAL}, n_conv)
    out[collect.EVENTS] = pa.concat_tables([views, conv])
    first = np.cumsum(sizes) - sizes
    last = np.minimum(np.cumsum(sizes), n_pv) - 1
    vt = pa.array(visit_start, type=pa.timestamp("us"))
    out[collect.VISITS] = table(collect.VISITS, {
        "visit_key": np.arange(n_visits, dtype=np.int64) + 10_000_000_000, "project": project,
        "environment": "production", "visitor_key": visitor_of_visit.astype(np.int64),
        "visit_number": rng.integers(1, 4, n_visits).astype(np.int32), "start_time": vt, "end_time": vt,
        "events": sizes.astype(np.int32), "pageviews": (last - first + 1).astype(np.int32),
        "entry_page_key": page_key[first], "exit_page_key": page_key[last], "source_type": source_v,
        "device_type": device_v, "is_bot": False, "updated_at": vt}, n_visits)  # fmt: skip
    return out


def load(settings: Settings, tables: dict[str, pa.Table]) -> None:
    wh = open_warehouse(settings)
    try:
        cur = wh.cursor()  # type: ignore[attr-defined]
        for name, t in tables.items():
            cur.register("incoming", t)
            cur.execute(f"INSERT INTO {name} SELECT * FROM incoming")
            cur.unregister("incoming")
        cur.execute("CHECKPOINT")
        cur.close()
    finally:
        wh.close()


def body(project: str, name: str, start: str, end: str) -> dict[str, Any]:
    b = {"queryType": "page_metrics", "profileId": project, "url": _url(0), "startDate": start, "endDate": end}
    return {**b, **QUERIES[name]}


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def direct(settings: Settings, project: str, start: str, end: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Per query type: (p50 ms, median CPU ms of this process) — CPU is what the shared machine's load
    distorts least."""
    wh = open_warehouse(settings)
    db = Database(settings)
    today = datetime.now(UTC).date()
    reader = Reader(wh, db.read, settings.query_read_timeout_seconds, settings.query_read_max_rows)
    out = {}
    try:
        for name in QUERIES:
            q = parse.heatmap(body(project, name, start, end), types=service.METRICS_OF, today=today, retention_days=90)
            times, cpus = [], []
            for _ in range(repeat + 1):
                t0, c0 = time.perf_counter(), time.process_time()
                service.heatmap(reader, Tenant(project, "production"), q, lambda _s, raw: raw)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            out[name] = (p50(times[1:]), p50(cpus[1:]))
    finally:
        wh.close()
        db.dispose()
    return out


def over_http(port: int, pid: int, token: str, project: str, start: str, end: str,
              repeat: int) -> dict[str, tuple[float, float]]:  # fmt: skip
    """Per query type: (p50 ms over HTTP, the server's mean CPU ms per request)."""
    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
        for name in QUERIES:
            times = []
            for i in range(repeat + 1):
                if i == 1:
                    cpu0 = cpu_seconds_of(pid)
                t0 = time.perf_counter()
                r = c.post(
                    "/open-api/v1/heatmap/query", json=body(project, name, start, end), headers={"x-api-key": token}
                )
                times.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{name}: {r.status_code} {r.text[:300]}")
            out[name] = (p50(times[1:]), (cpu_seconds_of(pid) - cpu0) / repeat * 1000)
    return out


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--memory", default=None, help="warehouse_memory_limit for both sides (default: the setting's)")
    args = ap.parse_args()
    now = datetime.now(UTC).replace(tzinfo=None)
    start, end = (now - timedelta(days=DAYS - 1)).date().isoformat(), now.date().isoformat()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="tb-bench-query-") as tmp:
        data = Path(tmp)
        project, token = setup(data)
        memory = {"warehouse_memory_limit": args.memory} if args.memory else {}
        settings = Settings(data_dir=data, access_log=False, log_level="WARNING", **memory)
        t0 = time.perf_counter()
        tables = generate(project, args.events, now.replace(tzinfo=UTC))
        rows = sum(t.num_rows for n, t in tables.items() if n != collect.VISITS)
        load(settings, tables)
        del tables
        print(f"loaded {rows:,} tracker events (+ visits) in {time.perf_counter() - t0:.1f} s")
        d = direct(settings, project, start, end, args.repeat)
        port = free_port()
        limits = {
            "TRAITBASE_PLAN_FREE_PER_MINUTE": "100000",
            "TRAITBASE_PLAN_FREE_PER_DAY": "1000000",
            **({"TRAITBASE_WAREHOUSE_MEMORY_LIMIT": args.memory} if args.memory else {}),
        }
        server = start_server(data, port, TRAITBASE_JOB_WORKERS="0", **limits)  # fmt: skip
        try:
            h = over_http(port, server.pid, token, project, start, end, args.repeat)
        finally:
            stop_server(server)
    ok = True
    print(f"load average at start {load_before}, at end {load_average()} (2 cores)")
    print(f"{'query':<26}{'API p50 ms':>12}{'direct p50 ms':>15}{'ratio':>8}"
          f"{'API CPU ms':>12}{'direct CPU ms':>15}{'CPU ratio':>11}")  # fmt: skip
    for name in QUERIES:
        (api, api_cpu), (dir_, dir_cpu) = h[name], d[name]
        ratio = api / dir_ if dir_ else 0.0
        goal = GOAL_PAGE_MS if name == "page_metrics" else GOAL_ANY_MS
        met = api < goal and ratio <= GOAL_RATIO
        ok &= met
        cpu_ratio = api_cpu / dir_cpu if dir_cpu else 0.0
        print(f"{name:<26}{api:>12.1f}{dir_:>15.1f}{ratio:>8.2f}{api_cpu:>12.1f}{dir_cpu:>15.1f}{cpu_ratio:>11.2f}"
              f"  {'ok' if met else 'MISSED'}")  # fmt: skip
    print(f"goals (page_metrics < {GOAL_PAGE_MS:g} ms, all < {GOAL_ANY_MS:g} ms, ratio <= {GOAL_RATIO}): "
          f"{'met' if ok else 'not met'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
