"""Per-key query budgets (SPEC 1): calls per minute and per day by the organization's plan.

Fixed windows aligned to the clock (the minute, the UTC day), counted in process memory under a
lock, with an injectable clock so tests move time instead of sleeping. A refused call is not
counted. Only the query face calls this, so other faces' traffic never uses the query budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from traitbase.domain.analytics.errors import QueryError

TIERS = {"free": "FREE", "free_trial": "FREE_TRIAL", "growth": "GROWTH"}


@dataclass(frozen=True)
class Budget:
    tier: str
    per_minute: int
    per_day: int
    left_minute: int
    left_day: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit-Minute": str(self.per_minute),
            "X-RateLimit-Remaining-Minute": str(max(0, self.left_minute)),
            "X-RateLimit-Limit-Day": str(self.per_day),
            "X-RateLimit-Remaining-Day": str(max(0, self.left_day)),
            "X-RateLimit-Tier": self.tier,
        }


class QueryLimiter:
    def __init__(self, plans: Callable[[str], tuple[int, int]], clock: Callable[[], float] = time.time) -> None:
        self._plans = plans
        self.clock = clock
        self._lock = threading.Lock()
        # key -> (minute window, count, day window, count)
        self._counts: dict[str, tuple[int, int, int, int]] = {}

    def _state(self, key: str, now: float) -> tuple[int, int, int, int]:
        minute, day = int(now // 60), int(now // 86_400)
        m, mc, d, dc = self._counts.get(key, (minute, 0, day, 0))
        return minute, (mc if m == minute else 0), day, (dc if d == day else 0)

    def peek(self, key: str, plan: str) -> Budget:
        per_min, per_day = self._plans(plan)
        with self._lock:
            _, mc, _, dc = self._state(key, self.clock())
        return Budget(TIERS.get(plan, plan.upper()), per_min, per_day, per_min - mc, per_day - dc)

    def hit(self, key: str, plan: str) -> Budget:
        """Count one call, or raise 4290 / 4291 (with Retry-After) and the unchanged budget's headers."""
        per_min, per_day = self._plans(plan)
        tier = TIERS.get(plan, plan.upper())
        with self._lock:
            now = self.clock()
            minute, mc, day, dc = self._state(key, now)
            if dc >= per_day:
                budget = Budget(tier, per_min, per_day, per_min - mc, 0)
                raise LimitExceeded(4291, math.ceil((day + 1) * 86_400 - now), budget)
            if mc >= per_min:
                budget = Budget(tier, per_min, per_day, 0, per_day - dc)
                raise LimitExceeded(4290, math.ceil((minute + 1) * 60 - now), budget)
            self._counts[key] = (minute, mc + 1, day, dc + 1)
            return Budget(tier, per_min, per_day, per_min - mc - 1, per_day - dc - 1)


class LimitExceeded(QueryError):
    def __init__(self, number: int, retry_after: int, budget: Budget) -> None:
        super().__init__(number, retry_after=max(1, retry_after))
        self.budget = budget
