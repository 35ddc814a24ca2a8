"""``AsyncClient.query``: every call of ``client.query`` (``query.py``, ``query_reports.py``), awaited.

Each async method is lifted from its synchronous twin instead of being written again: the twin
runs with a runner that hands back the operation it built rather than sending it, and the async
runner sends that operation. The request building is therefore shared, and the two cannot
drift apart. What makes this hold, and what a new ``Query`` method must keep: it returns what
its runner returns, untouched (a ``cast`` or an annotated assignment at most).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast

from traitbase.client._core import AsyncRunner, Op
from traitbase.client.query import Query
from traitbase.client.query_reports import QueryEvents, QueryExperiences

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")


def _built(op: Op[T]) -> T:
    """A runner that runs nothing: the synchronous method returns the operation it built."""
    return cast(T, op)


class _Lifted(Generic[S]):
    def __init__(self, sync: S, run: AsyncRunner) -> None:
        self._sync = sync
        self._run = run


def _lift(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[_Lifted[S], P], Coroutine[Any, Any, T]]:
    async def call(self: _Lifted[S], *args: P.args, **kwargs: P.kwargs) -> T:
        op = cast(Op[T], method(self._sync, *args, **kwargs))
        return await self._run(op)

    call.__name__, call.__doc__ = method.__name__, method.__doc__
    return call


class AsyncQueryEvents(_Lifted[QueryEvents]):
    __call__ = _lift(QueryEvents.__call__)
    fields = _lift(QueryEvents.fields)


class AsyncQueryExperiences(_Lifted[QueryExperiences]):
    list = _lift(QueryExperiences.list)
    user_properties = _lift(QueryExperiences.user_properties)
    overview = _lift(QueryExperiences.overview)
    metrics = _lift(QueryExperiences.metrics)
    insight = _lift(QueryExperiences.insight)
    abtest = _lift(QueryExperiences.abtest)
    abtest_insight = _lift(QueryExperiences.abtest_insight)
    form = _lift(QueryExperiences.form)


class AsyncQuery(_Lifted[Query]):
    def __init__(self, run: AsyncRunner, token: str) -> None:
        sync = Query(_built, token)
        super().__init__(sync, run)
        self.events = AsyncQueryEvents(sync.events, run)
        self.experiences = AsyncQueryExperiences(sync.experiences, run)

    heatmap = _lift(Query.heatmap)
    page_metrics = _lift(Query.page_metrics)
    page_insight = _lift(Query.page_insight)
    block_metrics = _lift(Query.block_metrics)
    element_metrics = _lift(Query.element_metrics)
    filter_values = _lift(Query.filter_values)
