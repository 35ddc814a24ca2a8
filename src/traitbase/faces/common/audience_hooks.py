"""Handing audience work to the background: both audience faces call these after their transaction.

Dropping members needs the warehouse, installed in ``ctx.extras`` by the app when it is present.
"""

from __future__ import annotations

from traitbase.context import AppContext


def schedule_load(ctx: AppContext, load_id: str) -> None:
    """The load's job was enqueued with it; wake an idle in-process worker so it starts now."""
    ctx.wake_workers()


def drop_members(ctx: AppContext, audience_ids: list[int]) -> None:
    drop = ctx.extras.get("drop_audience_members")
    if drop is not None and audience_ids:
        drop(audience_ids)
