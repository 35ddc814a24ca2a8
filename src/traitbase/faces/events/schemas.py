"""OpenAPI description of the pushes, derived from the same specs that drive validation."""

from __future__ import annotations

from typing import Any

from traitbase.domain.events.parse import DATE_PATTERN, LANGUAGE_PATTERN, TIMESTAMP_PATTERN, EventLimits
from traitbase.domain.events.specs import EndpointSpec, FieldSpec

_PARAM = {
    "type": "object",
    "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
    "required": ["key", "value"],
    "additionalProperties": False,
}

_TYPES: dict[str, Any] = {
    "string": lambda f: {"type": "string"},
    "int": lambda f: {"type": "integer"} | ({"minimum": f.minimum} if f.minimum is not None else {}),
    "float": lambda f: {"type": "number"} | ({"minimum": f.minimum} if f.minimum is not None else {}),
    "timestamp": lambda f: {"type": "string", "pattern": TIMESTAMP_PATTERN, "description": "UTC"},
    "date": lambda f: {"type": "string", "pattern": DATE_PATTERN},
    "enum": lambda f: {"type": "string", "enum": list(f.choices)},
    "country": lambda f: {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
    "language": lambda f: {"type": "string", "pattern": LANGUAGE_PATTERN},
    "params": lambda f: {"type": "array", "items": _PARAM},
}


def _field(f: FieldSpec) -> dict[str, Any]:
    schema: dict[str, Any] = _TYPES[f.type](f)
    return schema


def request_body(spec: EndpointSpec, limits: EventLimits) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {f.name: _field(f) for f in spec.fields},
        "required": [f.name for f in spec.fields if f.required],
        "additionalProperties": False,
    }
    body = {
        "type": "object",
        "properties": {spec.array_key: {"type": "array", "items": item, "minItems": 1, "maxItems": limits.max_items}},
        "required": [spec.array_key],
        "additionalProperties": False,
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["code", "message"],
}

CREATED_SCHEMA = {
    "type": "object",
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "data": {"type": "null"}},
}


def responses() -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {
        201: {"description": "Ingested", "content": {"application/json": {"schema": CREATED_SCHEMA}}}
    }
    for status in (400, 401, 403, 409, 413, 429):
        out[status] = {"description": "Error", "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    return out
