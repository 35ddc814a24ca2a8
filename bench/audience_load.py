"""Audience file load throughput: a generated ``.csv.gz`` through the whole path.

Upload (presigned PUT to a live server) -> ``POST audience`` -> background job -> DuckDB bulk
load, timed from the first uploaded byte until the audience shows the new version. Prints ids/s,
the ratio to DuckDB ``read_csv`` of the same file into a plain table (same run, same machine),
and the server process's peak RSS. Goals: ratio at least 0.5, peak RSS under 500 MB.

Phases of the whole path (from the client and the load's status): upload (server receives,
hashes and fsyncs), queued (create answered until the job marks the load Running), load (inflate
+ check + DuckDB insert + commit, until the audience shows the new version). ``--phases`` then
times the load's parts one by one in this process (on a scratch warehouse with the server's
DuckDB settings): the gzip inflate/check alone, DuckDB parsing alone, the unpack (inflate +
check + plain copy), the load step (INSERT from the plain copy), and its commit.

    python bench/audience_load.py [--lines 20000000] [--keep DIR] [--phases]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx

from traitbase.config import Settings
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.keys.tokenauth import compute_token
from traitbase.storage.db import Database, migrate
from traitbase.storage.models import AudienceLoad


def generate(path: Path, lines: int) -> None:
    """IDFA-like ids (uppercase UUIDs), one per line, no header, gzip."""
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT upper(uuid()::VARCHAR) AS id FROM range({lines})) TO '{path}' "
        "(FORMAT csv, HEADER false, COMPRESSION gzip)"
    )
    con.close()


def md5_of(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def reference(path: Path, work: Path) -> float:
    """Seconds DuckDB takes to read the file into a plain table in a fresh database file."""
    con = duckdb.connect(str(work / "reference.duckdb"))
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE ids AS SELECT * FROM read_csv('{path}', columns={{'id': 'VARCHAR'}}, header=false)")
    con.execute("CHECKPOINT")
    took = time.perf_counter() - t0
    con.close()
    return took


def phases(path: Path, work: Path, settings: Settings) -> None:
    """The load's parts one at a time, in this process (not part of the whole-path figure)."""
    from traitbase.domain.audiences.feed import inflate, unpack
    from traitbase.storage.warehouse import audiences as members
    from traitbase.storage.warehouse.base import WriteOp, Written
    from traitbase.storage.warehouse.duckdb import DuckDBWarehouse

    cap = settings.audience_file_max_decompressed_bytes
    t0 = time.perf_counter()
    size = sum(len(b) for b in inflate(chunks(path), max_decompressed_bytes=cap))
    print(f"  phase gzip inflate + check alone: {time.perf_counter() - t0:.1f} s ({size / 1e6:.0f} MB plain)")
    con = duckdb.connect(
        config={"threads": settings.warehouse_threads, "memory_limit": settings.warehouse_memory_limit}
    )
    t0 = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_csv('{path}', columns={{'id': 'VARCHAR'}}, header=false)").fetchall()
    print(f"  phase DuckDB read_csv parse alone (count): {time.perf_counter() - t0:.1f} s")
    con.close()
    wh = DuckDBWarehouse(
        work / "phases.duckdb",
        memory_limit=settings.warehouse_memory_limit,
        threads=settings.warehouse_threads,
        temp_dir=work / "phases.tmp",
    )
    t0 = time.perf_counter()
    plain = work / "phases.txt"
    unpack(chunks(path), plain, compressed=True, max_decompressed_bytes=cap, is_header=members.is_header)
    print(f"  phase unpack (inflate + check + write the plain copy): {time.perf_counter() - t0:.1f} s")
    marks: dict[str, float] = {}

    def step(tx: object) -> object:
        marks["start"] = time.perf_counter()
        out = members.load_members(
            tx,  # type: ignore[arg-type]
            members.Target("p", "production", 1, 1),
            sources=[members.Source(path=plain, device_type=2)],
            file_format="lines",
            max_id_length=settings.audience_max_id_length,
        )
        marks["step"] = time.perf_counter()
        return out

    outcome = wh.submit(WriteOp(step=step)).result()
    done = time.perf_counter()
    wh.close()
    assert isinstance(outcome, Written)
    print(f"  phase load step (INSERT + count/cleanup, in the writer's tx): {marks['step'] - marks['start']:.1f} s")
    print(f"  phase commit: {done - marks['step']:.2f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Signed:
    def __init__(self, key_id: str, secret: str) -> None:
        self.key_id, self.secret, self.ts = key_id, secret, int(time.time()) - 250

    def headers(self) -> dict[str, str]:
        self.ts += 1  # a token is single-use; each call gets its own second
        return {"access-key": self.key_id, "timestamp": str(self.ts), "token": compute_token(self.secret, self.ts)}


def chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            yield chunk


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=20_000_000)
    ap.add_argument("--keep", type=Path, help="work directory to keep (default: a temporary one, removed)")
    ap.add_argument("--phases", action="store_true", help="also time the load's parts one by one")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tb-audience-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "ids.csv.gz"
    port = free_port()
    env = {
        **os.environ,
        "TRAITBASE_DATA_DIR": str(work / "data"),
        "TRAITBASE_PORT": str(port),
        "TRAITBASE_ACCESS_LOG": "false",
        "TRAITBASE_LOG_LEVEL": "WARNING",
        "TRAITBASE_JOB_POLL_SECONDS": "0.2",
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"generating {args.lines:,} ids ...", flush=True)
        generate(data, args.lines)
        size = data.stat().st_size
        md5 = md5_of(data)
        settings = Settings(data_dir=work / "data", port=port)
        migrate(settings)
        db = Database(settings)
        with db.uow() as s:
            boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
        db.dispose()
        assert boot is not None
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "traitbase.app:app_from_env", "--port", str(port),
             "--host", "127.0.0.1", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=600)
        for _ in range(300):
            try:
                client.get("/healthz")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        admin = {"Authorization": f"Bearer {boot.admin_token}"}
        body = {"name": "bench", "scopes": ["upload"], "project_id": boot.project_id, "token_auth": True}
        key = client.post("/admin/v1/keys", json=body, headers=admin).json()["data"]
        signed = Signed(key["key_id"], key["secret"])
        q: dict[str, str | int] = {"area_type": 1, "file_name": "ids.csv.gz", "file_md5": md5}
        s3 = client.get("/api/open/v1/audience/presigned-upload-data", params=q, headers=signed.headers()).json()
        url = s3["data"]["s3"]["url"]

        t0 = time.perf_counter()
        r = client.put(url, content=chunks(data))
        assert r.status_code == 200, r.text
        t_upload = time.perf_counter() - t0
        aud = {"ta_name": "bench", "area_type": 1, "platform": 2,
               "data_path": [{"device_type": 2, "data_path": s3["data"]["s3"]["data_path"]}]}  # fmt: skip
        ta_id = client.post("/api/open/v1/audience", json=aud, headers=signed.headers()).json()["data"]["ta_id"]
        t_created = time.perf_counter() - t0
        path = f"/admin/v1/projects/{boot.project_id}/audiences/{ta_id}"
        db = Database(settings)
        t_running = None
        while True:
            if t_running is None:
                with db.read() as s:
                    status = s.query(AudienceLoad.status).filter(AudienceLoad.audience_id == ta_id).scalar()
                if status != "Pending":
                    t_running = time.perf_counter() - t0
            a = client.get(path, headers=admin).json()["data"]
            if a["version"] >= 1:
                break
            time.sleep(0.05)
        t_total = time.perf_counter() - t0
        db.dispose()
        t_running = t_total if t_running is None else t_running
        rss = peak_rss_mb(server.pid)
        assert a["record_count"] == args.lines, a
        t_ref = reference(data, work)
        path_rate, ref_rate = args.lines / t_total, args.lines / t_ref
        print(f"file: {args.lines:,} ids, {size / 1e6:.1f} MB gzip")
        print(f"upload: {t_upload:.1f} s; upload + job + load: {t_total:.1f} s = {path_rate:,.0f} ids/s")
        print(
            f"  phases: upload {t_upload:.1f} s, create {t_created - t_upload:.2f} s, "
            f"queued {t_running - t_created:.2f} s, load {t_total - t_running:.1f} s"
        )
        print(f"DuckDB read_csv into a table: {t_ref:.1f} s = {ref_rate:,.0f} ids/s")
        print(f"ratio (whole path / read_csv): {path_rate / ref_rate:.2f}  (goal >= 0.5)")
        print(f"server peak RSS: {rss:.0f} MB  (goal < 500 MB)")
        if args.phases:
            phases(data, work, settings)
        return 0
    finally:
        if server is not None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
