"""Attribute uploads (seed 000): the wire rules as a pure parser (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

import msgspec

from traitbase.errors import Invalid
from traitbase.kit.jsonbody import DEFAULT_MAX_DEPTH, decode_json

ALLOWED_KEYS = ("field_name", "values")


@dataclass(frozen=True)
class AttributeLimits:
    max_users: int
    max_fields: int
    max_field_name_length: int
    max_value_length: int
    max_json_depth: int = DEFAULT_MAX_DEPTH


@dataclass(frozen=True)
class UploadResult:
    received: int
    created: int
    updated: int


Rows = list[tuple[str, dict[str, str]]]


def _bad(message: str, path: str) -> Invalid:
    return Invalid(message, errors={path: message})


@lru_cache(maxsize=8)
def _typed_decoder(limits: AttributeLimits) -> msgspec.json.Decoder[Any]:
    """A decoder that checks types and every length limit in C (built once per set of limits)."""
    name = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.max_field_name_length)]
    value = Annotated[str, msgspec.Meta(max_length=limits.max_value_length)]
    upload = msgspec.defstruct(
        "AttributeUpload",
        [
            ("field_name", Annotated[list[name], msgspec.Meta(min_length=1, max_length=limits.max_fields)]),
            ("values", Annotated[list[list[value]], msgspec.Meta(min_length=1, max_length=limits.max_users)]),
        ],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(upload)


def parse_attribute_upload(body: bytes, limits: AttributeLimits) -> Rows:
    """Check a request body against every rule of the face; return (user id, changed attributes).

    Well-formed bodies take a fast path (typed decoding in C, checks per row rather than per
    value); anything unusual is re-read by the rule-by-rule path, which names the offending
    field or row, so both paths accept and refuse exactly the same bodies.
    """
    if b"\\u0000" not in body:
        try:
            doc = _typed_decoder(limits).decode(body)
            rows = _fast_rows(doc.field_name, doc.values)
        except msgspec.DecodeError:
            rows = None
        if rows is not None:
            return rows
    return _checked_rows(body, limits)


def _fast_rows(names: list[str], values: list[list[str]]) -> Rows | None:
    """Rows of a body whose types and lengths the decoder already checked; None if any rule is broken."""
    if len(set(names)) != len(names) or "user_id" not in names or not all(n.strip() for n in names):
        return None
    width, uid_at = len(names), names.index("user_id")
    rows: Rows = []
    for row in values:
        if len(row) != width or not row[uid_at]:
            return None
        attrs = dict(zip(names, row))  # noqa: B905 -- widths checked above
        del attrs["user_id"]
        if "" in attrs.values():
            attrs = {n: v for n, v in attrs.items() if v}
        rows.append((row[uid_at], attrs))
    return rows


def _checked_rows(body: bytes, limits: AttributeLimits) -> Rows:
    if not body.strip():
        raise _bad("request body is empty", "body")
    try:
        doc: Any = decode_json(body, max_depth=limits.max_json_depth)
    except msgspec.DecodeError as exc:
        raise _bad(f"request body is not valid JSON ({exc})", "body") from None
    if not isinstance(doc, dict):
        raise _bad("request body must be a JSON object with field_name and values", "body")
    for key in doc:
        if key not in ALLOWED_KEYS:
            raise _bad(f"unknown field '{key}': only field_name and values are accepted", key)
    names = _check_field_names(doc.get("field_name"), limits)
    values = doc.get("values")
    if values is None:
        raise _bad("values is required", "values")
    if not isinstance(values, list):
        raise _bad("values must be an array of rows", "values")
    if not values:
        raise _bad("values must contain at least one row", "values")
    if len(values) > limits.max_users:
        raise _bad(f"values has {len(values)} rows; at most {limits.max_users} users per request", "values")
    uid_at = names.index("user_id")
    width = len(names)
    rows: Rows = []
    for r, row in enumerate(values):
        if not isinstance(row, list):
            raise _bad(f"values[{r}] must be an array", f"values[{r}]")
        if len(row) != width:
            raise _bad(f"values[{r}] has {len(row)} entries but field_name has {width}", f"values[{r}]")
        for c, v in enumerate(row):
            if not isinstance(v, str):
                raise _bad(
                    f"values[{r}][{c}] ({names[c]}) must be a string, got {_json_type(v)}",
                    f"values[{r}][{c}]",
                )
            if "\x00" in v:  # PostgreSQL cannot store it; refuse it on every backend alike
                raise _bad(f"values[{r}][{c}] ({names[c]}) contains a NUL character", f"values[{r}][{c}]")
            if len(v) > limits.max_value_length:
                raise _bad(
                    f"values[{r}][{c}] ({names[c]}) is {len(v)} characters; at most {limits.max_value_length}",
                    f"values[{r}][{c}]",
                )
        uid = row[uid_at]
        if not uid:
            raise _bad(f"values[{r}] has an empty user_id", f"values[{r}][{uid_at}]")
        # "" means "no value": the attribute is left as it is.
        rows.append((uid, {n: v for n, v in zip(names, row, strict=True) if v and n != "user_id"}))
    return rows


def _check_field_names(raw: Any, limits: AttributeLimits) -> list[str]:
    if raw is None:
        raise _bad("field_name is required", "field_name")
    if not isinstance(raw, list) or not raw:
        raise _bad("field_name must be a non-empty array of strings", "field_name")
    if len(raw) > limits.max_fields:
        raise _bad(f"field_name has {len(raw)} names; at most {limits.max_fields}", "field_name")
    seen: set[str] = set()
    for i, name in enumerate(raw):
        path = f"field_name[{i}]"
        if not isinstance(name, str):
            raise _bad(f"{path} must be a string, got {_json_type(name)}", path)
        if not name.strip():
            raise _bad(f"{path} is empty", path)
        if "\x00" in name:
            raise _bad(f"{path} contains a NUL character", path)
        if len(name) > limits.max_field_name_length:
            raise _bad(
                f"{path} '{name[:20]}...' is {len(name)} characters; at most {limits.max_field_name_length}",
                path,
            )
        if name in seen:
            raise _bad(f"{path} '{name}' appears more than once", path)
        seen.add(name)
    if "user_id" not in seen:
        raise _bad("field_name must include user_id", "field_name")
    return list(raw)


def _json_type(v: Any) -> str:
    names = {
        bool: "boolean",
        int: "number",
        float: "number",
        dict: "object",
        list: "array",
        type(None): "null",
    }
    return names.get(type(v), type(v).__name__)
