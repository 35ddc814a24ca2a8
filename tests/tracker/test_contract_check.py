"""The contract check the browser tests apply to every batch catches what the contract forbids."""

from __future__ import annotations

from tests.browser.contract import violations

GOOD = {
    "site": "k",
    "visitor": "v" * 32,
    "sent_at": 1,
    "events": [
        {"kind": "click", "ts": 1, "id": "e1", "page": "p", "url": "u", "x": 0.5, "y": 3, "selector": "a", "text": ""},
        {"kind": "dimension", "ts": 1, "id": "e2", "name": "n", "value": "v"},
    ],
}


def test_a_conforming_batch_has_no_violations() -> None:
    assert violations(GOOD) == []


def test_each_kind_of_breach_is_named() -> None:
    bad = {
        "site": "k",
        "visitor": "",
        "sent_at": 1.5,
        "events": [
            {
                "kind": "click",
                "ts": 1,
                "id": "e1",
                "page": "p",
                "url": "u",
                "x": 1.5,
                "y": 3,
                "selector": "a",
                "text": "",
            },
            {"kind": "dimension", "ts": True, "id": "e2", "name": "n", "value": "v", "extra": 1},
            {"kind": "teleport", "ts": 1, "id": "e3"},
            {
                "kind": "pageleave",
                "ts": 1,
                "id": "e4",
                "page": "p",
                "url": "u",
                "active_ms": -1,
                "max_scroll": 0,
                "page_height": 1,
                "blocks": [{"name": "B", "seconds": 1}],
            },
        ],
    }
    assert violations(bad) == [
        "batch: site (str) and sent_at (int ms) are required",
        "batch: visitor must be 1-64 characters",
        "event 0 (click): x in 0..1, y >= 0, text <= 200 characters",
        "event 1 (dimension): ts missing or not <class 'int'>",
        "event 1 (dimension): unexpected field extra",
        "event 2: unknown kind 'teleport'",
        "event 3 (pageleave): negative duration or scroll",
        "event 3 (pageleave): block {'name': 'B', 'seconds': 1} is not {name, seconds >= 0, seen: bool}",
    ]
    assert violations({"site": "k", "visitor": "v", "sent_at": 1, "events": []}) == [
        "batch: events must be a list of 1-200 events"
    ]
