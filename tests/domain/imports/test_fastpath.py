"""The JSON Lines fast path gives exactly what the reference path (``profile_ops``) gives.

Each scenario applies the same lines to the same starting attributes twice — once through
``JsonChunk`` (typed decoding, the tight apply loop, and its fallbacks) and once line by line
through ``parse_json_line`` + ``Applier`` as before — and compares the whole outcome: every
user's attributes, every failed line (number, raw text, reason) and the counters.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest

from traitbase.domain.imports.ops import Applier, LineError, parse_json_line
from traitbase.domain.imports.parse import ImportLimits, JsonChunk
from traitbase.domain.imports.reader import LineBatch

LIMITS = ImportLimits(
    chunk_lines=1000,
    max_line_bytes=1 << 20,
    max_value_length=255,
    max_attr_length=128,
    max_id_length=255,
    error_line_max_chars=10_000,
)
STARTING = {
    "s1": {"name": "Ann", "visits": 3, "tags": ["a", "b"], "born": "1990-01-02"},
    "s2": {"tags": ["x"], "n": 9223372036854775806},
    # stored arrays another writer might leave: unsorted with duplicates, numbers, empty
    "s3": {"odd": ["b", "a", "a"], "nums": [2, 1], "empty": [], "dup": ["a", "a"]},
}

Outcome = tuple[dict[str, Any], list[tuple[int, bytes, str]], int, int]


def _applier() -> Applier:
    return Applier(max_value_length=LIMITS.max_value_length, max_attr_length=LIMITS.max_attr_length)


def _plain(states: dict[str, dict[str, Any]], changed: set[str]) -> dict[str, Any]:
    """What would be written: changed users with sets as sorted lists, plus untouched users."""
    out = {uid: dict(attrs) for uid, attrs in STARTING.items()}
    for uid in changed:
        out[uid] = {k: sorted(v) if isinstance(v, set) else v for k, v in states[uid].items()}
    return {uid: attrs for uid, attrs in out.items() if attrs or uid in STARTING}


def fast(lines: list[bytes]) -> Outcome:
    chunk = JsonChunk(LineBatch(first=1, lines=list(lines), end=0, too_long=frozenset()), _decoder(), LIMITS)
    states = copy.deepcopy(STARTING)
    result = chunk.apply(states, _applier())
    return _plain(states, result.changed), result.errors, result.total, result.parsed


def reference(lines: list[bytes]) -> Outcome:
    states, applier = copy.deepcopy(STARTING), _applier()
    errors: list[tuple[int, bytes, str]] = []
    changed: set[str] = set()
    total = parsed = 0
    for number, line in enumerate(lines, 1):
        data = line.rstrip(b"\r\n")
        if not data.strip():
            continue
        total += 1
        try:
            uid, changes = parse_json_line(data, max_id_length=LIMITS.max_id_length)
        except LineError as exc:
            errors.append((number, data, str(exc)))
            continue
        parsed += 1
        try:
            applier.apply_line(states.setdefault(uid, {}), changes)
        except LineError as exc:
            errors.append((number, data, str(exc)))
            continue
        changed.add(uid)
    return _plain(states, changed), errors, total, parsed


def _decoder() -> Any:
    from traitbase.domain.imports.fastpath import line_decoder

    return line_decoder(LIMITS.max_value_length, LIMITS.max_attr_length)


def _line(uid: Any, *changes: dict[str, Any]) -> bytes:
    return orjson.dumps({"customer_id": uid, "changes": list(changes)})


def _good(i: int) -> bytes:
    return _line(
        f"u{i % 7}",
        {"op": "assign", "attr": "plan", "value": "pro"},
        {"op": "increment", "attr": "visits", "value": i},
        {"op": "set-add", "attr": "tags", "value": [f"t{i % 5}", "z"]},
        {"op": "set-remove", "attr": "tags", "value": "z"},
        {"op": "assign", "attr": "seen", "value": "2024-03-01"},
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2023-02-30", "changes[1]: value of 'd' is not a real date: '2023-02-30'"),
        ("2001-02-29", "changes[1]: value of 'd' is not a real date: '2001-02-29'"),
        ("0000-01-01", "changes[1]: value of 'd' is not a real date: '0000-01-01'"),
        ("2023-13-01", "changes[1]: value of 'd' is not a real date: '2023-13-01'"),
        (["ok", "2023-04-31"], "changes[1]: value of 'd' is not a real date: '2023-04-31'"),
    ],
)
def test_a_batch_with_one_bad_date_reports_exactly_that_line_with_the_reference_reason(value: Any, reason: str) -> None:
    lines = [_good(i) for i in range(500)]
    op = "set-add" if isinstance(value, list) else "assign"
    lines[321] = _line("u3", {"op": "assign", "attr": "plan", "value": "x"}, {"op": op, "attr": "d", "value": value})
    outcome = fast(lines)
    assert outcome == reference(lines)
    assert outcome[1] == [(322, lines[321], reason)]
    assert outcome[2:] == (500, 500)


def test_a_batch_with_one_undecodable_line_reports_exactly_that_line_with_the_reference_reason() -> None:
    lines = [_good(i) for i in range(300)]
    lines[7] = b'{"customer_id":"u1","changes":[{"op":"assign","attr":"a","value":1.5}]}'
    outcome = fast(lines)
    assert outcome == reference(lines)
    reason = (
        "changes[0]: value of 'a' must be an integer, a string, a YYYY-MM-DD date or a set of strings, "
        "got number with a fraction"
    )
    assert outcome[1] == [(8, lines[7], reason)]


def test_a_state_dependent_failure_mid_line_rolls_the_whole_line_back() -> None:
    lines = [
        _line(
            "s1",
            {"op": "assign", "attr": "plan", "value": "gold"},
            {"op": "set-add", "attr": "tags", "value": "c"},
            {"op": "increment", "attr": "name", "value": 1},
        ),
        _line("s1", {"op": "increment", "attr": "visits", "value": 1}),
    ]
    outcome = fast(lines)
    assert outcome == reference(lines)
    assert outcome[0]["s1"] == {"name": "Ann", "visits": 4, "tags": ["a", "b"], "born": "1990-01-02"}
    assert outcome[1] == [(1, lines[0], "changes[2]: cannot increment 'name': it holds a string")]


def test_every_kind_of_bad_and_odd_line_matches_the_reference_path() -> None:
    lines = [
        b"",
        b"   \r",
        b"{not json",
        b"[1, 2]",
        b'{"changes": []}',
        _line("", {"op": "delete", "attr": "a"}),
        _line("   ", {"op": "delete", "attr": "a"}),
        _line("x" * 256, {"op": "delete", "attr": "a"}),
        _line(12345, {"op": "assign", "attr": "a", "value": 1}),
        _line(True, {"op": "assign", "attr": "a", "value": 1}),
        _line("u", {"op": "rename", "attr": "a", "value": 1}),
        _line("u", {"op": "assign", "attr": "", "value": 1}),
        _line("u", {"op": "assign", "attr": "a" * 129, "value": 1}),
        _line("u", {"op": "assign", "attr": "a"}),
        _line("u", {"op": "assign", "attr": "a", "value": None}),
        _line("u", {"op": "assign", "attr": "a", "value": True}),
        _line("u", {"op": "assign", "attr": "a", "value": {"k": 1}}),
        _line("u", {"op": "assign", "attr": "a", "value": "v" * 256}),
        _line("u", {"op": "assign", "attr": "a", "value": "é" * 255}),
        _line("u", {"op": "assign", "attr": "a", "value": ["ok", 1]}),
        _line("u", {"op": "assign", "attr": "a", "value": ["ok", "w" * 256]}),
        _line("u", {"op": "assign", "attr": "a", "value": []}),
        _line("u", {"op": "increment", "attr": "n", "value": "1"}),
        _line("u", {"op": "increment", "attr": "n", "value": 2**63}),
        _line("s2", {"op": "increment", "attr": "n", "value": 5}),
        _line("s2", {"op": "increment", "attr": "tags", "value": 1}),
        _line("s1", {"op": "set-add", "attr": "name", "value": "x"}),
        _line("s1", {"op": "set-remove", "attr": "visits", "value": ["x"]}),
        _line("s1", {"op": "set-add", "attr": "tags", "value": 3}),
        _line("s1", {"op": "set-remove", "attr": "tags", "value": ["a", "b"]}),
        _line("s1", {"op": "set-remove", "attr": "missing", "value": "a"}),
        _line("s1", {"op": "delete", "attr": "born"}, {"op": "assign", "attr": "born", "value": "2000-02-29"}),
        _line("s1", {"op": "assign", "attr": "v", "value": "2001-02-29"}),
        _line("s1", {"op": "assign", "attr": "v", "value": "0000-01-01"}),
        _line("s1", {"op": "set-add", "attr": "days", "value": ["2023-04-31"]}),
        _line("s1", {"op": "assign", "attr": "v", "value": "2023-04-30-extra"}),
        b'{"customer_id":"s1","changes":[{"op":"assign","attr":"v","value":"\\u0032023-02-30"}]}',
        b'{"customer_id":"s1","changes":[{"op":"assign","attr":"v","value":"2023-02-28\\n"}]}',
        '{"customer_id":"s1","changes":[{"op":"assign","attr":"v","value":"２０２３-02-28"}]}'.encode(),
        b'{"customer_id":"2023-02-30","changes":[{"op":"assign","attr":"2023-13-01","value":"k"}]}',
        _line("new", {"op": "set-remove", "attr": "a", "value": "x"}, {"op": "delete", "attr": "b"}),
        _line("new2", {"op": "set-add", "attr": "e", "value": []}),
        b'{"customer_id":"dup","changes":[],"customer_id":"dup2"}',
        _line("s2", {"op": "increment", "attr": "n", "value": 1}),
        b'{"customer_id":"crlf","changes":[{"op":"assign","attr":"a","value":1}]}\r',
        _line("s3", {"op": "set-add", "attr": "odd", "value": "c"}),
        _line("s3", {"op": "set-add", "attr": "odd", "value": ["d", "a"]}),
        _line("s3", {"op": "set-remove", "attr": "nums", "value": "x"}),
        _line("s3", {"op": "set-add", "attr": "empty", "value": "e"}),
        _line("s3", {"op": "set-remove", "attr": "dup", "value": "z"}),
    ]
    assert fast(lines) == reference(lines)


def test_random_mixed_lines_match_the_reference_path() -> None:
    rnd = random.Random(11)
    attrs = ["a", "b", "tags", "n"]
    values: list[Any] = [1, -5, "x", "2024-01-31", "2023-02-29", ["p", "q"], "r", [], None, 2.5, [1], 2**62]
    ops = ["assign", "increment", "set-add", "set-remove", "delete", "bogus"]
    lines = []
    for _ in range(3000):
        changes = []
        for _ in range(rnd.randint(0, 4)):
            change: dict[str, Any] = {"op": rnd.choice(ops), "attr": rnd.choice(attrs)}
            if rnd.random() < 0.9:
                change["value"] = rnd.choice(values)
            changes.append(change)
        lines.append(_line(rnd.choice(["s1", "s2", "r1", "r2", "r3"]), *changes))
    assert fast(lines) == reference(lines)
