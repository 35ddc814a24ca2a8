"""Attribute upload throughput through the running HTTP server, and its ratio to a bare upsert.

    python bench/attributes.py [--requests 2000] [--warmup 200] [--connections 16]

The server is a real ``uvicorn`` process on a free 127.0.0.1 port over a fresh data directory;
the load generator is another process driving keep-alive HTTP/1.1 connections with prebuilt
requests (100 users x 20 attributes each). The reference upserts the very same batches, in the
same order, straight into a fresh SQLite store of the same schema and durability settings
(``Database``: WAL + synchronous=FULL), one transaction per batch, in this process.

Goals on a 2-core machine: >= 40,000 users/s over HTTP and a ratio >= 0.3 to the reference.
Figures are noisy on a shared machine; the run is bounded (well under a minute) and stops the
server it started by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import orjson

from traitbase.config import Settings
from traitbase.domain import admin
from traitbase.domain.bootstrap import first_start
from traitbase.domain.keys import Principal
from traitbase.storage.db import Database, migrate
from traitbase.storage.repos.profiles import app_scope, merge_attributes

USERS = 100
ATTRS = [f"attr_{k:02d}" for k in range(20)]
USER_POOL_BATCHES = 1000  # batches beyond this update users created earlier: a mix of inserts and updates
GOAL_USERS_PER_S = 40_000
GOAL_RATIO = 0.3
DEADLINE_S = 45.0

Rows = list[tuple[str, dict[str, str]]]


def batch_rows(i: int) -> Rows:
    """The i-th batch: the same rows for the HTTP run and the reference."""
    base = (i % USER_POOL_BATCHES) * USERS
    return [(f"user-{base + j:07d}", {a: f"v{(i + j + k) % 97}" for k, a in enumerate(ATTRS)}) for j in range(USERS)]


def batch_body(i: int) -> bytes:
    rows = batch_rows(i)
    return orjson.dumps({"field_name": ["user_id", *ATTRS], "values": [[uid, *attrs.values()] for uid, attrs in rows]})


# --- server ------------------------------------------------------------------------------------


def bootstrap(data_dir: Path) -> tuple[str, str]:
    """Migrate a fresh data directory, run the first start and issue an upload key: (project, token)."""
    settings = Settings(data_dir=data_dir, access_log=False, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    try:
        with db.uow() as s:
            boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
            assert boot is not None
            root = Principal(
                key_id=boot.admin_key_id,
                org_id=boot.org_id,
                project_id=None,
                environment="production",
                scopes=frozenset({"admin", "query", "upload"}),
                plan="free",
                instance_admin=True,
            )
            issued = admin.issue_key(
                s,
                root,
                org_id=None,
                project_id=boot.project_id,
                environment="production",
                name="bench upload",
                scopes=["upload"],
            )
        return boot.project_id, issued.token
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "TRAITBASE_DATA_DIR": str(data_dir),
        "TRAITBASE_ACCESS_LOG": "false",
        "TRAITBASE_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "traitbase.app:app_from_env"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise SystemExit("server did not answer /healthz within 20 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- load generator (runs in its own process) ----------------------------------------------------


@dataclass
class LoadResult:
    seconds: float
    requests: int
    failures: list[str]
    latencies_ms: list[float]
    cpu_seconds: float = 0.0  # the load generator's own CPU time in the timed phase


def build_request(port: int, token: str, body: bytes) -> bytes:
    head = (
        f"POST /v1/user/profiles HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, requests: list[bytes], cursor: list[int], out: LoadResult) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while cursor[0] < len(requests):
            req = requests[cursor[0]]
            cursor[0] += 1
            start = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            out.latencies_ms.append((time.perf_counter() - start) * 1000)
            if not head.startswith(b"HTTP/1.1 200 ") or not body.startswith(b'{"code":200,'):
                out.failures.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
    finally:
        writer.close()


async def _phase(port: int, requests: list[bytes], connections: int) -> LoadResult:
    out = LoadResult(seconds=0.0, requests=len(requests), failures=[], latencies_ms=[])
    cursor = [0]
    start = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_connection(port, requests, cursor, out) for _ in range(connections))), DEADLINE_S
    )
    out.seconds = time.perf_counter() - start
    return out


def load_generator(port: int, token: str, warmup: int, timed: int, connections: int, pipe: Connection) -> None:
    try:
        import uvloop  # the lean loop keeps the client's share of the 2 cores small

        uvloop.install()
    except ImportError:
        pass
    try:
        warm = [build_request(port, token, batch_body(i)) for i in range(warmup)]
        main = [build_request(port, token, batch_body(i)) for i in range(warmup, warmup + timed)]
        result = asyncio.run(_phase(port, warm, connections))
        if not result.failures:
            pipe.send("timed phase starts")
            cpu = time.process_time()
            result = asyncio.run(_phase(port, main, connections))
            result.cpu_seconds = time.process_time() - cpu
        pipe.send(result)
    except BaseException as exc:
        pipe.send(LoadResult(0.0, 0, [f"load generator failed: {exc!r}"], []))


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_http(
    port: int, token: str, warmup: int, timed: int, connections: int, server_pid: int
) -> tuple[LoadResult, float]:
    """The load generator's result and the server's CPU seconds during the timed phase."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=load_generator, args=(port, token, warmup, timed, connections, child))
    proc.start()
    try:
        server_cpu = 0.0
        while True:
            if not parent.poll(DEADLINE_S * 2 + 10):
                raise SystemExit("load generator did not finish in time")
            msg = parent.recv()
            if isinstance(msg, LoadResult):
                return msg, cpu_seconds_of(server_pid) - server_cpu
            server_cpu = cpu_seconds_of(server_pid)
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()


