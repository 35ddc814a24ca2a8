"""PlayFab webhook (SPEC 4 and 9.4): one PlayStream event or an array of them, as events.

A PlayStream event carries ``EventName``, ``EventNamespace``, ``EntityType``, ``EntityId``,
``EventId``, ``Source``, ``SourceType``, ``Timestamp`` (ISO 8601, often with 7 fractional
digits and ``Z``), ``CustomTags`` and fields of its own. The name, entity (our user id), id
and time get columns; every other field is kept in the event's properties.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from traitbase.domain.events.parse import FIELD_TYPES, Batch, EventLimits, bad
from traitbase.domain.events.specs import EndpointSpec, FieldSpec
from traitbase.kit.jsonbody import decode_json

PLAYFAB = EndpointSpec(
    path="/v1/playfab",
    array_key="events",
    noun="events",
    kind="playfab",
    name_field="EventName",
    dedupe_on="EventId",
    fields=(
        FieldSpec("EventName", "string", required=True, column="name"),
        FieldSpec("EntityId", "string", required=True, column="user_id"),
        FieldSpec("EventId", "string", column="event_id"),
    ),
)

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_iso_timestamp(v: Any) -> datetime | None:
    """An ISO 8601 time as naive UTC, or None when it is not one (extra sub-microsecond digits are cut)."""
    if not isinstance(v, str):
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", v.strip()))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def normalize_playfab(body: bytes, limits: EventLimits) -> Batch:
    try:
        doc = decode_json(body, max_depth=limits.max_json_depth) if body.strip() else None
    except msgspec.DecodeError:
        raise bad({"body": "is not valid JSON"}) from None
    single = isinstance(doc, dict)
    events: Any = [doc] if single else doc
    if not isinstance(events, list):
        raise bad({"body": "must be a PlayStream event object or an array of them"})
    if not events:
        raise bad({"body": "must contain at least one event"})
    if len(events) > limits.max_items:
        raise bad({"body": f"has {len(events)} events; at most {limits.max_items} per request"})
    errors: dict[str, str] = {}
    values: dict[str, list[Any]] = {f.name: [] for f in PLAYFAB.fields}
    times: list[datetime | None] = []
    properties: list[dict[str, Any] | None] = []
    known = {f.name for f in PLAYFAB.fields} | {"Timestamp"}
    for i, ev in enumerate(events):
        at = "" if single else f"[{i}]"
        if not isinstance(ev, dict):
            errors[at or "body"] = "must be an object"
            continue
        for f in PLAYFAB.fields:
            raw = ev.get(f.name)
            path = f"{at}.{f.name}" if at else f.name
            if raw is None:
                if f.required:
                    errors[path] = "is required"
                values[f.name].append(None)
                continue
            value, problems = FIELD_TYPES[f.type].check(raw, f, limits)
            for suffix, reason in problems:
                errors[path + suffix] = reason
            values[f.name].append(value)
        stamp = ev.get("Timestamp")
        when = parse_iso_timestamp(stamp)
        if stamp is not None and when is None:
            errors[f"{at}.Timestamp" if at else "Timestamp"] = "must be an ISO 8601 time"
        times.append(when)
        properties.append({k: v for k, v in ev.items() if k not in known})
    if errors:
        raise bad(errors)
    values["timestamp"] = times
    return Batch(spec=PLAYFAB_STORED, count=len(events), values=values, properties=properties)


# How a validated PlayFab batch is stored: the same columns plus the parsed time.
PLAYFAB_STORED = EndpointSpec(
    path=PLAYFAB.path,
    array_key=PLAYFAB.array_key,
    noun=PLAYFAB.noun,
    kind=PLAYFAB.kind,
    name_field=PLAYFAB.name_field,
    dedupe_on=PLAYFAB.dedupe_on,
    fields=(*PLAYFAB.fields, FieldSpec("timestamp", "iso_timestamp", column="event_time")),
)
