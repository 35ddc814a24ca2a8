"""A write-through copy of recent visitors' visit state, kept by a warehouse that has one writer.

Why it is safe: the embedded warehouse (DuckDB) is written by one thread of the one process that
holds the data directory's lock, so what that writer committed last *is* the stored state; a
copy taken right after each commit answers the next batch of the same visitor without reading
``tracker_visitors`` / ``tracker_visits`` again. Nothing lives only here: every state is written
to those tables in the same commit as before, the copy is filled only after that commit
succeeded (a failed group leaves it as it was), a visitor not held is read from the tables, and
a wipe of a project clears it. Engines written by several processes (ClickHouse) offer no such
cache, and every group reads the stored state there (``docs/collect.md``, "Write path").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from traitbase.domain.collect.visits import Visit
from traitbase.storage.warehouse.collect import VisitorState

# Visitors held (least recently written first out): a visitor's batches come within minutes of
# each other, so the visitors active in the last few minutes of a busy site fit.
MAX_VISITORS = 20_000
CACHE_NAME = "collect.visitor_state"


@dataclass(frozen=True)
class Held:
    state: VisitorState
    visits: tuple[Visit, ...]  # the visits listed in state.recent_visits, as stored


def _copy(v: Visit) -> Visit:
    # assign() updates the visits it is given in place: callers always get their own copies.
    return Visit(key=v.key, number=v.number, start_ms=v.start_ms, end_ms=v.end_ms, events=v.events,
                 pages=list(v.pages))  # fmt: skip


class VisitorStateCache:
    def __init__(self, max_visitors: int = MAX_VISITORS) -> None:
        self._max = max_visitors
        self._held: OrderedDict[int, Held] = OrderedDict()

    def get(self, keys: Iterable[int]) -> dict[int, tuple[VisitorState, list[Visit]]]:
        """The held state of those of these visitors that are held, with copies of their visits."""
        out: dict[int, tuple[VisitorState, list[Visit]]] = {}
        for key in keys:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                out[key] = (held.state, [_copy(v) for v in held.visits])
        return out

    def put(self, updates: dict[int, Held]) -> None:
        """Take the state just committed (call only after the commit succeeded).

        The visits are kept as given, not copied: the caller hands over a commit's outcome and
        never touches it again, and ``get`` copies whatever it gives out.
        """
        held = self._held
        for key, value in updates.items():
            held[key] = value
            held.move_to_end(key)
        while len(held) > self._max:
            held.popitem(last=False)

    def __len__(self) -> int:
        return len(self._held)
