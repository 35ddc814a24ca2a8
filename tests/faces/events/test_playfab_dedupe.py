"""PlayFab delivers webhooks at least once: a repeated ``EventId`` is stored once per project and environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Env, build_env, make_settings
from tests.faces.events.conftest import user_events


def _event(event_id: str | None, name: str = "player_logged_in", user: str = "p1") -> dict[str, Any]:
    ev: dict[str, Any] = {"EventName": name, "EntityId": user, "Timestamp": "2019-01-03T10:00:00Z"}
    if event_id is not None:
        ev["EventId"] = event_id
    return ev


def _ingested(n: int) -> dict[str, Any]:
    return {"code": 201, "message": f"{n} events have been successfully ingested", "data": None}


def _stored(env: Env, user: str = "p1", environment: str = "production") -> list[tuple[str, str | None]]:
    return sorted((e["name"], e.get("event_id")) for e in user_events(env, user, environment=environment))


def test_same_event_id_twice_in_one_array_is_stored_once(env: Env) -> None:
    token = env.key(["upload"])
    r = env.client.post(f"/v1/playfab?api_key={token}", json=[_event("e1"), _event("e1"), _event("e2", "b")])
    assert (r.status_code, r.json()) == (201, _ingested(2))
    assert _stored(env) == [("b", "e2"), ("player_logged_in", "e1")]


def test_same_event_id_in_a_second_request_is_dropped_and_not_counted(env: Env) -> None:
    token = env.key(["upload"])
    first = env.client.post(f"/v1/playfab?api_key={token}", json=_event("e1"))
    again = env.client.post(f"/v1/playfab?api_key={token}", json=[_event("e1"), _event("e3", "c")])
    assert [(first.status_code, first.json()), (again.status_code, again.json())] == [
        (201, _ingested(1)),
        (201, _ingested(1)),
    ]
    assert _stored(env) == [("c", "e3"), ("player_logged_in", "e1")]


def test_events_without_event_id_are_never_dropped(env: Env) -> None:
    token = env.key(["upload"])
    for _ in range(2):
        r = env.client.post(f"/v1/playfab?api_key={token}", json=[_event(None), _event(None)])
        assert (r.status_code, r.json()) == (201, _ingested(2))
    assert _stored(env) == [("player_logged_in", None)] * 4


def test_the_same_event_id_is_kept_apart_per_environment_and_project(env: Env) -> None:
    prod = env.key(["upload"])
    sandbox = env.key(["upload"], environment="sandbox")
    other_project = env.project()
    other = env.key(["upload"], project_id=other_project)
    answers = [
        env.client.post(f"/v1/playfab?api_key={token}", json=_event("e1")).json()
        for token in (prod, sandbox, other, prod)
    ]
    assert answers == [_ingested(1), _ingested(1), _ingested(1), _ingested(0)]
    assert _stored(env) == [("player_logged_in", "e1")]
    assert _stored(env, environment="sandbox") == [("player_logged_in", "e1")]


def test_an_idempotency_key_replay_repeats_the_counted_answer(env: Env) -> None:
    token = env.key(["upload"])
    env.client.post(f"/v1/playfab?api_key={token}", json=_event("e1"))
    body = [_event("e1"), _event("e2", "b")]
    headers = {"Idempotency-Key": "delivery-7"}
    first = env.client.post(f"/v1/playfab?api_key={token}", json=body, headers=headers)
    replay = env.client.post(f"/v1/playfab?api_key={token}", json=body, headers=headers)
    assert [first.json(), replay.json(), replay.headers.get("Idempotent-Replayed")] == [
        _ingested(1),
        _ingested(1),
        "true",
    ]
    assert _stored(env) == [("b", "e2"), ("player_logged_in", "e1")]


def test_a_repeat_after_the_window_is_stored_again(tmp_path: Path) -> None:
    # A window of zero seconds has always passed by the next request.
    for env in build_env(make_settings(tmp_path, idempotency_ttl_seconds=0)):
        token = env.key(["upload"])
        answers = [env.client.post(f"/v1/playfab?api_key={token}", json=_event("e1")).json() for _ in range(2)]
        assert answers == [_ingested(1), _ingested(1)]
        assert _stored(env) == [("player_logged_in", "e1")] * 2
