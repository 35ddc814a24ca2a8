"""Event pushes (seed 003) as a pure core: bytes in, a validated column batch out, no I/O.

Two paths give the same answer. The hot path decodes straight into msgspec structs generated
from the endpoint spec (types, required fields, unknown keys, item count all checked in C)
and then runs the few checks msgspec cannot express. When anything is wrong, the slow path
re-reads the body generically and names every bad field path (``purchases[3].price``), so a
400 always lists every problem, not just the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec
from iso3166 import countries_by_alpha2

from traitbase.domain.events.specs import EndpointSpec, FieldSpec
from traitbase.domain.ids import MAX_INT64
from traitbase.errors import Invalid
from traitbase.kit.jsonbody import DEFAULT_MAX_DEPTH, decode_json

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# BCP 47 / IETF language tag, simplified: a 2-3 letter language and optional subtags.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
COUNTRIES = frozenset(countries_by_alpha2)


@dataclass(frozen=True)
class EventLimits:
    max_items: int
    max_string_length: int
    max_json_depth: int = DEFAULT_MAX_DEPTH


@dataclass
class Batch:
    """A validated push: per field, its values in item order (None where absent)."""

    spec: EndpointSpec
    count: int
    values: dict[str, list[Any]]
    properties: list[dict[str, Any] | None]


Problems = list[tuple[str, str]]  # (path suffix, reason)


# --- field types: one entry per type name used in the specs ----------------------------------
def _check_string(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    if not isinstance(v, str):
        return None, [("", "must be a string")]
    if f.required and not v:
        return None, [("", "must not be empty")]
    if len(v) > lim.max_string_length:
        return None, [("", f"must be at most {lim.max_string_length} characters")]
    return v, []


def _check_int(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    if isinstance(v, bool) or not isinstance(v, int):
        return None, [("", "must be an integer")]
    if f.minimum is not None and v < f.minimum:
        return None, [("", f"must be at least {f.minimum:g}")]
    if v > MAX_INT64:  # integer columns are 64-bit
        return None, [("", f"must be at most {MAX_INT64}")]
    return v, []


def _check_float(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None, [("", "must be a number")]
    if f.minimum is not None and v < f.minimum:
        return None, [("", f"must be at least {f.minimum:g}")]
    return float(v), []


def _patterned(regex: re.Pattern[str], reason: str, parse: Callable[[str], object] | None) -> Any:
    def check(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
        if not isinstance(v, str) or not regex.match(v):
            return None, [("", reason)]
        if parse is not None:
            try:
                parse(v)
            except ValueError:
                return None, [("", reason)]
        return v, []

    return check


def _finish_timestamp(v: str, f: FieldSpec) -> str:
    datetime.fromisoformat(v)  # the pattern fixed the shape; this rejects 2019-02-30
    return v


def _finish_date(v: str, f: FieldSpec) -> str:
    date.fromisoformat(v)
    return v


def _check_enum(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    aliases = dict(f.aliases)
    if not isinstance(v, str) or (v not in f.choices and v not in aliases):
        return None, [("", "must be one of " + ", ".join(f.choices))]
    return aliases.get(v, v), []


def _finish_enum(v: str, f: FieldSpec) -> str:
    return dict(f.aliases).get(v, v)


def _check_country(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    if not isinstance(v, str) or v.upper() not in COUNTRIES:
        return None, [("", "must be an ISO 3166-1 alpha-2 country code, e.g. US")]
    return v.upper(), []


def _finish_country(v: str, f: FieldSpec) -> str:
    up = v.upper()
    if up not in COUNTRIES:
        raise ValueError(v)
    return up


def _check_params(v: Any, f: FieldSpec, lim: EventLimits) -> tuple[Any, Problems]:
    if not isinstance(v, list):
        return None, [("", "must be an array of {key, value} objects")]
    problems: Problems = []
    out: dict[str, str] = {}
    for i, p in enumerate(v):
        if not isinstance(p, dict):
            problems.append((f"[{i}]", "must be an object with key and value"))
            continue
        problems.extend((f"[{i}].{k}", "unknown field") for k in p if k not in ("key", "value"))
        for part in ("key", "value"):
            if part not in p:
                problems.append((f"[{i}].{part}", "is required"))
            elif not isinstance(p[part], str):
                problems.append((f"[{i}].{part}", "must be a string"))
            elif len(p[part]) > lim.max_string_length:
                problems.append((f"[{i}].{part}", f"must be at most {lim.max_string_length} characters"))
        if isinstance(p.get("key"), str) and isinstance(p.get("value"), str):
            out[p["key"]] = p["value"]
    return out, problems


class _Param(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    value: str


def _finish_params(v: list[_Param], f: FieldSpec) -> dict[str, str]:
    return {p.key: p.value for p in v}


@dataclass(frozen=True)
class FieldType:
    annotation: Callable[[FieldSpec, EventLimits], Any]  # msgspec type of the hot-path decoder
    check: Callable[[Any, FieldSpec, EventLimits], tuple[Any, Problems]]  # slow path
    finish: Callable[[Any, FieldSpec], Any] | None = None  # hot path: raises ValueError if invalid


def _str_type(f: FieldSpec, lim: EventLimits) -> Any:
    return Annotated[str, msgspec.Meta(min_length=1 if f.required else 0, max_length=lim.max_string_length)]


def _num_type(base: type) -> Callable[[FieldSpec, EventLimits], Any]:
    def ann(f: FieldSpec, lim: EventLimits) -> Any:
        # Integer columns are 64-bit: a larger value goes to the slow path, which names it.
        top = MAX_INT64 if base is int else None
        return base if f.minimum is None and top is None else Annotated[base, msgspec.Meta(ge=f.minimum, le=top)]

    return ann


def _pattern_type(pattern: str) -> Callable[[FieldSpec, EventLimits], Any]:
    return lambda f, lim: Annotated[str, msgspec.Meta(pattern=pattern)]


FIELD_TYPES: dict[str, FieldType] = {
    "string": FieldType(_str_type, _check_string),
    "int": FieldType(_num_type(int), _check_int),
    "float": FieldType(_num_type(float), _check_float),
    "timestamp": FieldType(
        _pattern_type(TIMESTAMP_PATTERN),
        _patterned(_TIMESTAMP_RE, "must be a timestamp YYYY-MM-DD HH:MM:SS (UTC)", datetime.fromisoformat),
        _finish_timestamp,
    ),
    "date": FieldType(
        _pattern_type(DATE_PATTERN), _patterned(_DATE_RE, "must be a date YYYY-MM-DD", date.fromisoformat), _finish_date
    ),
    "enum": FieldType(lambda f, lim: Literal[(*f.choices, *(a for a, _ in f.aliases))], _check_enum, _finish_enum),
    "country": FieldType(_pattern_type(r"^[A-Za-z]{2}$"), _check_country, _finish_country),
    "language": FieldType(
        _pattern_type(LANGUAGE_PATTERN), _patterned(_LANGUAGE_RE, "must be an IETF language tag, e.g. en-US", None)
    ),
    "params": FieldType(lambda f, lim: list[_Param], _check_params, _finish_params),
}


# --- the hot path ------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _decoder(spec: EndpointSpec, limits: EventLimits) -> msgspec.json.Decoder[Any]:
    fields: list[Any] = []
    for f in spec.fields:
        ann = FIELD_TYPES[f.type].annotation(f, limits)
        fields.append((f.name, ann) if f.required else (f.name, ann | None, None))
    # Required fields first: a struct cannot have a field without a default after one with it.
    fields.sort(key=lambda x: len(x) == 3)
    item = msgspec.defstruct(f"{spec.kind}_item", fields, forbid_unknown_fields=True)
    items = Annotated[list[item], msgspec.Meta(min_length=1, max_length=limits.max_items)]  # type: ignore[valid-type]
    body = msgspec.defstruct(f"{spec.kind}_body", [(spec.array_key, items)], forbid_unknown_fields=True)
    return msgspec.json.Decoder(body)


def _fast(spec: EndpointSpec, body: bytes, limits: EventLimits) -> Batch | None:
    try:
        doc = _decoder(spec, limits).decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    items = getattr(doc, spec.array_key)
    values: dict[str, list[Any]] = {}
    for f in spec.fields:
        col = [getattr(x, f.name) for x in items]
        finish = FIELD_TYPES[f.type].finish
        if finish is not None:
            try:
                col = [None if v is None else finish(v, f) for v in col]
            except ValueError:
                return None
        values[f.name] = col
    return Batch(spec=spec, count=len(items), values=values, properties=_properties(spec, values, len(items)))


def _properties(spec: EndpointSpec, values: dict[str, list[Any]], n: int) -> list[dict[str, Any] | None]:
    """Per item, the fields that have no column of their own (action params are spread in)."""
    loose = [f for f in spec.fields if f.column is None]
    if not loose:
        return [None] * n
    out: list[dict[str, Any] | None] = []
    for i in range(n):
        props: dict[str, Any] = {}
        for f in loose:
            v = values[f.name][i]
            if v is None:
                continue
            if isinstance(v, dict):
                props.update(v)
            else:
                props[f.name] = v
        out.append(props)
    return out


# --- the slow path: every problem, by path -----------------------------------------------------
def _top_level(spec: EndpointSpec, body: bytes, limits: EventLimits) -> tuple[list[Any], dict[str, str]]:
    if not body.strip():
        raise bad({"body": "must be a JSON object"})
    try:
        doc = decode_json(body, max_depth=limits.max_json_depth)
    except msgspec.DecodeError:
        raise bad({"body": "is not valid JSON"}) from None
    if not isinstance(doc, dict):
        raise bad({"body": f"must be a JSON object with {spec.array_key}"})
    errors = {k: "unknown field" for k in doc if k != spec.array_key}
    arr = doc.get(spec.array_key)
    key = spec.array_key
    if arr is None:
        errors[key] = "is required"
    elif not isinstance(arr, list):
        errors[key] = "must be an array"
    elif not arr:
        errors[key] = "must contain at least one item"
    elif len(arr) > limits.max_items:
        errors[key] = f"has {len(arr)} items; at most {limits.max_items} per request"
    if key in errors:
        raise bad(errors)
    assert isinstance(arr, list)
    return arr, errors


def _slow(spec: EndpointSpec, body: bytes, limits: EventLimits) -> Batch:
    arr, errors = _top_level(spec, body, limits)
    known = {f.name for f in spec.fields}
    values: dict[str, list[Any]] = {f.name: [] for f in spec.fields}
    for i, item in enumerate(arr):
        at = f"{spec.array_key}[{i}]"
        if not isinstance(item, dict):
            errors[at] = "must be an object"
            continue
        for k in item:
            if k not in known:
                errors[f"{at}.{k}"] = "unknown field"
        for f in spec.fields:
            raw = item.get(f.name)
            if raw is None:
                if f.required:
                    errors[f"{at}.{f.name}"] = "is required"
                values[f.name].append(None)
                continue
            value, problems = FIELD_TYPES[f.type].check(raw, f, limits)
            for suffix, reason in problems:
                errors[f"{at}.{f.name}{suffix}"] = reason
            values[f.name].append(value)
    if errors:
        raise bad(errors)
    return Batch(spec=spec, count=len(arr), values=values, properties=_properties(spec, values, len(arr)))


def bad(errors: dict[str, str]) -> Invalid:
    return Invalid("bad request", errors=errors)


def normalize_push(spec: EndpointSpec, body: bytes, limits: EventLimits) -> Batch:
    """Validate a push body against its spec; raise Invalid naming every bad field path."""
    batch = _fast(spec, body, limits)
    return batch if batch is not None else _slow(spec, body, limits)
