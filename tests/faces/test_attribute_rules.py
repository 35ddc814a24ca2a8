"""Every rule of SPEC section 2 (seed 000), each answered in full by ``POST /v1/user/profiles``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.support import PROFILES, attrs_of, bearer, err, ok, upload

FIFTY_NAMES = ["user_id"] + [f"f{i}" for i in range(49)]


def _rows(n: int) -> list[list[str]]:
    return [[f"u{i}", "v"] for i in range(n)]


REFUSED: list[tuple[str, Any, str]] = [
    (
        "101_users",
        {"field_name": ["user_id", "a"], "values": _rows(101)},
        "values has 101 rows; at most 100 users per request",
    ),
    (
        "51_fields",
        {"field_name": [*FIFTY_NAMES, "f49"], "values": [["u", *["x"] * 50]]},
        "field_name has 51 names; at most 50",
    ),
    (
        "51_char_field_name",
        {"field_name": ["user_id", "n" * 51], "values": [["u", "x"]]},
        "field_name[1] 'nnnnnnnnnnnnnnnnnnnn...' is 51 characters; at most 50",
    ),
    (
        "129_char_value",
        {"field_name": ["user_id", "a"], "values": [["u", "v" * 129]]},
        "values[0][1] (a) is 129 characters; at most 128",
    ),
    (
        "row_shorter_than_field_name",
        {"field_name": ["user_id", "a", "b"], "values": [["u1", "x", "y"], ["u2", "x"]]},
        "values[1] has 2 entries but field_name has 3",
    ),
    (
        "row_longer_than_field_name",
        {"field_name": ["user_id", "a"], "values": [["u1", "x", "y"]]},
        "values[0] has 3 entries but field_name has 2",
    ),
    (
        "field_name_without_user_id",
        {"field_name": ["uid", "a"], "values": [["u1", "x"]]},
        "field_name must include user_id",
    ),
    (
        "empty_user_id_value",
        {"field_name": ["a", "user_id"], "values": [["x", "u1"], ["y", ""]]},
        "values[1] has an empty user_id",
    ),
    (
        "duplicate_field_names",
        {"field_name": ["user_id", "a", "a"], "values": [["u1", "x", "y"]]},
        "field_name[2] 'a' appears more than once",
    ),
    (
        "duplicate_user_id_field",
        {"field_name": ["user_id", "user_id"], "values": [["u1", "u1"]]},
        "field_name[1] 'user_id' appears more than once",
    ),
    (
        "number_value",
        {"field_name": ["user_id", "age"], "values": [["u1", 42]]},
        "values[0][1] (age) must be a string, got number",
    ),
    (
        "float_value",
        {"field_name": ["user_id", "score"], "values": [["u1", 1.5]]},
        "values[0][1] (score) must be a string, got number",
    ),
    (
        "null_value",
        {"field_name": ["user_id", "a"], "values": [["u1", None]]},
        "values[0][1] (a) must be a string, got null",
    ),
    (
        "bool_value",
        {"field_name": ["user_id", "vip"], "values": [["u1", True]]},
        "values[0][1] (vip) must be a string, got boolean",
    ),
    (
        "object_value",
        {"field_name": ["user_id", "a"], "values": [["u1", {"k": "v"}]]},
        "values[0][1] (a) must be a string, got object",
    ),
    (
        "array_value",
        {"field_name": ["user_id", "a"], "values": [["u1", ["v"]]]},
        "values[0][1] (a) must be a string, got array",
    ),
    (
        "number_user_id",
        {"field_name": ["user_id"], "values": [[123]]},
        "values[0][0] (user_id) must be a string, got number",
    ),
    (
        "nul_character_in_value",
        {"field_name": ["user_id", "a"], "values": [["u1", "x\u0000y"]]},
        "values[0][1] (a) contains a NUL character",
    ),
    (
        "nul_character_in_field_name",
        {"field_name": ["user_id", "a\u0000"], "values": [["u1", "x"]]},
        "field_name[1] contains a NUL character",
    ),
    ("body_is_array", [["user_id"], ["u1"]], "request body must be a JSON object with field_name and values"),
    ("body_is_string", "user_id", "request body must be a JSON object with field_name and values"),
    (
        "unknown_top_level_key",
        {"field_name": ["user_id"], "values": [["u1"]], "extra": 1},
        "unknown field 'extra': only field_name and values are accepted",
    ),
    (
        "body_names_a_project",
        {"project_id": "00000000", "field_name": ["user_id"], "values": [["u1"]]},
        "unknown field 'project_id': only field_name and values are accepted",
    ),
    ("field_name_missing", {"values": [["u1"]]}, "field_name is required"),
    (
        "field_name_not_a_list",
        {"field_name": "user_id", "values": [["u1"]]},
        "field_name must be a non-empty array of strings",
    ),
    ("field_name_empty", {"field_name": [], "values": [["u1"]]}, "field_name must be a non-empty array of strings"),
    (
        "field_name_not_strings",
        {"field_name": ["user_id", 7], "values": [["u1", "x"]]},
        "field_name[1] must be a string, got number",
    ),
    ("field_name_blank", {"field_name": ["user_id", "  "], "values": [["u1", "x"]]}, "field_name[1] is empty"),
    ("values_missing", {"field_name": ["user_id"]}, "values is required"),
    ("values_null", {"field_name": ["user_id"], "values": None}, "values is required"),
    ("values_not_a_list", {"field_name": ["user_id"], "values": {"u1": "x"}}, "values must be an array of rows"),
    ("values_empty", {"field_name": ["user_id"], "values": []}, "values must contain at least one row"),
    ("row_not_a_list", {"field_name": ["user_id"], "values": ["u1"]}, "values[0] must be an array"),
]


@pytest.mark.parametrize(("body", "message"), [(b, m) for _, b, m in REFUSED], ids=[i for i, _, _ in REFUSED])
def test_rule_violation_is_a_400_naming_the_field_or_row(env: Env, body: Any, message: str) -> None:
    r = upload(env, env.key(["upload"]), body)
    assert r.status_code == 400
    assert r.json() == err(400, message)


RAW_REFUSED = [
    ("empty_body", b"", "request body is empty"),
    ("whitespace_body", b"  \n ", "request body is empty"),
    ("truncated_json", b'{"field_name": ["user_id"', "request body is not valid JSON (Input data was truncated)"),
    ("not_json", b"user_id=u1", "request body is not valid JSON (JSON is malformed: invalid character (byte 0))"),
    (
        "trailing_garbage",
        b'{"field_name": ["user_id"], "values": [["u"]]} x',
        "request body is not valid JSON (JSON is malformed: trailing characters (byte 48))",
    ),
]


@pytest.mark.parametrize(("raw", "message"), [(b, m) for _, b, m in RAW_REFUSED], ids=[i for i, _, _ in RAW_REFUSED])
def test_unparseable_body_is_a_400(env: Env, raw: bytes, message: str) -> None:
    headers = bearer(env.key(["upload"])) | {"Content-Type": "application/json"}
    r = env.client.post(PROFILES, content=raw, headers=headers)
    assert r.status_code == 400
    assert r.json() == err(400, message)


def test_limits_themselves_are_accepted(env: Env) -> None:
    names = ["user_id", *[f"{i:02d}" + "n" * 48 for i in range(49)]]
    assert len(names) == 50 and all(len(n) == 50 for n in names[1:])
    rows = [[f"u{i}", *["v" * 128] * 49] for i in range(100)]
    r = upload(env, env.key(["upload"]), {"field_name": names, "values": rows})
    assert r.status_code == 200
    assert r.json() == ok(100, 100, 0)
    assert attrs_of(env, "u99") == {n: "v" * 128 for n in names[1:]}


def test_refused_request_stores_nothing(env: Env) -> None:
    token = env.key(["upload"])
    assert upload(env, token, {"field_name": ["user_id", "a"], "values": [["old", "1"]]}).json() == ok(1, 1, 0)
    body = {"field_name": ["user_id", "a"], "values": [["old", "2"], ["new", "1"], ["bad", "v" * 129]]}
    assert upload(env, token, body).status_code == 400
    assert attrs_of(env, "old") == {"a": "1"}
    assert attrs_of(env, "new") is None
