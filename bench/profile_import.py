"""Profile import throughput: a generated JSON Lines file imported by the job system.

Prints lines/s of a ``traitbase worker --once`` process importing the file, its peak RSS (the
largest process, as the goal counts it, and the sum over the worker and its sort child or apply
helpers), the CPU seconds each spent, and the ratio to a reference that bulk-loads the same
file into a DuckDB table with ``read_json``.
Goals on a 2-core machine: at least 100,000 lines/s and a peak RSS under 400 MB.

A second reference shows how much of the time the user store alone needs: the same SQLite
reads and writes the import makes — the file's lines in (customer, line) order, as the import
applies them, each chunk's distinct users read by one query and written back whole, one
transaction per chunk — without parsing, sorting or applying anything.

    python bench/profile_import.py [--lines 2000000] [--customers 200000] [--keep DIR]
    python bench/profile_import.py --lines 4000000 --customers 400000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import orjson
from sqlalchemy import text

from traitbase.config import Settings
from traitbase.domain.control.bootstrap import first_start
from traitbase.domain.imports import service as imports
from traitbase.domain.imports.service import ImportTarget
from traitbase.kit.gcpause import gc_paused
from traitbase.storage.blobs import LocalBlobStore
from traitbase.storage.db import Database, migrate
from traitbase.storage.repos import profiles as profile_repo

OPS = ("assign", "increment", "set-add", "set-remove", "delete")


def day(rnd: random.Random) -> str:
    return f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def generate(path: Path, *, lines: int, users: int) -> None:
    """Mixed ops, 5 changes per line, over ``users`` customer ids."""
    rnd = random.Random(1)
    words = [f"w{i}" for i in range(64)]
    with open(path, "wb") as fh:
        buf = []
        for i in range(lines):
            changes = [
                {"op": "assign", "attr": "plan", "value": rnd.choice(("free", "pro", "team"))},
                {"op": "increment", "attr": "visits", "value": rnd.randint(1, 5)},
                {"op": "set-add", "attr": "tags", "value": [rnd.choice(words), rnd.choice(words)]},
                {"op": "set-remove", "attr": "tags", "value": [rnd.choice(words)]},
                {"op": "assign", "attr": "last_seen", "value": day(rnd)}
                if rnd.random() < 0.8
                else {"op": "delete", "attr": "last_seen"},
            ]
            buf.append(orjson.dumps({"customer_id": f"c{rnd.randrange(users)}", "changes": changes}))
            if len(buf) == 10_000 or i == lines - 1:
                fh.write(b"\n".join(buf) + b"\n")
                buf = []


def enqueue(data_dir: Path, source: Path) -> str:
    settings = Settings(data_dir=data_dir, log_level="WARNING")
    migrate(settings)
    db = Database(settings)
    with db.uow() as s:
        boot = first_start(s, settings, now_iso="2026-01-01T00:00:00Z")
    assert boot is not None
    blobs = LocalBlobStore(data_dir / "blobs")
    key = "imports/bench/source"
    with open(source, "rb") as fh:
        blobs.put_stream(key, iter(lambda: fh.read(1 << 20), b""))
    target = ImportTarget(org_id=boot.org_id, project_id=boot.project_id, environment="production")
    with db.uow() as s:
        activity = imports.start_profile_import(
            s,
            activity_id="00000000-0000-0000-0000-00000000bench",
            target=target,
            fmt="json",
            blob_key=key,
            max_attempts=1,
        )
    db.dispose()
    return activity


def run_worker(data_dir: Path) -> tuple[float, float, float, dict[str, float]]:
    """(seconds, peak RSS of the largest process, peak RSS summed over the worker and its children,
    CPU seconds by process role) of a worker process importing the queued file.

    The sum and the roles come from sampling /proc every 0.1 s (Linux; elsewhere they stay 0).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "traitbase.jobs.worker", "--once", "--data-dir", str(data_dir)],
        # PYTHONPATH passes through, so the worker runs the same source tree as this script.
        env={"TRAITBASE_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"}
        | {k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    )
    peak_sum = 0.0
    cpu: dict[int, tuple[str, float]] = {}
    while proc.poll() is None:
        peak_sum = max(peak_sum, _sample_tree(proc.pid, cpu))
        time.sleep(0.1)
    if proc.returncode != 0:
        raise SystemExit(f"the worker failed (exit code {proc.returncode})")
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    roles: dict[str, float] = {}
    for role, used in cpu.values():
        roles[role] = roles.get(role, 0.0) + used
    roles["worker"] = usage.ru_utime + usage.ru_stime - sum(roles.values())
    return seconds, usage.ru_maxrss / 1024, peak_sum, roles


