"""``client.events``: pushes batched by 1,000 with one Idempotency-Key per batch, and reads back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import httpx
import orjson
import pytest

from tests.client.conftest import BASE, FAST_RETRY, LoseAnswerOnce, recorder, sdk
from tests.conftest import Env
from traitbase.client import AsyncClient, Client, Invalid, PushResult

DAY = "2026-03-01"


def _actions(n: int, name: str = "buy_item") -> list[dict[str, object]]:
    return [
        {"timestamp": f"{DAY} 10:00:00", "user_id": f"u{i % 7}", "action_id": f"a{i}", "action_name": name}
        for i in range(n)
    ]


def test_2500_actions_go_in_three_requests_each_with_its_own_key_and_are_all_counted(
    env: Env, upload_token: str, admin: Client
) -> None:
    rec = recorder(env)
    progress: list[PushResult] = []
    with sdk(env, upload_token, rec) as c:
        result = c.events.push("actions", iter(_actions(2500)), progress=progress.append)
    assert result == PushResult(kind="actions", items=2500, batches=3)
    assert progress == [PushResult("actions", 1000, 1), PushResult("actions", 2000, 2), result]
    assert [(r.url.path, len(orjson.loads(r.content)["actions"])) for r in rec.requests] == [
        ("/v1/actions", 1000),
        ("/v1/actions", 1000),
        ("/v1/actions", 500),
    ]
    assert len({r.headers["idempotency-key"] for r in rec.requests}) == 3
    counts = admin.events.counts(env.boot.project_id, DAY, DAY)
    assert counts == [{"kind": "action", "name": "buy_item", "count": 2500}]


@pytest.mark.parametrize(
    "fault",
    [httpx.ReadError("connection dropped"), httpx.Response(503, json={"code": 503, "message": "busy"})],
    ids=["lost-answer", "503-after-forwarding"],
)
def test_a_batch_retried_after_the_server_stored_it_is_stored_once(
    env: Env, upload_token: str, admin: Client, fault: httpx.Response | Exception
) -> None:
    transport = LoseAnswerOnce(env.transport, fault)
    with sdk(env, upload_token, transport, retry=FAST_RETRY) as c:
        result = c.events.push("actions", _actions(1500))
    assert result == PushResult(kind="actions", items=1500, batches=2)
    assert admin.events.counts(env.boot.project_id, DAY, DAY) == [{"kind": "action", "name": "buy_item", "count": 1500}]
    keys = [r.headers.get("idempotency-key") for r in transport.requests]
    # The first batch was sent twice with the same key; the second batch has its own.
    assert (len(keys), keys[0] == keys[1], keys[1] != keys[2]) == (3, True, True)


def test_a_rejected_batch_raises_invalid_naming_the_batch_and_the_stored_items_before_it(
    env: Env, upload_token: str, admin: Client
) -> None:
    items = _actions(1500)
    items[1200] = {"user_id": "u1", "action_id": "x", "action_name": ""}
    with sdk(env, upload_token) as c, pytest.raises(Invalid) as err:
        c.events.push("actions", items)
    assert (err.value.status, err.value.errors) == (400, {"actions[200].action_name": "must not be empty"})
    assert err.value.__notes__ == ["batch 2 (items 1001-1500) failed; the 1000 items before it were stored"]
    assert admin.events.counts(env.boot.project_id, DAY, DAY) == [{"kind": "action", "name": "buy_item", "count": 1000}]


def test_each_kind_goes_to_its_endpoint_and_datetimes_are_sent_as_utc_timestamps(
    env: Env, upload_token: str, admin: Client
) -> None:
    tokyo = timezone(timedelta(hours=9))
    with sdk(env, upload_token) as c:
        level_up = {"user_id": "p1", "level": 3, "timestamp": datetime(2026, 3, 1, 9, 30, tzinfo=tokyo)}
        c.events.push("level_ups", [level_up])
        c.events.push(
            "virtual_purchases",
            [
                {
                    "user_id": "p1",
                    "item_id": "gem",
                    "count": 2,
                    "virtual_price": 1.5,
                    "currency": "gold",
                    "timestamp": datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
                }
            ],
        )
    events = admin.events.user_events(env.boot.project_id, "p1")
    assert [(e["kind"], e["event_time"]) for e in events] == [
        ("virtual_purchase", "2026-03-01 01:00:00"),
        ("level_up", "2026-03-01 00:30:00"),
    ]


def test_an_unknown_kind_is_refused_before_any_request(env: Env, upload_token: str) -> None:
    rec = recorder(env)
    with sdk(env, upload_token, rec) as c, pytest.raises(ValueError) as err:
        c.events.push("clicks", _actions(1))  # type: ignore[arg-type]
    assert (str(err.value), rec.requests) == (
        "unknown event kind 'clicks'; one of actions, logins, purchases, virtual_purchases, level_ups, items, "
        "social_dynamics",
        [],
    )


def test_async_push_and_counts_through_the_asgi_transport(env: Env, upload_token: str) -> None:
    async def run() -> tuple[PushResult, object]:
        transport = httpx.ASGITransport(app=env.app)
        async with AsyncClient(BASE, upload_token, transport=transport) as c:
            pushed = await c.events.push("actions", _actions(1200, name="open_chest"))
        async with AsyncClient(BASE, env.boot.admin_token, transport=transport) as a:
            counts = await a.events.counts(env.boot.project_id, DAY, DAY, kind="action")
        return pushed, counts

    pushed, counts = asyncio.run(run())
    assert pushed == PushResult(kind="actions", items=1200, batches=2)
    assert counts == [{"kind": "action", "name": "open_chest", "count": 1200}]
