"""Handing audience work to the background: both audience faces call these after their transaction.

The hooks are installed in ``ctx.extras`` by the app when the job system and the warehouse are
present; a load that is never scheduled stays ``Pending`` and harms nothing.
"""

from __future__ import annotations

from traitbase.context import AppContext


def schedule_load(ctx: AppContext, load_id: str) -> None:
    schedule = ctx.extras.get("schedule_audience_load")
    if schedule is not None:
        schedule(load_id)


def drop_members(ctx: AppContext, audience_ids: list[int]) -> None:
    drop = ctx.extras.get("drop_audience_members")
    if drop is not None and audience_ids:
        drop(audience_ids)