def _sample_tree(root: int, cpu: dict[int, tuple[str, float]]) -> float:
    """RSS (MB) of ``root`` and its descendants now; records each descendant's CPU seconds so far."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[tuple[int, float]]] = {}
    for entry in proc_dir.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used = (int(fields[11]) + int(fields[12])) / ticks
            children.setdefault(int(fields[1]), []).append((int(entry.name), used))
    total_kb, todo = 0, [(root, -1.0)]
    while todo:
        pid, used = todo.pop()
        todo += children.get(pid, [])
        try:
            command = (proc_dir / str(pid) / "cmdline").read_bytes()
            status = (proc_dir / str(pid) / "status").read_text()
        except OSError:
            continue
        role = "sort child" if b"_sort_child" in command else "apply helpers" if b"_serve" in command else ""
        if used >= 0 and role:  # (a child just forked still shows the worker's command line)
            cpu[pid] = (role, used)
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total_kb / 1024


def chunk_users(source: Path, chunk_lines: int) -> list[list[str]]:
    """The distinct customer ids of each chunk of the sorted run (the file in (customer, line) order)."""
    with open(source, "rb") as fh:
        ids = sorted(orjson.loads(raw)["customer_id"] for raw in fh)  # stable: line order within a customer
    return [sorted(set(ids[i : i + chunk_lines])) for i in range(0, len(ids), chunk_lines)]


def store_reference(data_dir: Path, chunks: list[list[str]]) -> tuple[float, float]:
    """Seconds the user store takes to read and write back each chunk's users, one transaction each.

    Also returns the part spent writing and committing (the reads left out).
    """
    settings = Settings(data_dir=data_dir, log_level="WARNING")
    db = Database(settings)
    with db.read() as s:
        org_id, scope, env = s.execute(text("SELECT org_id, scope, environment FROM user_profiles LIMIT 1")).one()
    start = time.perf_counter()
    writing = 0.0
    for users in chunks:
        with gc_paused():  # as the import does while it applies a chunk
            with db.uow() as s:
                docs = profile_repo.load_attributes(s, org_id=org_id, scope=scope, environment=env, user_ids=users)
                rows = [(uid, orjson.dumps(attrs).decode()) for uid, attrs in docs.items()]
                mark = time.perf_counter()
                now = time.time()
                profile_repo.replace_attributes(s, org_id=org_id, scope=scope, environment=env, rows=rows, now=now)
            writing += time.perf_counter() - mark
    seconds = time.perf_counter() - start
    db.dispose()
    return seconds, writing


def duckdb_reference(source: Path) -> float:
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_json('{source}', format='newline_delimited')")
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--customers", "--users", dest="users", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tb-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = work / "profiles.jsonl"
        t0 = time.perf_counter()
        generate(source, lines=args.lines, users=args.users)
        size_mb = source.stat().st_size / 1e6
        print(f"generated {args.lines:,} lines ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        enqueue(work / "data", source)
        seconds, rss, rss_sum, cpu = run_worker(work / "data")
        ref = duckdb_reference(source)
        users = chunk_users(source, Settings().imports_chunk_lines)
        store, writes = store_reference(work / "data", users)
        touched = sum(len(u) for u in users)
        print(
            f"traitbase import ({args.lines:,} lines, {args.users:,} customers): {seconds:.1f}s = "
            f"{args.lines / seconds:,.0f} lines/s; worker peak RSS {rss:.0f} MB (largest process; "
            f"{rss_sum:.0f} MB summed over the worker and its children at their fullest)"
        )
        spent = " + ".join(f"{role} {used:.1f}" for role, used in sorted(cpu.items()))
        print(
            f"CPU seconds: {spent} = {sum(cpu.values()) / args.lines * 1e6:.1f} µs a line; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"duckdb read_json: {ref:.1f}s = {args.lines / ref:,.0f} lines/s")
        print(f"ratio traitbase/duckdb: {ref / seconds:.2f}x the reference's speed")
        print(
            f"user store alone ({touched / args.lines:.2f} user reads+writes per line): {store:.1f}s = "
            f"{args.lines / store:,.0f} lines/s, {store / seconds:.0%} of the import's time"
        )
        print(f"user store writes and commits alone: {writes:.1f}s = {args.lines / writes:,.0f} lines/s")
        rate = args.lines / seconds
        print(
            f"goals: >= 100,000 lines/s {'met' if rate >= 100_000 else 'NOT met'}; "
            f"peak RSS < 400 MB {'met' if rss < 400 else 'NOT met'}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
