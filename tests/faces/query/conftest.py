"""Query face fixtures: an app with the hand-countable data set, a query key, a controllable clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.query import fixture

# The face's clock (budgets, "today" for date checks): 2024-12-03 12:00 UTC.
NOW = fixture.T / 1000 + 2 * 86_400 + 4 * 3600


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def set_clock(env: Env, clock: Clock) -> None:
    env.app.state.ctx.query_limiter.clock = clock


@pytest.fixture
def clock(env: Env) -> Clock:
    c = Clock(NOW)
    set_clock(env, c)
    return c


@pytest.fixture
def data(env: Env, clock: Clock) -> Env:
    fixture.build(env)
    return env


@pytest.fixture
def growth(env: Env) -> None:
    """Lift the budget (Growth-size limits for every plan) for tests that make many calls."""
    env.app.state.ctx.query_limiter._plans = lambda _plan: (10_000, 100_000)


@pytest.fixture
def qkey(env: Env) -> str:
    return env.key(["query"])


Ask = Callable[..., Any]


@pytest.fixture
def ask(data: Env, qkey: str, growth: None) -> Ask:
    def call(path: str = "/open-api/v1/heatmap/query", **body: Any) -> Any:
        full = {k: v for k, v in fixture.query_body(data, **body).items() if v is not None}
        r = data.client.post(path, json=full, headers={"x-api-key": qkey})
        return r

    return call
