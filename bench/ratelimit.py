"""The cost of one rate-limit check: exact moving window against the sliding-window counter.

    python bench/ratelimit.py [--redis redis://127.0.0.1:6379/0] [--hits 2000]

For each store (memory, and Redis when ``--redis`` is given) and each limit size N, a fresh
bucket with a limit of N per hour is first filled to N (the moving window's worst case: N stored
timestamps), then ``--hits`` more checks are timed on a second bucket being filled, and on the
full bucket (refused checks). Prints µs per check for both strategies and their ratio. Bounded:
a few seconds in memory, under a minute on a local Redis. Keys use a unique prefix and expire.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import uuid

from traitbase.errors import RateLimited
from traitbase.storage.ratelimit import RateLimiter

SIZES = (10, 100, 1_000, 10_000, 60_000)


def per_check_us(limiter: RateLimiter, spec: str, *, hits: int, fill: int) -> tuple[float, float]:
    """(µs per accepted check while filling, µs per refused check on a full window)."""
    full = f"bench:{uuid.uuid4().hex}"
    for _ in range(fill):
        limiter.check(full, spec)
    filling = f"bench:{uuid.uuid4().hex}"
    for _ in range(max(0, fill - hits)):
        limiter.check(filling, spec)
    start = time.perf_counter()
    for _ in range(min(hits, fill)):
        limiter.check(filling, spec)
    accepted = (time.perf_counter() - start) / min(hits, fill) * 1e6
    start = time.perf_counter()
    for _ in range(hits):
        with contextlib.suppress(RateLimited):
            limiter.check(full, spec)
    refused = (time.perf_counter() - start) / hits * 1e6
    return accepted, refused


def stored_bytes(url: str | None, prefix: str, limiter: RateLimiter) -> int:
    """Bytes the store holds for this limiter's keys (Redis MEMORY USAGE; memory: the entry lists)."""
    if url is None:
        storage = limiter._storage
        events = getattr(storage, "events", {})
        return sum(sys.getsizeof(v) + len(v) * 56 for v in events.values())
    import redis

    r = redis.Redis.from_url(url)
    total = sum(int(r.memory_usage(k) or 0) for k in r.scan_iter(match=f"{prefix}:*", count=1000))
    for k in r.scan_iter(match=f"{prefix}:*", count=1000):
        r.delete(k)
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", default=None, help="Redis URL to measure as well (e.g. redis://127.0.0.1:6379/0)")
    ap.add_argument("--hits", type=int, default=2000)
    ap.add_argument("--max-size", type=int, default=SIZES[-1])
    args = ap.parse_args()
    stores = [("memory", None)] + ([("redis", args.redis)] if args.redis else [])
    print(
        f"{'store':7} {'N/hour':>7} | {'exact µs (ok / refused)':>24} | {'approx µs (ok / refused)':>24} "
        f"| ratio ok | exact KiB/key | approx KiB/key"
    )
    for name, url in stores:
        prefix = f"tb-bench-{uuid.uuid4().hex[:8]}"
        # exact_max decides the strategy: everything exact, then everything approximated.
        for n in (s for s in SIZES if s <= args.max_size):
            spec = f"{n}/hour"
            exact = RateLimiter(url, exact_max=10**9, key_prefix=prefix + "e")
            e_ok, e_no = per_check_us(exact, spec, hits=args.hits, fill=n)
            e_kib = stored_bytes(url, prefix + "e", exact) / 2 / 1024  # two buckets were filled
            approx = RateLimiter(url, exact_max=0, key_prefix=prefix + "a")
            a_ok, a_no = per_check_us(approx, spec, hits=args.hits, fill=n)
            a_kib = stored_bytes(url, prefix + "a", approx) / 2 / 1024
            print(
                f"{name:7} {n:>7} | {e_ok:>11.1f} / {e_no:>10.1f} | {a_ok:>11.1f} / {a_no:>10.1f} "
                f"| {e_ok / a_ok:>8.2f} | {e_kib:>13.1f} | {a_kib:>14.2f}"
            )


if __name__ == "__main__":
    main()
