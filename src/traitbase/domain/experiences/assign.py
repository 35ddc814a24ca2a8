"""Sticky version assignment: the same visitor always sees the same version of an experience.

A pure function of (experience id, visitor id, the live versions and their weights): a 64-bit
slice of SHA-256 over ``"<experience>:<visitor>"`` places the visitor at a point in [0, 1), and the
versions' cumulative weights cut that interval. No state is stored, so every server and the
tracker agree; changing weights moves only the visitors near the cut points, in proportion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

_SCALE = float(2**64)


def bucket(experience_id: str, visitor_id: str) -> float:
    digest = hashlib.sha256(f"{experience_id}:{visitor_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign(experience_id: str, visitor_id: str, versions: Sequence[dict[str, Any]]) -> str | None:
    """The version id this visitor gets, among live versions with a positive weight (None if none)."""
    live = [v for v in versions if not v.get("deleted") and float(v.get("weight", 0)) > 0]
    if not live:
        return None
    total = sum(float(v["weight"]) for v in live)
    point = bucket(experience_id, visitor_id) * total
    edge = 0.0
    for v in live:
        edge += float(v["weight"])
        if point < edge:
            return str(v["id"])
    return str(live[-1]["id"])
