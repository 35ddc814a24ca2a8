"""The /collect wire rules as a pure parser: what is accepted, and the one clear reason for a refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from traitbase.domain.collect.parse import Click, PageLeave, PageView, parse_batch
from traitbase.errors import Invalid

T = 1_733_040_000_000


def body(*events: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"visitor": "v1", "sent_at": T, "events": list(events), **top}).encode()


def pv(**extra: Any) -> dict[str, Any]:
    return {"kind": "pageview", "ts": T, "page": "p1", "url": "https://a.example/", **extra}


def refused(raw: bytes, *, max_events: int = 200) -> str:
    with pytest.raises(Invalid) as info:
        parse_batch(raw, max_events=max_events)
    return info.value.message


def test_a_good_batch_is_parsed_into_typed_events() -> None:
    batch = parse_batch(
        body(
            pv(id="e1", screen="1920x1080", viewport=[1200, 800]),
            {"kind": "click", "id": "e2", "ts": T, "page": "p1", "url": "https://a.example/", "x": 0.25, "y": 640},
            {"kind": "pageleave", "id": "e3", "ts": T, "page": "p1", "url": "https://a.example/", "active_ms": 1500},
        ),
        max_events=200,
    )
    assert batch.visitor == "v1"
    assert batch.sent_at == T
    assert [type(e) for e in batch.events] == [PageView, Click, PageLeave]
    assert batch.event_ids() == ["e1", "e2", "e3"]


def test_an_event_repeated_inside_a_batch_counts_once() -> None:
    batch = parse_batch(body(pv(id="e1"), pv(id="e1")), max_events=200)
    assert len(batch.events) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "request body is empty"),
        (b"not json", "request body is not valid JSON (JSON is malformed: invalid character (byte 4))"),
        (b"[1, 2]", "request body must be a JSON object: Expected `object`, got `array`"),
        (b'{"visitor": "\xff\xfe", "events": []}', "request body is not valid JSON (Invalid UTF-8 encoded string)"),
        (body(), "events must hold at least one event"),
        (body(pv(), visitor=""), "Expected `str` of length >= 1 - at `$.visitor`"),
        (
            body({"kind": "hover", "ts": T}),
            "unknown event kind: Invalid value 'hover' - at `$.events[0].kind` (known kinds: pageview, pageleave, "
            "click, element_view, conversion, custom, identify, dimension, experience)",
        ),
        (
            body({"kind": "click", "ts": T, "page": "p", "url": "u", "x": 1.5}),
            "Expected `float` <= 1.0 - at `$.events[0].x`",
        ),
        (
            body({"kind": "click", "ts": T, "page": "p", "url": "u", "x": -0.1}),
            "Expected `float` >= 0.0 - at `$.events[0].x`",
        ),
        (
            body({"kind": "click", "ts": T, "page": "p", "url": "u", "x": 0.5, "y": 10**12}),
            "Expected `int` <= 10000000 - at `$.events[0].y`",
        ),
        (
            body({"kind": "pageleave", "ts": T, "page": "p", "url": "u", "active_ms": -5}),
            "Expected `int` >= 0 - at `$.events[0].active_ms`",
        ),
        (
            body({"kind": "pageleave", "ts": T, "page": "p", "url": "u", "blocks": [{"name": "Hero", "seconds": -1}]}),
            "Expected `float` >= 0.0 - at `$.events[0].blocks[0].seconds`",
        ),
        (body(pv(ts=5)), "Expected `int` >= 946684800000 - at `$.events[0].ts`"),
        (body(pv(page="")), "Expected `str` of length >= 1 - at `$.events[0].page`"),
        (body({"kind": "click", "ts": T, "url": "u"}), "click events need 'page' - at `$.events[0].page`"),
        (body(pv(title="t" * 201)), "Expected `str` of length <= 200 - at `$.events[0].title`"),
        (body({"kind": "identify", "ts": T}), "identify events need 'user_id' - at `$.events[0].user_id`"),
        (
            body({"kind": "experience", "ts": T, "experience": "x", "action": "hover"}),
            "Invalid enum value 'hover' - at `$.events[0].action`",
        ),
        (
            body({"kind": "custom", "ts": T, "name": "n", "properties": {"a": [1]}}),
            "Expected `bool | int | float | str`, got `array` - at `$.events[0].properties[...]`",
        ),
    ],
)
def test_a_malformed_batch_is_refused_with_its_reason(raw: bytes, reason: str) -> None:
    assert refused(raw) == reason


def test_more_events_than_the_setting_allows_are_refused() -> None:
    assert refused(body(*[pv(id=str(i)) for i in range(5000)])) == "a batch holds at most 200 events; this one has 5000"
