"""Every curl example of seed 003, sent as written, answers 201 and reads back with its values and types."""

from __future__ import annotations

from tests.conftest import Env
from tests.faces.events.conftest import user_events, without_receipt

T = "2019-01-01 15:04:05"


def _push(env: Env, upload: dict[str, str], path: str, body: str, expected_message: str) -> None:
    r = env.client.post(path, content=body, headers=upload)
    assert r.status_code == 201
    assert r.json() == {"code": 201, "message": expected_message, "data": None}


def test_seed_actions_example(env: Env, upload: dict[str, str]) -> None:
    body = (
        '{ "actions": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "action_id": "2002", '
        '"action_name": "buy_item", "action_params": [ {"key": "item_id", "value": "3003" } ] } ] }'
    )
    _push(env, upload, "/v1/actions", body, "1 actions have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {
            "event_time": T,
            "kind": "action",
            "name": "buy_item",
            "user_id": "1001",
            "event_id": "2002",
            "properties": {"item_id": "3003"},
        }
    ]


def test_seed_logins_example_records_the_login_and_updates_attributes(env: Env, upload: dict[str, str]) -> None:
    body = (
        '{ "users": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "clan_id": "2002", "level": 10, '
        '"device": "iPhone X", "country": "US", "language": "en-US", "platform": "Apple", '
        '"register_date": "2018-11-14", "last_login_timestamp": "2019-01-01 11:10:06" } ] }'
    )
    _push(env, upload, "/v1/logins", body, "1 users have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {
            "event_time": T,
            "kind": "login",
            "name": "login",
            "user_id": "1001",
            "level": 10,
            "platform": "Apple",
            "device": "iPhone X",
            "country": "US",
            "language": "en-US",
            "properties": {
                "clan_id": "2002",
                "register_date": "2018-11-14",
                "last_login_timestamp": "2019-01-01 11:10:06",
            },
        }
    ]
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/users/1001", headers=env.admin)
    assert r.json()["data"]["attributes"] == {
        "clan_id": "2002",
        "level": "10",
        "device": "iPhone X",
        "country": "US",
        "platform": "Apple",
        "language": "en-US",
        "register_date": "2018-11-14",
        "last_login_timestamp": "2019-01-01 11:10:06",
    }


def test_seed_purchases_example(env: Env, upload: dict[str, str]) -> None:
    body = (
        '{ "purchases": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "item_id": "2002", '
        '"count": 1, "price": 25.50, "platform": "Steam" } ] }'
    )
    _push(env, upload, "/v1/purchases", body, "1 purchases have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {
            "event_time": T,
            "kind": "purchase",
            "name": "purchase",
            "user_id": "1001",
            "item_id": "2002",
            "quantity": 1,
            "amount": 25.5,
            "platform": "Steam",
        }
    ]


def test_seed_virtual_purchases_example(env: Env, upload: dict[str, str]) -> None:
    body = (
        '{ "virtual_purchases": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "item_id": "2002", '
        '"count": 1, "virtual_price": 25.50, "currency": "gold" } ] }'
    )
    _push(env, upload, "/v1/virtual-purchases", body, "1 virtual purchases have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {
            "event_time": T,
            "kind": "virtual_purchase",
            "name": "virtual_purchase",
            "user_id": "1001",
            "item_id": "2002",
            "quantity": 1,
            "amount": 25.5,
            "currency": "gold",
        }
    ]


def test_seed_level_ups_example(env: Env, upload: dict[str, str]) -> None:
    body = '{ "level_ups": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", "level": 10 } ] }'
    _push(env, upload, "/v1/level-ups", body, "1 level-ups have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {"event_time": T, "kind": "level_up", "name": "level_up", "user_id": "1001", "level": 10}
    ]


def test_seed_items_example_fills_the_catalogue(env: Env, upload: dict[str, str]) -> None:
    body = '{ "items": [ { "item_id": "1001", "price": 25.50, "currency": "USD", "name": "Axe", "type": "weapon" } ] }'
    _push(env, upload, "/v1/items", body, "1 items have been successfully ingested")
    r = env.client.get(f"/admin/v1/projects/{env.boot.project_id}/items", headers=env.admin)
    [item] = r.json()["data"]
    assert {k: v for k, v in item.items() if k != "updated_at"} == {
        "item_id": "1001",
        "price": 25.5,
        "currency": "USD",
        "name": "Axe",
        "type": "weapon",
    }


def test_seed_social_dynamics_example(env: Env, upload: dict[str, str]) -> None:
    body = (
        '{ "social_dynamics": [ { "timestamp": "2019-01-01 15:04:05", "user_id": "1001", '
        '"target_user_id": "1002", "connection": "linked", "interaction": "friend" } ] }'
    )
    _push(env, upload, "/v1/social-dynamics", body, "1 social dynamics have been successfully ingested")
    assert without_receipt(user_events(env, "1001")) == [
        {
            "event_time": T,
            "kind": "social",
            "name": "social_dynamics",
            "user_id": "1001",
            "target_user_id": "1002",
            "properties": {"connection": "linked", "interaction": "friend"},
        }
    ]