# --- in-process reference ------------------------------------------------------------------------


def run_reference(data_dir: Path, project_id: str, warmup: int, timed: int) -> float:
    """Seconds to upsert the timed batches (after the warm-up ones) straight into SQLite."""
    settings = Settings(data_dir=data_dir, access_log=False, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    scope = app_scope(project_id)
    elapsed = 0.0
    try:
        for i in range(warmup + timed):
            rows = batch_rows(i)
            start = time.perf_counter()
            with db.engine.connect() as conn, conn.begin():
                merge_attributes(conn, org_id=1, scope=scope, environment="production", rows=rows, now=time.time())
            if i >= warmup:
                elapsed += time.perf_counter() - start
    finally:
        db.dispose()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="timed requests (100 users each)")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up requests before timing")
    ap.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="tb-bench-") as tmp:
        server_dir, ref_dir = Path(tmp, "server"), Path(tmp, "reference")
        project_id, token = bootstrap(server_dir)
        port = free_port()
        server = start_server(server_dir, port)
        try:
            http, server_cpu = run_http(port, token, args.warmup, args.requests, args.connections, server.pid)
        finally:
            stop_server(server)
        if http.failures:
            print(f"{len(http.failures)} requests did not answer 200, e.g.: {http.failures[0]}", file=sys.stderr)
            return 1
        ref_seconds = run_reference(ref_dir, project_id, args.warmup, args.requests)

    users = args.requests * USERS
    http_rate = users / http.seconds
    ref_rate = users / ref_seconds
    ratio = http_rate / ref_rate
    lat = sorted(http.latencies_ms)
    p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(
        f"attribute upload: {args.requests} requests x {USERS} users x {len(ATTRS)} attributes, "
        f"{args.connections} connections, after {args.warmup} warm-up requests"
    )
    print(
        f"HTTP (uvicorn, 1 process):   {http_rate:>10,.0f} users/s   "
        f"({args.requests / http.seconds:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
    )
    print(
        f"CPU during the timed phase: server {server_cpu / http.seconds:.0%} of a core, "
        f"load generator {http.cpu_seconds / http.seconds:.0%} (of {os.cpu_count()} cores)"
    )
    print(f"reference (in-process upsert): {ref_rate:>8,.0f} users/s")
    print(f"ratio HTTP / reference:        {ratio:>8.2f}")
    print(
        f"goals: >= {GOAL_USERS_PER_S:,} users/s {'met' if http_rate >= GOAL_USERS_PER_S else 'NOT met'}; "
        f"ratio >= {GOAL_RATIO} {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
