"""The apply helpers give what one process gives, chunk after chunk, with messages far over a pipe's buffer.

A chunk is shared between the worker and a helper process; the next chunk is sent to the helper
while the worker still holds the first one's results (the order in which a stuck pair of full
pipes would show). Results — documents, failed lines, counts — must equal applying each chunk in
one process.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

from traitbase.domain.imports.fold import Folded, FoldPool, fold, json_chunk
from traitbase.domain.imports.ops import Applier
from traitbase.domain.imports.parse import ImportLimits
from traitbase.storage.importsort import SortedRows

LIMITS = ImportLimits(
    chunk_lines=4000,
    max_line_bytes=1 << 20,
    max_value_length=255,
    max_attr_length=128,
    max_id_length=255,
    error_line_max_chars=10000,
)
WORDS = [f"w{i:02d}" for i in range(64)]


def _line(rnd: random.Random, uid: str) -> bytes:
    changes: list[dict[str, Any]] = [
        {"op": "assign", "attr": "plan", "value": rnd.choice(["free", "pro"])},
        {"op": "increment", "attr": "visits", "value": rnd.randint(1, 5)},
        {"op": "set-add", "attr": "tags", "value": rnd.sample(WORDS, 3)},
        {"op": "set-remove", "attr": "tags", "value": [rnd.choice(WORDS)]},
    ]
    if rnd.random() < 0.02:  # fails on users whose "plan" is a string: the reference path's reason
        changes.append({"op": "increment", "attr": "plan", "value": 1})
    return orjson.dumps({"customer_id": uid, "changes": changes})


def _sorted_run(tmp: Path, lines: int, customers: int) -> tuple[Path, SortedRows, list[bytes]]:
    rnd = random.Random(5)
    raw = [_line(rnd, f"c{rnd.randrange(customers):04d}") for _ in range(lines)]
    order = sorted(range(lines), key=lambda i: (orjson.loads(raw[i])["customer_id"], i))
    path = tmp / "lines.bin"
    path.write_bytes(b"".join(raw))
    offsets, at = [], 0
    for line in raw:
        offsets.append(at)
        at += len(line)
    rows = SortedRows(
        numbers=[i + 1 for i in order],
        offsets=[offsets[i] for i in order],
        lengths=[len(raw[i]) for i in order],
        too_long=[False] * lines,
    )
    return path, rows, [raw[i] for i in order]


def _part(rows: SortedRows, start: int, stop: int) -> SortedRows:
    return SortedRows(*(col[start:stop] for col in (rows.numbers, rows.offsets, rows.lengths, rows.too_long)))


def _same(a: Folded, b: Folded) -> None:
    assert sorted(a.rows) == sorted(b.rows)
    assert sorted(a.errors) == sorted(b.errors)
    assert (a.total, a.parsed) == (b.total, b.parsed)


def test_helpers_apply_consecutive_chunks_like_one_process(tmp_path: Path) -> None:
    path, rows, ordered = _sorted_run(tmp_path, lines=8000, customers=2000)
    applier = Applier(max_value_length=255, max_attr_length=128)
    stored = {f"c{i:04d}": orjson.dumps({"tags": WORDS[::2], "visits": 1}).decode() for i in range(0, 2000, 3)}

    def load(uids: set[str]) -> dict[str, str]:
        return {uid: stored[uid] for uid in uids if uid in stored}

    first, second = _part(rows, 0, 4000), _part(rows, 4000, 8000)
    with FoldPool(LIMITS, helpers=1, lines=path) as pool:
        prepared = pool.finish(pool.start(first))
        assert prepared.sent, "the helper got no share"
        got_first, started = prepared.fold(load, applier, ahead=second)
        assert started is not None
        got_second, none = pool.finish(started).fold(load, applier)
        assert none is None

    def alone(part: SortedRows, lines: list[bytes]) -> Folded:
        chunk = json_chunk(lines, part.numbers, part.too_long, LIMITS)
        return fold([chunk], load(chunk.user_ids()), applier)

    _same(got_first, alone(first, ordered[:4000]))
    _same(got_second, alone(second, ordered[4000:]))
    assert got_first.errors, "the file exercises failed lines"
    assert len(orjson.dumps(got_first.rows)) > 3 * 65536  # the helper's two thirds: over a pipe's 64 KB
