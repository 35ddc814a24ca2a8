"""Attribute uploads (seed 000): the upsert through the user-store writer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from traitbase.domain.keys.principal import Principal
from traitbase.domain.profiles.parse import UploadResult
from traitbase.storage.repos import profiles as repo
from traitbase.storage.writer import GroupCommitWriter


def scope_of(principal: Principal) -> str:
    """Project keys write the project's own attributes; organization keys write organization scope."""
    return repo.ORG_SCOPE if principal.project_id is None else repo.app_scope(principal.project_id)


Rows = Sequence[tuple[str, dict[str, str]]]  # (user id, attributes) per user


def upload_step(principal: Principal, rows: Rows) -> Callable[[Connection], UploadResult]:
    """The upsert as one writer step: it runs inside the writer's transaction (all rows or none)."""
    scope = scope_of(principal)
    received = len(rows)

    def apply(conn: Connection) -> UploadResult:
        created = repo.merge_attributes(
            conn,
            org_id=principal.org_id,
            scope=scope,
            environment=principal.environment,
            rows=rows,
            now=time.time(),
        )
        return UploadResult(received=received, created=created, updated=received - created)

    return apply


async def upload(writer: GroupCommitWriter, principal: Principal, rows: Rows) -> UploadResult:
    """Queue the upsert and wait for it: returns once the rows are committed (or raises, changing nothing)."""
    result: UploadResult = await writer.submit_async(upload_step(principal, rows))
    return result
