"""The block reader hands out the same lines, numbers and resume offsets as the line reader."""

from __future__ import annotations

import gzip
import io
import random

import pytest

from traitbase.domain.imports.reader import read_batches, read_lines


def _file(rnd: random.Random) -> bytes:
    parts = [b"\xef\xbb\xbf"] if rnd.random() < 0.3 else []
    for _ in range(rnd.randint(0, 30)):
        body = bytes(rnd.choice(b'ab{}" \r') for _ in range(rnd.choice([0, 1, 5, 9, 10, 11, 12, 30])))
        parts.append(body + rnd.choice([b"\n", b"\r\n"]))
    if parts and rnd.random() < 0.5:
        parts[-1] = parts[-1].rstrip(b"\n")  # no line end at the end of the file
    return b"".join(parts)


def _reference(data: bytes, max_bytes: int, start: int = 0, first: int = 1) -> list[tuple[int, bytes, bool, int]]:
    lines = read_lines(io.BytesIO(data), start=start, first_line=first, max_line_bytes=max_bytes)
    return [(r.number, r.data, r.too_long, r.end) for r in lines]


def _batched(
    data: bytes, max_bytes: int, size: int, block: int, start: int = 0, first: int = 1
) -> tuple[list[tuple[int, bytes, bool]], list[tuple[int, int]]]:
    lines, ends = [], []
    for b in read_batches(
        io.BytesIO(data), start=start, first_line=first, max_line_bytes=max_bytes, batch_lines=size, block_bytes=block
    ):
        for i, raw in enumerate(b.lines):
            lines.append((b.first + i, raw if i in b.too_long else raw.rstrip(b"\r\n"), i in b.too_long))
        ends.append((b.next_line, b.end))
    return lines, ends


@pytest.mark.parametrize("seed", range(4))
def test_random_files_give_the_same_lines_and_checkpoints_as_the_line_reader(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(150):
        data, max_bytes = _file(rnd), rnd.choice([3, 10, 11, 50])
        size, block = rnd.choice([1, 2, 7, 64]), rnd.choice([1, 3, 8, 1000])
        ref = _reference(data, max_bytes)
        lines, ends = _batched(data, max_bytes, size, block)
        assert lines == [(n, d, t) for n, d, t, _ in ref]
        end_after = {n + 1: end for n, _, _, end in ref}
        assert all(end_after[nxt] == end for nxt, end in ends)
        for nxt, end in ends:  # resuming at any checkpoint gives the rest of the file
            rest, _ = _batched(data, max_bytes, size, block, start=end, first=nxt)
            assert rest == [(n, d, t) for n, d, t, _ in _reference(data, max_bytes, start=end, first=nxt)]


def test_an_over_long_line_is_cut_and_flagged_and_the_next_line_keeps_its_number() -> None:
    data = b"\xef\xbb\xbfok\r\n" + b"x" * 5000 + b"\nlast"
    batches = list(
        read_batches(io.BytesIO(data), start=0, first_line=1, max_line_bytes=100, batch_lines=2, block_bytes=64)
    )
    assert [(b.first, b.lines, b.end, b.too_long) for b in batches] == [
        (1, [b"ok\r", b"x" * 100], 5008, frozenset({1})),
        (3, [b"last"], 5012, frozenset()),
    ]


def test_a_gzip_file_is_read_through_with_decompressed_offsets() -> None:
    data = gzip.compress(b"a\nbb\nccc\n")
    batches = list(read_batches(io.BytesIO(data), start=0, first_line=1, max_line_bytes=10, batch_lines=2))
    assert [(b.first, b.lines, b.end) for b in batches] == [(1, [b"a", b"bb"], 5), (3, [b"ccc"], 9)]
