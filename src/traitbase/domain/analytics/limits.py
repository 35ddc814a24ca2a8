"""Per-key query budgets (SPEC 1): calls per minute and per day by the organization's plan.

Fixed windows aligned to the clock (the minute, the UTC day), counted in the shared window
counters (``storage/windows.py``: Redis in scale mode, so every API process draws on one budget;
process memory embedded), with an injectable clock so tests move time instead of sleeping. A refused call is not
counted. Only the query face calls this, so other faces' traffic never uses the query budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from traitbase.domain.analytics.errors import QueryError
from traitbase.storage.windows import MemoryWindowCounters, Window, WindowCounters

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
    def __init__(
        self,
        plans: Callable[[str], tuple[int, int]],
        counters: WindowCounters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._plans = plans
        self._counters: WindowCounters = counters or MemoryWindowCounters()
        self.clock = clock

    @staticmethod
    def _windows(key: str, now: float, per_min: int, per_day: int) -> tuple[Window, Window]:
        # The window's number is part of its key, so a new minute or day starts from zero; the
        # store keeps each count a little longer than its window.
        minute, day = int(now // 60), int(now // 86_400)
        return (
            Window(f"query:{key}:d:{day}", per_day, 86_400 + 300),
            Window(f"query:{key}:m:{minute}", per_min, 60 + 60),
        )

    def peek(self, key: str, plan: str) -> Budget:
        per_min, per_day = self._plans(plan)
        day_w, min_w = self._windows(key, self.clock(), per_min, per_day)
        dc, mc = self._counters.counts([day_w.key, min_w.key]) if key else (0, 0)
        return Budget(TIERS.get(plan, plan.upper()), per_min, per_day, per_min - mc, per_day - dc)

    def hit(self, key: str, plan: str) -> Budget:
        """Count one call, or raise 4290 / 4291 (with Retry-After) and the unchanged budget's headers."""
        per_min, per_day = self._plans(plan)
        tier = TIERS.get(plan, plan.upper())
        now = self.clock()
        taken = self._counters.take(self._windows(key, now, per_min, per_day))
        dc, mc = taken.counts
        if taken.refused == 0:  # the day is used up (checked first: its wait is the longer one)
            budget = Budget(tier, per_min, per_day, per_min - mc, 0)
            raise LimitExceeded(4291, math.ceil((int(now // 86_400) + 1) * 86_400 - now), budget)
        if taken.refused == 1:
            budget = Budget(tier, per_min, per_day, 0, per_day - dc)
            raise LimitExceeded(4290, math.ceil((int(now // 60) + 1) * 60 - now), budget)
        return Budget(tier, per_min, per_day, per_min - mc, per_day - dc)


class LimitExceeded(QueryError):
    def __init__(self, number: int, retry_after: int, budget: Budget) -> None:
        super().__init__(number, retry_after=max(1, retry_after))
        self.budget = budget
