"""``bench/events.py --warehouse clickhouse``: event pushes over HTTP into the ClickHouse warehouse.

Runs the same 1,000-action batches through one API process, then through two
(``uvicorn --workers 2``, the kernel spreads connections), each on a fresh ClickHouse database of
the server at ``--clickhouse-url`` (``.ci/clickhouse.sh start`` gives one on 127.0.0.1:19000), and
compares both with a direct ``clickhouse-driver`` columnar insert of the very same rows, 1,000
rows per insert, in this process (no HTTP, JSON or validation). Every 201 means the rows were
inserted. Goals on a 2-core machine: ratio >= 0.5 with one process; two processes faster than one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
from harness import Workload, bootstrap, free_port, run_http, stop_server

from traitbase.storage.warehouse.base import EVENT_COLUMNS
from traitbase.storage.warehouse.chclient import DriverClient
from traitbase.storage.warehouse.clickhouse import ClickHouseWarehouse, _column, _present

GOAL_RATIO = 0.5


def _start(data_dir: Path, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "traitbase.app:app_from_env", "--workers", str(workers)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=os.environ | env | {"TRAITBASE_DATA_DIR": str(data_dir)}, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                time.sleep(0.5 * workers)  # let every worker process finish starting
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise SystemExit("the server did not start")


def _count(url: str) -> int:
    client = DriverClient(url)
    try:
        return int(client.query("SELECT count() FROM events").rows[0][0])
    finally:
        client.close()


def _drop(base: str, name: str) -> None:
    admin = DriverClient(f"{base}/default")
    try:
        admin.command(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


def run_reference(url: str, batches: list[Any], warmup: int, *, per_insert: int) -> float:
    """Seconds to build and insert the timed batches with clickhouse-driver, ``per_insert`` batches an insert."""
    ClickHouseWarehouse(url).close()  # the same schema
    client = DriverClient(url)
    names = [*EVENT_COLUMNS, "batch_id"]
    elapsed = 0.0
    try:
        timed = batches[warmup:]
        for i in range(0, len(batches), per_insert):
            group = batches[i : i + per_insert]
            start = time.perf_counter()
            t = pa.concat_tables([make(datetime.now()) for make in group])
            t = t.append_column("batch_id", pa.repeat(pa.scalar(uuid.uuid4().hex), t.num_rows))
            present = _present(t, names)
            client.insert_columns("events", present, [_column(t, c) for c in present])
            if i >= warmup:
                elapsed += time.perf_counter() - start
        assert timed
    finally:
        client.close()
    return elapsed


def main(args: Any, *, batch: int, work: Workload, table_of: Any) -> int:
    import tempfile

    base = args.clickhouse_url.rstrip("/")
    names = [f"tb_bench_{uuid.uuid4().hex[:10]}" for _ in range(4)]
    results: dict[int, tuple[float, float, float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tb-bench-ch-") as tmp:
            for workers, name in ((1, names[0]), (2, names[1])):
                data_dir = Path(tmp, f"server{workers}")
                project_id, token = bootstrap(data_dir)
                port = free_port()
                env = {"TRAITBASE_WAREHOUSE_URL": f"{base}/{name}", "TRAITBASE_JOB_WORKERS": "0"}
                server = _start(data_dir, port, workers, env | {"TRAITBASE_ACCESS_LOG": "false"})
                try:
                    http, _cpu = run_http(
                        port,
                        token,
                        work,
                        warmup=args.warmup,
                        timed=args.requests,
                        connections=args.connections,
                        server_pid=server.pid,
                    )
                finally:
                    stop_server(server)
                if http.failures:
                    print(
                        f"{len(http.failures)} requests did not answer 201, e.g.: {http.failures[0]}", file=sys.stderr
                    )
                    return 1
                stored = _count(f"{base}/{name}")
                expected = (args.requests + args.warmup) * batch
                if stored != expected:
                    print(f"the server stored {stored} events, expected {expected}", file=sys.stderr)
                    return 1
                p50, p99 = http.percentiles()
                results[workers] = (args.requests * batch / http.seconds, p50, p99)
            batches = [(lambda now, i=i: table_of(i, project_id, now)) for i in range(args.warmup + args.requests)]
            ref_rate = args.requests * batch / run_reference(f"{base}/{names[2]}", batches, args.warmup, per_insert=1)
            big_rate = args.requests * batch / run_reference(f"{base}/{names[3]}", batches, args.warmup, per_insert=10)
    finally:
        for name in names:
            _drop(base, name)
    print(f"events push into ClickHouse: {args.requests} requests x {batch} actions, {args.connections} connections")
    for workers, (rate, p50, p99) in results.items():
        print(
            f"HTTP, {workers} API process{'es' if workers > 1 else ''}:        {rate:>10,.0f} events/s   "
            f"(p50 {p50:.1f} ms, p99 {p99:.1f} ms)   ratio {rate / ref_rate:.2f}"
        )
    print(f"reference (clickhouse-driver, 1,000 rows an insert, as each request): {ref_rate:>10,.0f} events/s")
    print(
        f"            (clickhouse-driver, 10,000 rows an insert): {big_rate:>10,.0f} events/s   "
        f"(HTTP 1 process / this: {results[1][0] / big_rate:.2f})"
    )
    one, two = results[1][0], results[2][0]
    print(
        f"goals: ratio >= {GOAL_RATIO} with one process {'met' if one / ref_rate >= GOAL_RATIO else 'NOT met'}; "
        f"two processes faster than one {'met' if two > one else 'NOT met'} ({two / one:.2f}x)"
    )
    return 0
