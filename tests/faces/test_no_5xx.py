"""Inputs that used to reach a 500: each answers 4xx in its face's envelope, one test per cause."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from tests.conftest import Env
from tests.faces.audience_files.conftest import token_key
from tests.faces.support import PROFILES, bearer
from traitbase.domain.events.specs import SPECS

TOO_BIG = 2**63  # one past the largest signed 64-bit integer
DEEP_ARRAY = b"[" * 1000 + b"]" * 1000  # about 2 KB
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000
PUSH_PATHS = [s.path for s in SPECS]


def _basic(token: str) -> dict[str, str]:
    key_id, secret = token.split("-", 1)[1].split(".", 1)
    return {"Authorization": "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()}


# --- JSON nested deeper than json_max_depth ---------------------------------------------------


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_on_the_attribute_upload_is_a_400(env: Env, body: bytes) -> None:
    r = env.client.post(PROFILES, content=body, headers=bearer(env.key(["upload"])))
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "request body is nested more than 64 levels deep"},
    )


@pytest.mark.parametrize("path", PUSH_PATHS)
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_on_an_event_push_is_a_400(env: Env, path: str, body: bytes) -> None:
    r = env.client.post(path, content=body, headers=bearer(env.key(["upload"])))
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "bad request", "errors": {"body": "is nested more than 64 levels deep"}},
    )


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_on_the_playfab_webhook_is_a_400(env: Env, body: bytes) -> None:
    r = env.client.post("/v1/playfab", params={"api_key": env.key(["upload"])}, content=body)
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "bad request", "errors": {"body": "is nested more than 64 levels deep"}},
    )


def test_nesting_up_to_the_setting_is_read_and_one_level_more_is_refused(env: Env) -> None:
    token = env.key(["upload"])

    def push(levels: int) -> Any:
        # The events array and the event are two levels; the property makes up the rest.
        event: dict[str, Any] = {"EventName": "player_logged_in", "EntityId": "p1", "Deep": 1}
        for _ in range(levels - 2):
            event["Deep"] = [event["Deep"]]
        r = env.client.post("/v1/playfab", params={"api_key": token}, json=[event])
        return r.status_code, r.json()

    assert push(64) == (201, {"code": 201, "message": "1 events have been successfully ingested", "data": None})
    assert push(65) == (
        400,
        {"code": 400, "message": "bad request", "errors": {"body": "is nested more than 64 levels deep"}},
    )


# --- integers past 64 bits in event pushes ----------------------------------------------------

BIG_INT_PUSHES = [
    ("/v1/purchases", "purchases", {"item_id": "sword", "price": 1.5}, "count"),
    (
        "/v1/virtual-purchases",
        "virtual_purchases",
        {"item_id": "sword", "virtual_price": 10, "currency": "gem"},
        "count",
    ),
    ("/v1/logins", "users", {}, "level"),
    ("/v1/level-ups", "level_ups", {}, "level"),
]


@pytest.mark.parametrize(("path", "key", "extra", "field"), BIG_INT_PUSHES, ids=[p[0] for p in BIG_INT_PUSHES])
def test_an_integer_past_64_bits_in_a_push_is_a_400_naming_the_field(
    env: Env, path: str, key: str, extra: dict[str, Any], field: str
) -> None:
    item = {"user_id": "u1", "timestamp": "2024-01-01 00:00:00", field: TOO_BIG, **extra}
    r = env.client.post(path, json={key: [item]}, headers=bearer(env.key(["upload"])))
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "bad request", "errors": {f"{key}[0].{field}": "must be at most 9223372036854775807"}},
    )


# --- ids past 64 bits -------------------------------------------------------------------------

ID_ERROR = f"must be an id between 0 and {2**63 - 1}"


def test_an_id_past_64_bits_in_the_audience_files_face_is_a_400(env: Env) -> None:
    key = token_key(env)
    paths = [{"device_type": 1, "data_path": "x"}]
    answers = [
        env.client.put("/api/open/v1/audience", json={"ta_id": TOO_BIG, "data_path": paths}, headers=key.headers()),
        env.client.request("DELETE", "/api/open/v1/audience", json={"ta_id": [TOO_BIG]}, headers=key.headers()),
        env.client.get("/api/open/v1/audience", params={"ta_ids": f"1,{TOO_BIG}"}, headers=key.headers()),
    ]
    for field, r in zip(["ta_id", "ta_id", "ta_ids"], answers, strict=True):
        message = f"{field} {ID_ERROR}"
        assert (r.status_code, r.json()) == (400, {"code": 400, "msg": message, "message": message, "data": None})


@pytest.mark.parametrize(("method", "suffix"), [("PUT", ""), ("DELETE", ""), ("PUT", "/name?name=x")])
def test_an_id_past_64_bits_in_the_audience_list_routes_is_a_400(env: Env, method: str, suffix: str) -> None:
    r = env.client.request(method, f"/v1/imports/audiences/list/{TOO_BIG}{suffix}", headers=_basic(env.key(["upload"])))
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": f"audience_list_id {ID_ERROR}", "errors": {"audience_list_id": "out of range"}},
    )


@pytest.mark.parametrize("suffix", ["", "/loads", "/members", "/members/u1"])
def test_an_id_past_64_bits_in_the_admin_audience_routes_is_a_400(env: Env, suffix: str) -> None:
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/audiences/{TOO_BIG}{suffix}", headers=env.admin)
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": f"audience_id {ID_ERROR}", "errors": {"audience_id": "out of range"}},
    )


def test_a_unicode_digit_in_ta_ids_is_a_400(env: Env) -> None:
    key = token_key(env)
    r = env.client.get("/api/open/v1/audience", params={"ta_ids": "1,\u00b2"}, headers=key.headers())
    message = "ta_ids must be a number made of the digits 0-9"
    assert (r.status_code, r.json()) == (400, {"code": 400, "msg": message, "message": message, "data": None})


# --- malformed multipart ----------------------------------------------------------------------


def test_malformed_multipart_on_an_audience_list_create_is_a_400(env: Env) -> None:
    body = b"--xx\r\nContent-Disposition form-data\r\n\r\nvalue\r\n--xx--\r\n"  # a header line without a colon
    headers = _basic(env.key(["upload"])) | {"content-type": "multipart/form-data; boundary=xx"}
    r = env.client.post("/v1/imports/audiences/list/", content=body, headers=headers)
    assert r.status_code == 400, r.text
    answer = r.json()
    assert answer["errors"] == {"body": "malformed multipart"}
    assert set(answer) == {"code", "message", "errors"} and answer["code"] == 400
    assert answer["message"].startswith("malformed multipart body: ")


# --- non-ASCII signatures ---------------------------------------------------------------------


def test_a_non_ascii_signature_on_an_error_log_url_is_a_403(env: Env) -> None:
    params = {"expires": str(int(time.time()) + 100), "signature": "\u00e9t\u00e9"}
    r = env.client.get("/v1/imports/profiles/errors/abc/errors.jsonl", params=params)
    assert (r.status_code, r.json()) == (403, {"code": 403, "message": "this error-log link is invalid or has expired"})


def test_a_non_ascii_signature_on_an_upload_url_is_a_403(env: Env) -> None:
    params = {"expires": str(int(time.time()) + 100), "signature": "\u00e9t\u00e9"}
    r = env.client.put("/api/open/v1/uploads/abc", params=params, content=b"x")
    message = "upload URL signature does not match"
    assert (r.status_code, r.json()) == (403, {"code": 403, "msg": message, "message": message, "data": None})


def test_a_non_ascii_signature_on_an_upload_form_is_a_403(env: Env) -> None:
    fields = {"OSSAccessKeyId": "traitbase-local", "policy": "e30=", "signature": "\u00e9t\u00e9"}
    files = {"file": ("a.txt", b"x")}
    r = env.client.post("/api/open/v1/uploads/form", data=fields, files=files)
    message = "policy signature does not match"
    assert (r.status_code, r.json()) == (403, {"code": 403, "msg": message, "message": message, "data": None})


# --- dates at the end of the calendar ---------------------------------------------------------


def test_event_counts_ending_on_the_last_representable_day_is_a_400(env: Env) -> None:
    params = {"start": "2024-01-01", "end": "9999-12-31"}
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/events/counts", params=params, headers=env.admin)
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "end must be before 9999-12-31", "errors": {"end": "must be before 9999-12-31"}},
    )


@pytest.mark.parametrize("field", ["page", "platform"])
def test_a_page_or_platform_past_64_bits_in_the_audience_list_is_a_400(env: Env, field: str) -> None:
    # Found by the fuzz run: both reach SQL as 64-bit integers (an OFFSET and a filter).
    key = token_key(env)
    r = env.client.get("/api/open/v1/audience", params={field: str(TOO_BIG)}, headers=key.headers())
    message = {
        "page": "page must be between 1 and 184467440737095517",  # (2**63 - 1) // 50 + 1 at the default limit
        "platform": "platform must be between -9223372036854775808 and 9223372036854775807",
    }[field]
    assert (r.status_code, r.json()) == (400, {"code": 400, "msg": message, "message": message, "data": None})
