"""Idempotent retries, sandbox isolation and wipe, level checks, PlayFab, and counts by name."""

from __future__ import annotations

from typing import Any

import msgspec

from tests.conftest import Env
from tests.faces.events.conftest import user_events, without_receipt


def _actions(n: int, user: str = "u1", stamp: str = "2019-01-01 15:04:05") -> bytes:
    items = [{"timestamp": stamp, "user_id": user, "action_id": str(i), "action_name": "open_chest"} for i in range(n)]
    return msgspec.json.encode({"actions": items})


def _count(env: Env, *, environment: str = "production") -> list[dict[str, Any]]:
    r = env.client.get(
        f"/admin/v1/projects/{env.boot.project_id}/events/counts",
        params={"start": "2019-01-01", "end": "2019-01-31", "environment": environment},
        headers=env.admin,
    )
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_retry_with_same_idempotency_key_replays_the_first_answer_and_stores_once(
    env: Env, upload: dict[str, str]
) -> None:
    headers = {**upload, "Idempotency-Key": "batch-0001"}
    first = env.client.post("/v1/actions", content=_actions(3), headers=headers)
    again = env.client.post("/v1/actions", content=_actions(3), headers=headers)
    expected = {"code": 201, "message": "3 actions have been successfully ingested", "data": None}
    assert (first.status_code, first.json(), first.headers.get("idempotent-replayed")) == (201, expected, None)
    assert (again.status_code, again.json(), again.headers.get("idempotent-replayed")) == (201, expected, "true")
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 3}]


def test_idempotency_key_reused_with_another_body_is_a_conflict(env: Env, upload: dict[str, str]) -> None:
    headers = {**upload, "Idempotency-Key": "batch-0002"}
    assert env.client.post("/v1/actions", content=_actions(3), headers=headers).status_code == 201
    r = env.client.post("/v1/actions", content=_actions(4), headers=headers)
    assert (r.status_code, r.json()) == (
        409,
        {"code": 409, "message": "this Idempotency-Key was already used with a different request body"},
    )
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 3}]


def test_different_idempotency_keys_store_both_batches(env: Env, upload: dict[str, str]) -> None:
    for key in ("a", "b"):
        r = env.client.post("/v1/actions", content=_actions(2), headers={**upload, "Idempotency-Key": key})
        assert r.status_code == 201
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 4}]


def test_sandbox_key_writes_only_to_the_sandbox(env: Env, upload: dict[str, str]) -> None:
    sandbox = {"Authorization": f"Bearer {env.key(['upload'], environment='sandbox')}"}
    assert env.client.post("/v1/actions", content=_actions(2), headers=sandbox).status_code == 201
    assert env.client.post("/v1/actions", content=_actions(1), headers=upload).status_code == 201
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 1}]
    assert _count(env, environment="sandbox") == [{"kind": "action", "name": "open_chest", "count": 2}]


def test_sandbox_wipe_clears_the_sandbox_and_keeps_production(env: Env, upload: dict[str, str]) -> None:
    sandbox = {"Authorization": f"Bearer {env.key(['upload'], environment='sandbox')}"}
    login = msgspec.json.encode({"users": [{"user_id": "u1", "level": 4}]})
    env.client.post("/v1/logins", content=login, headers=sandbox)
    env.client.post("/v1/actions", content=_actions(2), headers=sandbox)
    env.client.post("/v1/actions", content=_actions(1), headers=upload)
    r = env.client.post(f"/admin/v1/projects/{env.boot.project_id}/sandbox/wipe", headers=env.admin)
    assert (r.status_code, r.json()) == (
        200,
        {
            "data": {
                "project_id": env.boot.project_id,
                "environment": "sandbox",
                "deleted": {
                    "events": 3,
                    "idempotency_keys": 0,
                    "items": 0,
                    "user_levels": 1,
                    "audience_members": 0,
                    "tracker_clicks": 0,
                    "tracker_events": 0,
                    "tracker_pageleaves": 0,
                    "tracker_pageviews": 0,
                    "tracker_visitors": 0,
                    "tracker_visits": 0,
                    "user_profiles": 1,
                },
            }
        },
    )
    assert _count(env, environment="sandbox") == []
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 1}]
    r = env.client.get(
        f"/admin/v1/projects/{env.boot.project_id}/users/u1", params={"environment": "sandbox"}, headers=env.admin
    )
    assert r.status_code == 404


def test_level_up_below_the_current_level_is_stored_and_flagged(env: Env, upload: dict[str, str]) -> None:
    body = {
        "level_ups": [
            {"timestamp": "2019-01-01 10:00:00", "user_id": "p", "level": 5},
            {"timestamp": "2019-01-01 11:00:00", "user_id": "p", "level": 7},
            {"timestamp": "2019-01-01 12:00:00", "user_id": "p", "level": 6},
        ]
    }
    assert env.client.post("/v1/level-ups", content=msgspec.json.encode(body), headers=upload).status_code == 201
    later = {"level_ups": [{"timestamp": "2019-01-02 10:00:00", "user_id": "p", "level": 3}]}
    assert env.client.post("/v1/level-ups", content=msgspec.json.encode(later), headers=upload).status_code == 201
    assert [(e["level"], e.get("flag")) for e in user_events(env, "p")] == [
        (3, "level_decrease"),
        (6, "level_decrease"),
        (7, None),
        (5, None),
    ]


