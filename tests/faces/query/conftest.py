"""Query face fixtures: an app with the hand-countable data set, a query key, a controllable clock.

Two ways to get the data set:
- ``data`` / ``ask``: a fresh app per test on the embedded warehouse (tests that change state:
  budgets, clocks, keys);
- ``counted`` / ``counted_ask``: the data set built once per test module and per warehouse engine
  (embedded DuckDB, then ClickHouse in a database of the module's own), for the hand-counted tests,
  which only read it: each of them runs on every engine with the same expected values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.clickhouse_fixtures import fresh_database
from tests.conftest import Env, build_env, make_settings
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


def lift_budget(env: Env) -> None:
    env.app.state.ctx.query_limiter._plans = lambda _plan: (10_000, 100_000)


@pytest.fixture
def growth(env: Env) -> None:
    """Lift the budget (Growth-size limits for every plan) for tests that make many calls."""
    lift_budget(env)


@pytest.fixture
def qkey(env: Env) -> str:
    return env.key(["query"])


Ask = Callable[..., Any]


@pytest.fixture
def ask(data: Env, qkey: str, growth: None) -> Ask:
    return _ask(data, qkey)


def _ask(env: Env, key: str) -> Ask:
    def call(path: str = "/open-api/v1/heatmap/query", **body: Any) -> Any:
        full = {k: v for k, v in fixture.query_body(env, **body).items() if v is not None}
        return env.client.post(path, json=full, headers={"x-api-key": key})

    return call


# Every warehouse engine on main: the hand-counted tests run once on each.
ENGINES = ["duckdb", pytest.param("clickhouse", marks=pytest.mark.clickhouse)]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def counted(engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """The hand-countable data set (``fixture``'s table) on ``engine``, built once for the module.

    On ClickHouse in a database of its own (each build: were the engines' tests interleaved, the
    data set would be rebuilt, never sent twice into one database), dropped afterwards.
    """
    with ExitStack() as stack:
        overrides: dict[str, Any] = {}
        if engine == "clickhouse":
            database = fresh_database(request.getfixturevalue("clickhouse_server"))
            overrides["warehouse_url"] = next(database)
            stack.callback(next, database, None)
        with pytest.MonkeyPatch.context() as mp:  # as _no_shell_settings, which is per test: runs after this
            for name in [k for k in os.environ if k.startswith("TRAITBASE_")]:
                mp.delenv(name)
            settings = make_settings(tmp_path_factory.mktemp(f"query-{engine}"), **overrides)
        for env in build_env(settings):
            set_clock(env, Clock(NOW))
            lift_budget(env)
            fixture.build(env)
            yield env


@pytest.fixture(scope="module")
def counted_key(counted: Env) -> str:
    return counted.key(["query"])


@pytest.fixture
def counted_ask(counted: Env, counted_key: str) -> Ask:
    return _ask(counted, counted_key)
