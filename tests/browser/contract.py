"""The /collect wire contract as data: the fields each event kind must carry, and their types.

Every event a browser test records is checked against it, so what the tracker sends and what the
contract (and the server's validation) expect cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

Number = (int, float)
COMMON: dict[str, Any] = {"kind": str, "ts": int, "id": str}
PAGE_BOUND: dict[str, Any] = {"page": str, "url": str}

KINDS: dict[str, dict[str, Any]] = {
    "pageview": {
        **PAGE_BOUND,
        "referrer": str,
        "title": str,
        "screen": str,
        "viewport": list,
        "language": str,
        "page_height": int,
    },
    "pageleave": {**PAGE_BOUND, "active_ms": int, "max_scroll": int, "page_height": int, "blocks": list},
    "click": {**PAGE_BOUND, "x": Number, "y": int, "selector": str, "text": str},
    "element_view": {**PAGE_BOUND, "element": str},
    "conversion": {**PAGE_BOUND, "goal": str},
    "custom": {**PAGE_BOUND, "name": str, "properties": dict},
    "identify": {"user_id": str, "attributes": dict},
    "dimension": {"name": str, "value": str},
    "experience": {**PAGE_BOUND, "experience": str, "version": str, "action": str},
}
OPTIONAL: dict[str, dict[str, Any]] = {
    "click": {"element": str},
    "experience": {"fields": dict, "goal": str},
}
EXPERIENCE_ACTIONS = {"view", "click", "close", "form_submit", "goal"}


def violations(batch: dict[str, Any]) -> list[str]:
    """Everything in one POSTed batch that the contract does not allow (empty: the batch conforms)."""
    out: list[str] = []
    if not isinstance(batch.get("site"), str) or not isinstance(batch.get("sent_at"), int):
        out.append("batch: site (str) and sent_at (int ms) are required")
    visitor = batch.get("visitor")
    if not isinstance(visitor, str) or not 1 <= len(visitor) <= 64:
        out.append("batch: visitor must be 1-64 characters")
    events = batch.get("events")
    if not isinstance(events, list) or not 1 <= len(events) <= 200:
        return [*out, "batch: events must be a list of 1-200 events"]
    for i, event in enumerate(events):
        kind = event.get("kind")
        if kind not in KINDS:
            out.append(f"event {i}: unknown kind {kind!r}")
            continue
        allowed = COMMON | KINDS[kind] | OPTIONAL.get(kind, {})
        for name, typ in (COMMON | KINDS[kind]).items():
            if not isinstance(event.get(name), typ) or (isinstance(event.get(name), bool) and typ is int):
                out.append(f"event {i} ({kind}): {name} missing or not {typ}")
        for name in set(event) - set(allowed):
            out.append(f"event {i} ({kind}): unexpected field {name}")
        for name, typ in OPTIONAL.get(kind, {}).items():
            if name in event and not isinstance(event[name], typ):
                out.append(f"event {i} ({kind}): {name} is not {typ}")
        out += _values(i, kind, event)
    return out


def _values(i: int, kind: str, event: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name in ("page", "id"):
        if name in event and not 1 <= len(event[name]) <= 64:
            out.append(f"event {i} ({kind}): {name} must be 1-64 characters")
    if kind == "click" and not (0 <= event["x"] <= 1 and event["y"] >= 0 and len(event["text"]) <= 200):
        out.append(f"event {i} (click): x in 0..1, y >= 0, text <= 200 characters")
    if kind == "pageleave":
        if event["active_ms"] < 0 or event["max_scroll"] < 0:
            out.append(f"event {i} (pageleave): negative duration or scroll")
        for b in event["blocks"]:
            if set(b) != {"name", "seconds", "seen"} or b["seconds"] < 0 or not isinstance(b["seen"], bool):
                out.append(f"event {i} (pageleave): block {b} is not {{name, seconds >= 0, seen: bool}}")
    if kind == "experience" and event["action"] not in EXPERIENCE_ACTIONS:
        out.append(f"event {i} (experience): unknown action {event['action']}")
    if kind == "custom" and not all(isinstance(v, str | int | float | bool) for v in event["properties"].values()):
        out.append(f"event {i} (custom): properties must be str, number or bool")
    return out
