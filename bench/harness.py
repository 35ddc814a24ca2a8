"""What the HTTP benchmarks share: a bootstrapped data dir, a real server process, a lean load generator.

The load generator runs in its own process and drives keep-alive HTTP/1.1 connections with
prebuilt requests over raw asyncio streams (uvloop when installed), so its share of the two
cores stays small and the figure measures the server.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from traitbase.config import Settings
from traitbase.domain.control import service as admin
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.keys.principal import Principal
from traitbase.storage.db import Database, migrate


def bootstrap(data_dir: Path, *, key_name: str = "bench") -> tuple[str, str]:
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
                name=key_name,
                scopes=["upload"],
            )
        return boot.project_id, issued.token
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, **env_overrides: str) -> subprocess.Popen[bytes]:
    """A ``uvicorn`` process on 127.0.0.1 over ``data_dir``, returned once ``/healthz`` answers."""
    env = os.environ | {
        "TRAITBASE_DATA_DIR": str(data_dir),
        "TRAITBASE_ACCESS_LOG": "false",
        "TRAITBASE_LOG_LEVEL": "WARNING",
        **env_overrides,
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
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Workload:
    """What to send and what a good answer looks like. ``make_body`` must be a module-level function."""

    path: str
    make_body: Callable[[int], bytes]
    ok_status: int
    ok_marker: bytes
    deadline_s: float
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request, e.g. a browser's User-Agent


@dataclass
class LoadResult:
    seconds: float
    requests: int
    failures: list[str]
    latencies_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the load generator's own CPU time in the timed phase

    def percentiles(self) -> tuple[float, float]:
        lat = sorted(self.latencies_ms)
        return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def _request(port: int, token: str, path: str, body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, work: Workload, requests: list[bytes], cursor: list[int], out: LoadResult) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    status = f"HTTP/1.1 {work.ok_status} ".encode()
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
            if not head.startswith(status) or work.ok_marker not in body:
                out.failures.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
    finally:
        writer.close()


async def _phase(port: int, work: Workload, requests: list[bytes], connections: int) -> LoadResult:
    out = LoadResult(seconds=0.0, requests=len(requests), failures=[])
    cursor = [0]
    start = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_connection(port, work, requests, cursor, out) for _ in range(connections))),
        work.deadline_s,
    )
    out.seconds = time.perf_counter() - start
    return out


def _load_generator(
    port: int, token: str, work: Workload, warmup: int, timed: int, connections: int, pipe: Connection
) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        warm = [_request(port, token, work.path, work.make_body(i), work.headers) for i in range(warmup)]
        main = [
            _request(port, token, work.path, work.make_body(i), work.headers) for i in range(warmup, warmup + timed)
        ]
        result = asyncio.run(_phase(port, work, warm, connections))
        if not result.failures:
            pipe.send("timed phase starts")
            cpu = time.process_time()
            result = asyncio.run(_phase(port, work, main, connections))
            result.cpu_seconds = time.process_time() - cpu
        pipe.send(result)
    except BaseException as exc:
        pipe.send(LoadResult(0.0, 0, [f"load generator failed: {exc!r}"]))


def run_http(
    port: int, token: str, work: Workload, *, warmup: int, timed: int, connections: int, server_pid: int
) -> tuple[LoadResult, float]:
    """The load generator's result and the server's CPU seconds during the timed phase."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_load_generator, args=(port, token, work, warmup, timed, connections, child))
    proc.start()
    try:
        server_cpu = 0.0
        while True:
            if not parent.poll(work.deadline_s * 2 + 30):
                raise SystemExit("load generator did not finish in time")
            msg = parent.recv()
            if isinstance(msg, LoadResult):
                return msg, cpu_seconds_of(server_pid) - server_cpu
            server_cpu = cpu_seconds_of(server_pid)
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()


def cpu_line(result: LoadResult, server_cpu: float) -> str:
    return (
        f"CPU during the timed phase: server {server_cpu / result.seconds:.0%} of a core, "
        f"load generator {result.cpu_seconds / result.seconds:.0%} (of {os.cpu_count()} cores)"
    )
