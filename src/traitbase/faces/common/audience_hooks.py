"""Handing audience work to the background and the warehouse; both audience faces call these
after their control-plane transaction has committed."""

from __future__ import annotations

import functools

from traitbase.context import AppContext
from traitbase.domain.keys.principal import Principal
from traitbase.storage.warehouse import audiences as members
from traitbase.storage.warehouse.base import WriteOp


def schedule_load(ctx: AppContext, load_id: str) -> None:
    """The load's job was enqueued with it; wake an idle in-process worker so it starts now."""
    ctx.wake_workers()


def drop_members(ctx: AppContext, p: Principal, audience_ids: list[int]) -> None:
    """Remove deleted audiences' members (their metadata is already gone, so nothing reads them)."""
    if not audience_ids or p.project_id is None:
        return
    step = functools.partial(
        members.drop_members, project=p.project_id, environment=p.environment, audience_ids=audience_ids
    )
    ctx.warehouse.submit(WriteOp(step=step)).result()
