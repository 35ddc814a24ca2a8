"""Tracker collection throughput over HTTP (``POST /collect``), and its ratio to the events face in the same run.

    python bench/collect.py [--requests 3000] [--warmup 300] [--events-requests 150] [--connections 8]
                            [--tracker-connections 256]

One real ``uvicorn`` process on a free 127.0.0.1 port over a fresh data directory; the load
generator is another process (keep-alive HTTP/1.1, prebuilt requests). Two phases against the
same server:

1. the events face (``POST /v1/actions``, bench/events.py's 1,000-action batches);
2. the tracker: realistic 20-event batches (a page view, element impressions, clicks, a custom
   event, a conversion, a dimension, a page leave with four blocks), a **new visitor and page in every
   batch**, a real browser User-Agent, enrichment on (user agent, referrer, visits), each 204
   only after the warehouse commit is on disk. Tracker traffic comes from many browsers at once,
   each with at most one beacon in flight, so this phase keeps more connections open
   (``--tracker-connections``) than the events face's few bulk uploaders (``--connections``).

Goals on a 2-core machine: >= 50,000 tracker events/s and a ratio >= 0.5 to the events face.
Figures are noisy on a shared machine; the run is bounded and stops the server it started by pid.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import msgspec
from events import BATCH as EVENTS_BATCH
from events import batch_body as events_body
from harness import Workload, bootstrap, cpu_line, free_port, run_http, start_server, stop_server

from traitbase.config import Settings
from traitbase.storage.db import Database
from traitbase.storage.repos import projects

EVENTS_PER_BATCH = 20
GOAL_EVENTS_PER_S = 50_000
GOAL_RATIO = 0.5
DEADLINE_S = 90.0
T0 = 1_733_040_000_000
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"  # noqa: E501
REFERRERS = ("https://www.google.com/", "https://l.facebook.com/", "", "https://chatgpt.com/", "https://news.example/")


def tracker_batch(i: int) -> list[dict[str, Any]]:
    ts = T0 + i * 1000
    page, url = f"pg{i}", f"https://shop.example/item/{i % 500}?utm_source=x{i % 3}"
    base = {"page": page, "url": url}
    events: list[dict[str, Any]] = [
        {"kind": "pageview", "id": f"{i}-0", "ts": ts, **base, "referrer": REFERRERS[i % len(REFERRERS)],
         "title": "Item", "screen": "390x844", "viewport": [390, 664], "language": "ja-JP", "page_height": 5200},
    ]  # fmt: skip
    for j in range(3):
        events.append({"kind": "element_view", "id": f"{i}-e{j}", "ts": ts + 100 * j, **base, "element": f"cta{j}"})
    for j in range(12):
        events.append(
            {"kind": "click", "id": f"{i}-c{j}", "ts": ts + 200 * j, **base, "x": (j % 10) / 10, "y": 120 * j,
             "selector": f"main > section:nth-child({j % 5}) a", "text": "Add to cart", "element": f"cta{j % 3}"}
        )  # fmt: skip
    events.append({"kind": "custom", "id": f"{i}-u", "ts": ts + 3000, **base, "name": "video_play",
                   "properties": {"seconds": 12, "hd": True}})  # fmt: skip
    events.append({"kind": "conversion", "id": f"{i}-v", "ts": ts + 3100, **base, "goal": "Add to cart"})
    events.append({"kind": "dimension", "id": f"{i}-d", "ts": ts + 3200, "name": "plan", "value": "member"})
    events.append(
        {"kind": "pageleave", "id": f"{i}-l", "ts": ts + 9000, **base, "active_ms": 8200, "max_scroll": 3900,
         "page_height": 5200, "blocks": [{"name": n, "seconds": 2.5, "seen": k < 3}
                                         for k, n in enumerate(("Hero", "Gallery", "Specs", "Reviews"))]}
    )  # fmt: skip
    assert len(events) == EVENTS_PER_BATCH
    return events


def tracker_body(i: int) -> bytes:
    events = tracker_batch(i)
    return msgspec.json.encode({"visitor": f"visitor-{i}", "sent_at": events[-1]["ts"], "events": events})


def site_key_of(data_dir: Path, project_id: str) -> str:
    db = Database(Settings(data_dir=data_dir, access_log=False, log_level="WARNING"))
    try:
        with db.read() as s:
            proj = projects.get_project(s, project_id)
            assert proj is not None
            return str(proj.site_key)
    finally:
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=3000, help="timed /collect requests (20 events each)")
    ap.add_argument("--warmup", type=int, default=300, help="warm-up /collect requests")
    ap.add_argument("--events-requests", type=int, default=150, help="timed /v1/actions requests (1,000 each)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (events face)")
    ap.add_argument("--tracker-connections", type=int, default=256, help="keep-alive connections (tracker)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        data = Path(tmp, "server")
        project_id, token = bootstrap(data)
        site = site_key_of(data, project_id)
        port = free_port()
        server = start_server(data, port, TRAITBASE_JOB_WORKERS="0", TRAITBASE_COLLECT_RATE_LIMIT="1000000/minute")
        events_work = Workload("/v1/actions", events_body, 201, b"1000 actions have been", DEADLINE_S)
        collect_work = Workload(
            f"/collect?site={site}", tracker_body, 204, b"", DEADLINE_S, headers=(("User-Agent", UA),)
        )
        try:
            ev, ev_cpu = run_http(port, token, events_work, warmup=20, timed=args.events_requests,
                                  connections=args.connections, server_pid=server.pid)  # fmt: skip
            co, co_cpu = run_http(port, token, collect_work, warmup=args.warmup, timed=args.requests,
                                  connections=args.tracker_connections, server_pid=server.pid)  # fmt: skip
        finally:
            stop_server(server)
        for name, result in (("events", ev), ("collect", co)):
            if result.failures:
                print(f"{len(result.failures)} {name} requests failed, e.g.: {result.failures[0]}", file=sys.stderr)
                return 1
        stored = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
        counts = {
            t: stored.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("tracker_pageviews", "tracker_clicks", "tracker_visits", "tracker_visitors")
        }
        stored.close()

    batches = args.warmup + args.requests
    expected = {"tracker_pageviews": batches, "tracker_clicks": batches * 12, "tracker_visits": batches,
                "tracker_visitors": batches}  # fmt: skip
    got = {t: (c[0] if c else None) for t, c in counts.items()}
    if got != expected:
        print(f"stored {got}, expected {expected}", file=sys.stderr)
        return 1
    collect_rate = args.requests * EVENTS_PER_BATCH / co.seconds
    events_rate = args.events_requests * EVENTS_BATCH / ev.seconds
    ratio = collect_rate / events_rate
    for label, result, cpu, rate in (("events face", ev, ev_cpu, events_rate), ("tracker", co, co_cpu, collect_rate)):
        p50, p99 = result.percentiles()
        print(f"{label + ':':<14}{rate:>10,.0f} events/s  ({result.requests / result.seconds:,.0f} requests/s, "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms)")  # fmt: skip
        print(f"              {cpu_line(result, cpu)}; server CPU {cpu / (rate * result.seconds) * 1e6:.1f} us/event")
    print(f"stored and checked: {got}")
    print(f"ratio tracker / events face: {ratio:.2f}")
    print(
        f"goals: >= {GOAL_EVENTS_PER_S:,} tracker events/s "
        f"{'met' if collect_rate >= GOAL_EVENTS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
