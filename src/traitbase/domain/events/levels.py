"""Levels only go up (SPEC 4): the rule as a pure function, and the write step that applies it.

A level-up below the user's known level is stored but flagged; a login only raises the known
level. The warehouse supplies reading and writing the known levels; the rule lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa

from traitbase.storage.warehouse import events as store
from traitbase.storage.warehouse.base import EVENT_COLUMNS, Step, WriteTx

LEVEL_DECREASE = "level_decrease"


def apply_levels(
    users: Sequence[str | None], levels: Sequence[int | None], known: dict[str, int], *, flag_decreases: bool
) -> tuple[list[str | None], dict[str, int]]:
    """Each event's flag (in order) and the users whose known level rises, with the new level.

    Events are taken in order, so a later, lower level in the same batch is judged against an
    earlier, higher one.
    """
    current = dict(known)
    flags: list[str | None] = []
    raised: dict[str, int] = {}
    for user, level in zip(users, levels, strict=True):
        best = current.get(user) if user is not None else None
        decreased = level is not None and best is not None and level < best
        flags.append(LEVEL_DECREASE if flag_decreases and decreased else None)
        if user is not None and level is not None and (best is None or level > best):
            current[user] = raised[user] = level
    return flags, raised


def levels_step(events: pa.Table, *, flag_decreases: bool) -> Step:
    def step(tx: WriteTx) -> pa.Table:
        users = events["user_id"].to_pylist()
        levels = events["level"].to_pylist()
        wanted = sorted({u for u, lv in zip(users, levels, strict=True) if lv is not None and u is not None})
        if not wanted:
            return events
        project = events["project"][0].as_py()
        environment = events["environment"][0].as_py()
        known = store.known_levels(tx, project=project, environment=environment, users=wanted)
        flags, raised = apply_levels(users, levels, known, flag_decreases=flag_decreases)
        if raised:
            store.raise_levels(
                tx, project=project, environment=environment, raised=raised, now=events["received_at"][0].as_py()
            )
        return events.set_column(EVENT_COLUMNS.index("flag"), "flag", pa.array(flags, type=pa.string()))

    return step


# Which level bookkeeping a push does (EndpointSpec.levels): level-ups are checked (and flagged
# when they go down); logins only raise the known level.
LEVEL_POLICIES: dict[str, Callable[[pa.Table], Step]] = {
    "check": lambda t: levels_step(t, flag_decreases=True),
    "raise": lambda t: levels_step(t, flag_decreases=False),
}
