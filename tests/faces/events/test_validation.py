"""Every rejected push answers 400 with every bad field path named (full bodies asserted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.conftest import Env

VALID: dict[str, tuple[str, dict[str, Any]]] = {
    "/v1/actions": (
        "actions",
        {"timestamp": "2019-01-01 15:04:05", "user_id": "1001", "action_id": "2002", "action_name": "buy_item"},
    ),
    "/v1/logins": ("users", {"timestamp": "2019-01-01 15:04:05", "user_id": "1001", "country": "US", "level": 3}),
    "/v1/purchases": ("purchases", {"user_id": "1001", "item_id": "2002", "count": 1, "price": 25.5}),
    "/v1/virtual-purchases": (
        "virtual_purchases",
        {"user_id": "1001", "item_id": "2002", "count": 1, "virtual_price": 25.5, "currency": "gold"},
    ),
    "/v1/level-ups": ("level_ups", {"user_id": "1001", "level": 10}),
    "/v1/items": ("items", {"item_id": "1001", "price": 25.5, "currency": "USD", "name": "Axe"}),
    "/v1/social-dynamics": (
        "social_dynamics",
        {"user_id": "1001", "target_user_id": "1002", "connection": "linked", "interaction": "friend"},
    ),
}

REQUIRED = {
    "/v1/actions": ["user_id", "action_id", "action_name"],
    "/v1/logins": ["user_id"],
    "/v1/purchases": ["user_id", "item_id", "count", "price"],
    "/v1/virtual-purchases": ["user_id", "item_id", "count", "virtual_price", "currency"],
    "/v1/level-ups": ["user_id", "level"],
    "/v1/items": ["item_id", "price", "currency", "name"],
    "/v1/social-dynamics": ["user_id", "target_user_id", "connection", "interaction"],
}


def _bad(errors: dict[str, str]) -> dict[str, Any]:
    return {"code": 400, "message": "bad request", "errors": errors}


def _post(env: Env, headers: dict[str, str], path: str, body: Any) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    r = env.client.post(path, content=raw, headers=headers)
    return r.status_code, r.json()


def _items(path: str, *changes: dict[str, Any], drop: str | None = None) -> dict[str, Any]:
    key, good = VALID[path]
    items = []
    for change in changes or ({},):
        item = {**good, **change}
        if drop:
            item.pop(drop)
        items.append(item)
    return {key: items}


@pytest.mark.parametrize(("path", "field"), [(p, f) for p, fs in REQUIRED.items() for f in fs])
def test_missing_required_field_is_named(env: Env, upload: dict[str, str], path: str, field: str) -> None:
    key = VALID[path][0]
    status, body = _post(env, upload, path, _items(path, {}, {}, drop=field))
    assert status == 400
    assert body == _bad({f"{key}[0].{field}": "is required", f"{key}[1].{field}": "is required"})


def test_string_price_and_float_count_are_both_named(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(
        env, upload, "/v1/purchases", _items("/v1/purchases", {}, {}, {}, {"price": "25.50", "count": 1.5})
    )
    assert status == 400
    assert body == _bad({"purchases[3].count": "must be an integer", "purchases[3].price": "must be a number"})


def test_negative_count_is_refused(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(env, upload, "/v1/virtual-purchases", _items("/v1/virtual-purchases", {"count": -2}))
    assert status == 400
    assert body == _bad({"virtual_purchases[0].count": "must be at least 1"})


def test_string_level_is_refused(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(env, upload, "/v1/level-ups", _items("/v1/level-ups", {"level": "10"}))
    assert status == 400
    assert body == _bad({"level_ups[0].level": "must be an integer"})


@pytest.mark.parametrize("stamp", ["2019-01-01T15:04:05", "2019-02-30 10:00:00", "yesterday", "2019-01-01"])
def test_bad_timestamp_is_refused(env: Env, upload: dict[str, str], stamp: str) -> None:
    status, body = _post(env, upload, "/v1/actions", _items("/v1/actions", {}, {"timestamp": stamp}))
    assert status == 400
    assert body == _bad({"actions[1].timestamp": "must be a timestamp YYYY-MM-DD HH:MM:SS (UTC)"})


def test_bad_register_date_and_last_login_are_named(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(
        env,
        upload,
        "/v1/logins",
        _items("/v1/logins", {"register_date": "14/11/2018", "last_login_timestamp": "2019-01-01 25:00:00"}),
    )
    assert status == 400
    assert body == _bad(
        {
            "users[0].register_date": "must be a date YYYY-MM-DD",
            "users[0].last_login_timestamp": "must be a timestamp YYYY-MM-DD HH:MM:SS (UTC)",
        }
    )


def test_unknown_connection_and_interaction_values_are_named(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(
        env,
        upload,
        "/v1/social-dynamics",
        _items("/v1/social-dynamics", {"connection": "blocked"}, {"interaction": "enemy"}),
    )
    assert status == 400
    assert body == _bad(
        {
            "social_dynamics[0].connection": "must be one of linked, unlinked",
            "social_dynamics[1].interaction": "must be one of friend, party",
        }
    )


@pytest.mark.parametrize("country", ["USA", "XX", "u", "1A"])
def test_country_not_iso_alpha_2_is_refused(env: Env, upload: dict[str, str], country: str) -> None:
    status, body = _post(env, upload, "/v1/logins", _items("/v1/logins", {"country": country}))
    assert status == 400
    assert body == _bad({"users[0].country": "must be an ISO 3166-1 alpha-2 country code, e.g. US"})


def test_bad_language_tag_is_refused(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(env, upload, "/v1/logins", _items("/v1/logins", {"language": "english (US)"}))
    assert status == 400
    assert body == _bad({"users[0].language": "must be an IETF language tag, e.g. en-US"})


@pytest.mark.parametrize("path", list(VALID))
def test_1001_items_are_refused(env: Env, upload: dict[str, str], path: str) -> None:
    key, good = VALID[path]
    status, body = _post(env, upload, path, {key: [good] * 1001})
    assert status == 400
    assert body == _bad({key: "has 1001 items; at most 1000 per request"})


@pytest.mark.parametrize("path", list(VALID))
def test_empty_array_is_refused(env: Env, upload: dict[str, str], path: str) -> None:
    key = VALID[path][0]
    status, body = _post(env, upload, path, {key: []})
    assert status == 400
    assert body == _bad({key: "must contain at least one item"})


@pytest.mark.parametrize("path", list(VALID))
def test_unknown_top_level_key_is_named(env: Env, upload: dict[str, str], path: str) -> None:
    status, body = _post(env, upload, path, {**_items(path), "extra": 1})
    assert status == 400
    assert body == _bad({"extra": "unknown field"})


@pytest.mark.parametrize("path", list(VALID))
def test_non_json_body_is_refused(env: Env, upload: dict[str, str], path: str) -> None:
    status, body = _post(env, upload, path, b"user_id=1001&count=1")
    assert status == 400
    assert body == _bad({"body": "is not valid JSON"})


def test_missing_array_key_is_named(env: Env, upload: dict[str, str]) -> None:
    assert _post(env, upload, "/v1/purchases", {}) == (400, _bad({"purchases": "is required"}))


def test_unknown_item_field_and_non_object_item_are_named(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(env, upload, "/v1/level-ups", {"level_ups": [{"user_id": "1", "level": 2, "xp": 5}, 7]})
    assert status == 400
    assert body == _bad({"level_ups[0].xp": "unknown field", "level_ups[1]": "must be an object"})


def test_bad_action_params_are_named_by_index(env: Env, upload: dict[str, str]) -> None:
    params = [{"key": "item_id", "value": 3003}, {"key": "x"}, "loose"]
    status, body = _post(env, upload, "/v1/actions", _items("/v1/actions", {"action_params": params}))
    assert status == 400
    assert body == _bad(
        {
            "actions[0].action_params[0].value": "must be a string",
            "actions[0].action_params[1].value": "is required",
            "actions[0].action_params[2]": "must be an object with key and value",
        }
    )


def test_a_batch_with_one_bad_item_stores_nothing(env: Env, upload: dict[str, str]) -> None:
    status, _ = _post(env, upload, "/v1/level-ups", _items("/v1/level-ups", {}, {"level": -1}))
    assert status == 400
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/1001/events", headers=env.admin)
    assert r.json() == {"data": []}


def test_seed_spelling_unllinked_is_accepted_as_unlinked(env: Env, upload: dict[str, str]) -> None:
    status, body = _post(env, upload, "/v1/social-dynamics", _items("/v1/social-dynamics", {"connection": "unllinked"}))
    assert (status, body["message"]) == (201, "1 social dynamics have been successfully ingested")
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/1001/events", headers=env.admin)
    assert r.json()["data"][0]["properties"] == {"connection": "unlinked", "interaction": "friend"}


def test_missing_key_answers_401_in_the_face_envelope(env: Env) -> None:
    r = env.client.post("/v1/actions", content=b"{}")
    assert (r.status_code, r.json()) == (
        401,
        {"code": 401, "message": "missing or malformed Authorization: Bearer header"},
    )


def test_key_without_upload_scope_answers_403(env: Env) -> None:
    headers = {"Authorization": f"Bearer {env.key(['query'])}"}
    r = env.client.post("/v1/actions", content=msgspec.json.encode(_items("/v1/actions")), headers=headers)
    assert (r.status_code, r.json()) == (403, {"code": 403, "message": "this key lacks the 'upload' scope"})


def test_organization_key_cannot_push_events(env: Env) -> None:
    headers = {"Authorization": f"Bearer {env.key(['upload'], org_key=True)}"}
    r = env.client.post("/v1/actions", content=msgspec.json.encode(_items("/v1/actions")), headers=headers)
    assert (r.status_code, r.json()) == (
        403,
        {"code": 403, "message": "events belong to a project: use a key issued for a project"},
    )


def test_openapi_states_the_configured_items_limit(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from tests.conftest import make_settings
    from traitbase.app import create_app

    app = create_app(make_settings(tmp_path, events_max_items=250))
    with TestClient(app) as client:
        doc = client.get("/openapi.json").json()
    schema = doc["paths"]["/v1/actions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["actions"]["maxItems"] == 250