def test_login_level_counts_as_the_current_level(env: Env, upload: dict[str, str]) -> None:
    login = {"users": [{"timestamp": "2019-01-01 10:00:00", "user_id": "p", "level": 12}]}
    env.client.post("/v1/logins", content=msgspec.json.encode(login), headers=upload)
    up = {"level_ups": [{"timestamp": "2019-01-01 11:00:00", "user_id": "p", "level": 11}]}
    env.client.post("/v1/level-ups", content=msgspec.json.encode(up), headers=upload)
    assert user_events(env, "p")[0]["flag"] == "level_decrease"


def test_missing_timestamp_means_time_of_receipt(env: Env, upload: dict[str, str]) -> None:
    body = msgspec.json.encode({"level_ups": [{"user_id": "p", "level": 1}]})
    assert env.client.post("/v1/level-ups", content=body, headers=upload).status_code == 201
    [event] = user_events(env, "p")
    assert event["event_time"] == event["received_at"]


def test_playfab_single_event_is_stored_under_its_name(env: Env) -> None:
    token = env.key(["upload"])
    event = {
        "EventName": "player_logged_in",
        "EventNamespace": "com.playfab",
        "EntityType": "player",
        "EntityId": "8F3A1C",
        "EventId": "e1",
        "Source": "PlayFab",
        "SourceType": "BackEnd",
        "Timestamp": "2019-01-03T10:00:00.1234567Z",
        "CustomTags": None,
        "Platform": "Steam",
    }
    r = env.client.post(f"/v1/playfab?api_key={token}", json=event)
    assert (r.status_code, r.json()) == (
        201,
        {"code": 201, "message": "1 events have been successfully ingested", "data": None},
    )
    assert without_receipt(user_events(env, "8F3A1C")) == [
        {
            "event_time": "2019-01-03 10:00:00",
            "kind": "playfab",
            "name": "player_logged_in",
            "user_id": "8F3A1C",
            "event_id": "e1",
            "properties": {
                "EventNamespace": "com.playfab",
                "EntityType": "player",
                "Source": "PlayFab",
                "SourceType": "BackEnd",
                "CustomTags": None,
                "Platform": "Steam",
            },
        }
    ]


def test_playfab_array_is_accepted(env: Env) -> None:
    token = env.key(["upload"])
    events = [
        {"EventName": "a", "EntityId": "x", "Timestamp": "2019-01-03T10:00:00Z"},
        {"EventName": "b", "EntityId": "x", "Timestamp": "2019-01-03T11:00:00+01:00"},
    ]
    r = env.client.post(f"/v1/playfab?api_key={token}", json=events)
    assert r.status_code == 201
    assert [(e["name"], e["event_time"]) for e in user_events(env, "x")] == [
        ("a", "2019-01-03 10:00:00"),
        ("b", "2019-01-03 10:00:00"),
    ]


def test_playfab_event_without_name_or_entity_is_refused(env: Env) -> None:
    token = env.key(["upload"])
    r = env.client.post(f"/v1/playfab?api_key={token}", json=[{"EntityId": "x"}, {"EventName": "a", "Timestamp": 5}])
    assert (r.status_code, r.json()) == (
        400,
        {
            "code": 400,
            "message": "bad request",
            "errors": {
                "[0].EventName": "is required",
                "[1].EntityId": "is required",
                "[1].Timestamp": "must be an ISO 8601 time",
            },
        },
    )


def test_playfab_without_api_key_answers_401(env: Env) -> None:
    r = env.client.post("/v1/playfab", json={"EventName": "a", "EntityId": "x"})
    assert (r.status_code, r.json()) == (401, {"code": 401, "message": "missing api_key query parameter"})


def test_counts_cover_the_inclusive_date_range_only(env: Env, upload: dict[str, str]) -> None:
    env.client.post("/v1/actions", content=_actions(2, stamp="2019-01-31 23:59:59"), headers=upload)
    env.client.post("/v1/actions", content=_actions(5, stamp="2019-02-01 00:00:00"), headers=upload)
    assert _count(env) == [{"kind": "action", "name": "open_chest", "count": 2}]


def test_counts_with_start_after_end_are_refused(env: Env) -> None:
    r = env.client.get(
        f"/admin/v1/projects/{env.boot.project_id}/events/counts",
        params={"start": "2019-02-01", "end": "2019-01-01"},
        headers=env.admin,
    )
    assert (r.status_code, r.json()) == (
        400,
        {"code": 400, "message": "start must not be after end", "errors": {"start": "after end"}},
    )


def test_items_are_upserted_by_item_id(env: Env, upload: dict[str, str]) -> None:
    first = {"items": [{"item_id": "1", "price": 1.0, "currency": "USD", "name": "Axe", "type": "weapon"}]}
    second = {
        "items": [
            {"item_id": "1", "price": 2, "currency": "USD", "name": "Great Axe"},
            {"item_id": "2", "price": 5.5, "currency": "gold", "name": "Shield"},
        ]
    }
    env.client.post("/v1/items", content=msgspec.json.encode(first), headers=upload)
    env.client.post("/v1/items", content=msgspec.json.encode(second), headers=upload)
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/items", headers=env.admin)
    assert [{k: v for k, v in i.items() if k != "updated_at"} for i in r.json()["data"]] == [
        {"item_id": "1", "price": 2.0, "currency": "USD", "name": "Great Axe"},
        {"item_id": "2", "price": 5.5, "currency": "gold", "name": "Shield"},
    ]
