"""Installation-wide facts (first start done, and the like)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from traitbase.storage.models import InstanceState


def get_state(s: Session, key: str) -> str | None:
    row = s.get(InstanceState, key)
    return row.value if row else None


def set_state(s: Session, key: str, value: str) -> None:
    row = s.get(InstanceState, key)
    if row is None:
        s.add(InstanceState(key=key, value=value))
    else:
        row.value = value
    s.flush()
