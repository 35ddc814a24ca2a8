"""Remembering one-time tokens for a while, so a replayed token is refused: process memory or Redis.

With several API processes the memory store only guards its own process; set ``redis_url``
(scale mode) and every process shares one guard through Redis ``SET NX EX``.
"""

from __future__ import annotations

import heapq
import threading
import time
from typing import Protocol


class ReplayGuard(Protocol):
    def first_use(self, token: str, *, ttl_seconds: int) -> bool:
        """True the first time ``token`` is seen within ``ttl_seconds``; False for a replay."""
        ...


class MemoryReplayGuard:
    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def first_use(self, token: str, *, ttl_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            # Expired entries leave in expiry order, so memory stays bounded by the window's traffic.
            while self._expiry and self._expiry[0][0] <= now:
                _, old = heapq.heappop(self._expiry)
                if self._seen.get(old, now + 1) <= now:
                    del self._seen[old]
            if token in self._seen and self._seen[token] > now:
                return False
            self._seen[token] = now + ttl_seconds
            heapq.heappush(self._expiry, (now + ttl_seconds, token))
            return True


class RedisReplayGuard:
    def __init__(self, url: str, *, prefix: str = "tb:replay:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def first_use(self, token: str, *, ttl_seconds: int) -> bool:
        return bool(self._redis.set(self._prefix + token, b"1", nx=True, ex=max(1, ttl_seconds)))


def open_replay_guard(redis_url: str | None) -> ReplayGuard:
    return RedisReplayGuard(redis_url) if redis_url else MemoryReplayGuard()
