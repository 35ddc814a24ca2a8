"""The pure core of event pushes: the hot path and the error path agree, and every rule is a spec entry."""

from __future__ import annotations

import msgspec
import pytest

from traitbase.domain.events import parse as events
from traitbase.domain.events.parse import EventLimits, normalize_push
from traitbase.domain.events.playfab import normalize_playfab, parse_iso_timestamp
from traitbase.domain.events.specs import BY_PATH, SPECS
from traitbase.errors import Invalid

LIMITS = EventLimits(max_items=1000, max_string_length=16)

LOGIN = {
    "timestamp": "2019-01-01 15:04:05",
    "user_id": "1001",
    "clan_id": "2002",
    "level": 10,
    "device": "iPhone X",
    "country": "us",
    "language": "en-US",
    "platform": "Apple",
    "register_date": "2018-11-14",
    "last_login_timestamp": "2019-01-01 11:10:06",
}


def test_hot_path_and_error_path_give_the_same_batch_for_a_valid_body() -> None:
    spec = BY_PATH["/v1/logins"]
    body = msgspec.json.encode({"users": [LOGIN, {"user_id": "1002"}]})
    fast = events._fast(spec, body, LIMITS)
    slow = events._slow(spec, body, LIMITS)
    assert fast is not None
    assert (fast.count, fast.values, fast.properties) == (slow.count, slow.values, slow.properties)
    assert fast.values["country"] == ["US", None]
    assert fast.properties == [
        {"clan_id": "2002", "register_date": "2018-11-14", "last_login_timestamp": "2019-01-01 11:10:06"},
        {},
    ]


def test_action_params_become_the_event_properties() -> None:
    body = msgspec.json.encode(
        {
            "actions": [
                {
                    "user_id": "1",
                    "action_id": "2",
                    "action_name": "buy",
                    "action_params": [{"key": "item_id", "value": "3003"}, {"key": "slot", "value": "4"}],
                }
            ]
        }
    )
    batch = normalize_push(BY_PATH["/v1/actions"], body, LIMITS)
    assert batch.properties == [{"item_id": "3003", "slot": "4"}]


def test_hot_path_falls_back_on_an_impossible_date() -> None:
    body = msgspec.json.encode({"level_ups": [{"user_id": "1", "level": 2, "timestamp": "2019-02-30 00:00:00"}]})
    assert events._fast(BY_PATH["/v1/level-ups"], body, LIMITS) is None
    with pytest.raises(Invalid) as caught:
        normalize_push(BY_PATH["/v1/level-ups"], body, LIMITS)
    assert caught.value.errors == {"level_ups[0].timestamp": "must be a timestamp YYYY-MM-DD HH:MM:SS (UTC)"}


def test_string_longer_than_the_limit_is_named() -> None:
    body = msgspec.json.encode({"level_ups": [{"user_id": "x" * 17, "level": 2}]})
    with pytest.raises(Invalid) as caught:
        normalize_push(BY_PATH["/v1/level-ups"], body, LIMITS)
    assert caught.value.errors == {"level_ups[0].user_id": "must be at most 16 characters"}


def test_empty_required_string_is_named() -> None:
    body = msgspec.json.encode({"level_ups": [{"user_id": "", "level": 2}]})
    with pytest.raises(Invalid) as caught:
        normalize_push(BY_PATH["/v1/level-ups"], body, LIMITS)
    assert caught.value.errors == {"level_ups[0].user_id": "must not be empty"}


def test_null_optional_field_counts_as_absent() -> None:
    body = msgspec.json.encode(
        {"purchases": [{"user_id": "1", "item_id": "2", "count": 1, "price": 3, "platform": None}]}
    )
    batch = normalize_push(BY_PATH["/v1/purchases"], body, LIMITS)
    assert (batch.values["platform"], batch.values["price"]) == ([None], [3.0])


def test_every_spec_field_type_is_registered() -> None:
    assert {f.type for s in SPECS for f in s.fields} <= set(events.FIELD_TYPES)


def test_playfab_timestamps_with_seven_fraction_digits_and_offsets_become_naive_utc() -> None:
    assert str(parse_iso_timestamp("2019-01-03T10:00:00.1234567Z")) == "2019-01-03 10:00:00.123456"
    assert str(parse_iso_timestamp("2019-01-03T12:00:00+02:00")) == "2019-01-03 10:00:00"
    assert parse_iso_timestamp("not a time") is None


def test_playfab_more_events_than_the_limit_are_refused() -> None:
    body = msgspec.json.encode([{"EventName": "a", "EntityId": "b"}] * 3)
    with pytest.raises(Invalid) as caught:
        normalize_playfab(body, EventLimits(max_items=2, max_string_length=16))
    assert caught.value.errors == {"body": "has 3 events; at most 2 per request"}
